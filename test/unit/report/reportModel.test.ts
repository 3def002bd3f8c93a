import * as assert from 'node:assert/strict';
import type { Finding, Inventory } from '../../../src/core/inventory/types';
import { exportFileName } from '../../../src/core/report/exportName';
import { reportModelFromInventory } from '../../../src/core/report/fromInventory';
import { staleNotice } from '../../../src/core/report/staleNotice';
import { InventoryStore } from '../../../src/core/session/inventoryStore';
import type { StoredInventory } from '../../../src/core/session/inventoryStore';
import { idSegments, isWebviewMessage, shortenIds } from '../../../src/shared/reportProtocol';

const SB = '055b221e44a28ce8d9120f771d5e1ef201f2457ce49c58999a0147104cca2708';
const CT = 'c0ffee'.padEnd(64, '1');
const REF = { kind: 'local', name: 'node-1' } as const;

function finding(id: string, severity: Finding['severity'], extra: Partial<Finding> = {}): Finding {
  return { id, category: 'cni-cache-orphaned', rule: 'r', severity, title: id, detail: `about ${id}`, ...extra };
}

function inventoryWith(findings: Finding[]): Inventory {
  return {
    node: 'node-1', access: 'local', generatedAt: '2026-11-23T09:00:00.000Z', cniCacheDir: '/var/lib/cni',
    runtime: { endpoint: 'unix:///run/containerd/containerd.sock', runtimeName: 'containerd', runtimeVersion: '1.6.20', runtimeApiVersion: 'v1', conditions: [] },
    sandboxes: [], containers: [], cniCache: [], cniNetworks: [], findings,
    listStrategy: { sandboxes: 'single-list', containers: 'single-list', complete: true, notes: [] },
    listSizes: [],
    counts: { sandboxes: 0, readySandboxes: 0, notReadySandboxes: 0, containers: 0, runningContainers: 0, exitedContainers: 0, cacheFiles: 0, unreadableCacheFiles: 0, perPod: [] },
    timingsMs: {},
  };
}

const time = (ms: number): string => `t${ms}`;

describe('node report model', () => {
  it('puts errors first, then warnings, then information, keeping the inventory order within each severity', () => {
    const model = reportModelFromInventory(inventoryWith([
      finding('info-1', 'info'), finding('warn-1', 'warning'), finding('info-2', 'info'), finding('warn-2', 'warning'), finding('error-1', 'error'),
    ]));
    assert.deepEqual(model.findings.map((f) => f.id), ['error-1', 'warn-1', 'warn-2', 'info-1', 'info-2']);
  });

  it('names the object short and keeps its full sandbox or container ID for the tooltip and Copy ID', () => {
    const model = reportModelFromInventory(inventoryWith([
      finding(`orphan:${CT}`, 'warning', { containerId: CT, sandboxId: SB }),
      finding(`stuck:${SB}`, 'error', { sandboxId: SB }),
      finding('pile-up:pod', 'warning', { pod: 'prod/web' }),
      finding('bad-id:x', 'warning', { sandboxId: 'not-a-full-id' }),
    ]));
    const byId = new Map(model.findings.map((f) => [f.id, f]));
    assert.equal(byId.get(`orphan:${CT}`)?.object, `container ${CT.slice(0, 12)}`);
    assert.equal(byId.get(`orphan:${CT}`)?.objectId, CT, 'a container finding copies the container ID');
    assert.equal(byId.get(`stuck:${SB}`)?.objectId, SB);
    assert.equal(byId.get('pile-up:pod')?.objectId, undefined, 'no ID to copy for a pod');
    assert.equal(byId.get('bad-id:x')?.objectId, undefined, 'only a full 64-hex ID is offered as one');
  });

  it('carries when the inventory was read: the store\'s readAt, else the inventory\'s own time', () => {
    assert.equal(reportModelFromInventory(inventoryWith([])).readAt, Date.parse('2026-11-23T09:00:00.000Z'));
    assert.equal(reportModelFromInventory(inventoryWith([]), new Map(), 1234).readAt, 1234);
    assert.equal(reportModelFromInventory(inventoryWith([]), new Map(), 1234, 'changed').stale, 'changed');
  });
});

