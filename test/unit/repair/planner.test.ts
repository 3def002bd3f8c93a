import * as assert from 'node:assert/strict';
import type { CacheEntry, ContainerItem, Finding, Inventory, SandboxItem } from '../../../src/core/inventory/types';
import { NodeDoctorError } from '../../../src/core/errors';
import { planRepairs } from '../../../src/core/repair/planner';

const id = (n: number): string => n.toString(16).padStart(64, 'b');
const HOUR = 3_600_000;
const NOW = 1_800_000_000_000;

function sandbox(n: number, state: SandboxItem['state'], ageMs: number): SandboxItem {
  return { id: id(n), state, name: 'web', namespace: 'prod', uid: `u${n}`, attempt: 0, createdAtMs: NOW - ageMs, runtimeHandler: '', ips: [] };
}

function inventory(parts: { sandboxes?: SandboxItem[]; containers?: ContainerItem[]; cache?: CacheEntry[]; findings: Finding[] }): Inventory {
  return {
    node: 'n1', access: 'local', generatedAt: '', cniCacheDir: '/var/lib/cni', runtime: { endpoint: '', runtimeName: '', runtimeVersion: '', runtimeApiVersion: '', conditions: [] },
    sandboxes: parts.sandboxes ?? [], containers: parts.containers ?? [], cniCache: parts.cache ?? [],
    cniNetworks: [{ name: 'cbr0', cniVersion: '1.0.0', source: '/etc/cni/net.d/10-cbr0.conflist', plugins: ['bridge'], hostLocalDir: '/var/lib/cni/networks/cbr0' }],
    findings: parts.findings, listStrategy: { sandboxes: 'single-list', containers: 'single-list', complete: true, notes: [] }, listSizes: [],
    counts: { sandboxes: 0, readySandboxes: 0, notReadySandboxes: 0, containers: 0, runningContainers: 0, exitedContainers: 0, cacheFiles: 0, unreadableCacheFiles: 0, perPod: [] },
    timingsMs: {},
  };
}

function corrupt(sandboxId: string): { entry: CacheEntry; finding: Finding } {
  const name = `cbr0-${sandboxId}-eth0`;
  const path = `/var/lib/cni/results/${name}`;
  return {
    entry: { path, name, network: 'cbr0', sandboxId, ifName: 'eth0', size: 0, mtimeMs: 0, sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', state: 'empty', jsonValid: false, ips: [], readOnTeardown: 'yes', readReason: '' },
    finding: { id: `cni-cache-corrupt:${name}`, category: 'cni-cache-corrupt', rule: 'cni-cache-empty', severity: 'error', title: 't', detail: 'd', repair: 'remove-cache-file-and-sandbox', sandboxId, path },
  };
}

describe('repair planner', () => {
  it('plans the file removal before the stop and removal of the NotReady sandbox, with manual commands', () => {
    const s = sandbox(1, 'SANDBOX_NOTREADY', HOUR);
    const { entry, finding } = corrupt(s.id);
    const plan = planRepairs(inventory({ sandboxes: [s], cache: [entry], findings: [finding] }), [finding.id], { nowMs: NOW });
    assert.deepEqual(plan.steps.map((x) => [x.id, x.risk, x.object]), [['01-remove-cache-file', 'low', entry.path], ['02-remove-sandbox', 'medium', `sandbox ${s.id}`]]);
    assert.equal(plan.steps[1].manualCommand, `crictl --runtime-endpoint unix:///run/containerd/containerd.sock stopp ${s.id} && crictl --runtime-endpoint unix:///run/containerd/containerd.sock rmp ${s.id}`);
    assert.deepEqual(plan.steps[1].action, { kind: 'remove-sandbox', sandboxId: s.id, hostLocalDirs: ['/var/lib/cni/networks/cbr0'] });
  });

  it('removes only the bad file of a Ready sandbox and leaves the sandbox running', () => {
    const s = sandbox(1, 'SANDBOX_READY', HOUR);
    const { entry, finding } = corrupt(s.id);
    const plan = planRepairs(inventory({ sandboxes: [s], cache: [entry], findings: [finding] }), 'all', { nowMs: NOW });
    assert.deepEqual(plan.steps.map((x) => x.action.kind), ['remove-cache-file']);
    assert.ok(plan.notes.some((n) => n.includes('is Ready')));
  });

  it('refuses an unknown finding ID with a hint', () => {
    assert.throws(() => planRepairs(inventory({ findings: [] }), ['cni-cache-corrupt:nope']), (e: unknown) => (e as { reason?: string }).reason === 'not-found');
  });

  it('prunes NotReady sandboxes and exited containers beyond the newest N per pod, older than the minimum age, and prints the kubelet GC flags', () => {
    const sandboxes = [sandbox(1, 'SANDBOX_NOTREADY', 5 * HOUR), sandbox(2, 'SANDBOX_NOTREADY', 4 * HOUR), sandbox(3, 'SANDBOX_NOTREADY', 10 * 60_000), sandbox(4, 'SANDBOX_READY', 60_000)];
    const containers: ContainerItem[] = [5, 4, 3, 0.1].map((hours, i) => ({
      id: id(100 + i), name: 'app', state: 'CONTAINER_EXITED', sandboxId: id(4), attempt: i, image: 'img', createdAtMs: NOW - hours * HOUR, finishedAtMs: NOW - hours * HOUR,
    }));
    const finding: Finding = { id: 'dead-objects-piling-up:prod/web', category: 'dead-objects-piling-up', rule: 'dead-objects-per-pod', severity: 'warning', title: 't', detail: 'd', repair: 'prune-dead-objects', pod: 'prod/web' };
    const plan = planRepairs(inventory({ sandboxes, containers, findings: [finding] }), 'all', { nowMs: NOW, keep: 1, minAgeMs: HOUR });
    // The Ready sandbox is the one kept; sandbox 3 is younger than an hour; the newest exited container is kept.
    assert.deepEqual(plan.steps.map((x) => x.object).sort(), [`container ${id(100)}`, `container ${id(101)}`, `container ${id(102)}`, `sandbox ${id(1)}`, `sandbox ${id(2)}`].sort());
    assert.ok(plan.notes.some((n) => n.includes('--maximum-dead-containers-per-container=1') && n.includes('--minimum-container-ttl-duration')));
  });

  it('finishes a half-done seed repair on re-run: the file is gone, the NotReady sandbox is still there', () => {
    const s = sandbox(1, 'SANDBOX_NOTREADY', HOUR);
    const { finding } = corrupt(s.id);
    const plan = planRepairs(inventory({ sandboxes: [s], findings: [] }), [finding.id], { nowMs: NOW });
    assert.deepEqual(plan.steps.map((x) => [x.action.kind, x.findingId]), [['remove-sandbox', finding.id]]);
    assert.throws(() => planRepairs(inventory({ sandboxes: [s], findings: [] }), ['cni-cache-orphaned:gone'], { nowMs: NOW }), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'not-found', 'an unknown ID is an error, as in a dry run');
  });
});