describe('short IDs in report text', () => {
  it('shows every 64-hex ID as its 12-character short form and keeps the full ID beside it', () => {
    const text = `/var/lib/cni/results/cbr0-${SB}-eth0: the runtime has no sandbox ${SB}.`;
    const segments = idSegments(text);
    assert.deepEqual(segments.filter((s) => s.fullId).map((s) => [s.text, s.fullId]), [[SB.slice(0, 12), SB], [SB.slice(0, 12), SB]]);
    assert.equal(segments.map((s) => s.fullId ?? s.text).join(''), text, 'nothing is lost');
    assert.equal(shortenIds(text), `/var/lib/cni/results/cbr0-${SB.slice(0, 12)}-eth0: the runtime has no sandbox ${SB.slice(0, 12)}.`);
  });

  it('leaves shorter hex, longer hex runs and text without IDs alone', () => {
    assert.deepEqual(idSegments('sandbox 055b221e44a2'), [{ text: 'sandbox 055b221e44a2' }]);
    const sha512ish = 'a'.repeat(128);
    assert.deepEqual(idSegments(sha512ish), [{ text: sha512ish }]);
    assert.deepEqual(idSegments(''), [{ text: '' }]);
  });
});

describe('stale report notice', () => {
  const entry = (readAt: number, staleReason?: string): StoredInventory => ({ ref: REF, inventory: inventoryWith([]), readAt, ...(staleReason ? { staleReason } : {}) });

  it('says nothing while the store still holds the read the report was made from', () => {
    assert.equal(staleNotice(100, entry(100), time), undefined);
  });

  it('says a repair changed the node when the store marked that read stale', () => {
    const text = staleNotice(100, entry(100, 'a repair ran on the node after this inventory was read'), time);
    assert.equal(text, 'Out of date: a repair ran on the node after this inventory was read (read at t100). Refresh reads the node again.');
  });

  it('says the node was read again when the store holds a newer read (the tree\'s Inspect)', () => {
    assert.equal(staleNotice(100, entry(200), time), 'The node was read again at t200, after this report (read at t100). Refresh shows the current state.');
    assert.match(staleNotice(100, entry(200, 'a backup was restored on the node after this inventory was read'), time) ?? '', /read again at t200.* and since then a backup was restored on the node\./);
  });

  it('says the inventory is gone when the store dropped it', () => {
    assert.match(staleNotice(100, undefined, time) ?? '', /dropped.*Refresh reads the node again/);
  });

  it('follows the store: set, then markStale after a repair, then a newer read', () => {
    let now = 1000;
    const store = new InventoryStore(() => now);
    const seen: (string | undefined)[] = [];
    const shown = store.set(REF, inventoryWith([]));
    store.onDidChange((change) => seen.push(staleNotice(shown.readAt, change.kind === 'delete' ? undefined : change.entry, time)));
    store.markStale(REF, 'a repair ran on the node after this inventory was read');
    now = 2000;
    store.set(REF, inventoryWith([]));
    store.delete(REF);
    assert.deepEqual(seen.map((t) => t?.split(/[(.]/)[0].trim()), ['Out of date: a repair ran on the node after this inventory was read', 'The node was read again at t2000, after this report', 'This node\'s inventory was dropped after this report was made']);
  });
});

describe('report export file name', () => {
  it('is node-doctor-<node>-<yyyymmdd-hhmm>.md in local time', () => {
    const at = new Date(2026, 10, 23, 9, 5, 59).getTime();
    assert.equal(exportFileName('worker-3', at), 'node-doctor-worker-3-20261123-0905.md');
  });

  it('never turns a node name into a path', () => {
    const at = new Date(2026, 0, 2, 3, 4).getTime();
    assert.equal(exportFileName('../../etc/passwd', at), 'node-doctor-__.._etc_passwd-20260102-0304.md');
    assert.equal(exportFileName('Local node', at), 'node-doctor-Local_node-20260102-0304.md');
    assert.equal(exportFileName('', at), 'node-doctor-node-20260102-0304.md');
  });
});

describe('report messages from the webview', () => {
  it('accepts Copy ID for a finding and drops it without one', () => {
    assert.equal(isWebviewMessage({ type: 'copyId', findingId: `stuck:${SB}` }), true);
    assert.equal(isWebviewMessage({ type: 'copyId' }), false);
    assert.equal(isWebviewMessage({ type: 'copyId', findingId: '' }), false);
  });
});
