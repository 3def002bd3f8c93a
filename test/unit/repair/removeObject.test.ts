import * as assert from 'node:assert/strict';
import type { CacheEntry, ContainerItem, Finding, Inventory, SandboxItem } from '../../../src/core/inventory/types';
import { planSelection } from '../../../src/core/repair/selection';
import { removalFindingId } from '../../../src/core/repair/removeObject';

const id = (n: number): string => n.toString(16).padStart(64, 'c');
const NOW = 1_800_000_000_000;

function sandbox(n: number, state: SandboxItem['state']): SandboxItem {
  return { id: id(n), state, name: `web-${n}`, namespace: 'prod', uid: `u${n}`, attempt: 0, createdAtMs: NOW - 3_600_000, runtimeHandler: '', ips: [] };
}

function container(n: number, sandboxId: string, state: ContainerItem['state']): ContainerItem {
  return { id: id(100 + n), name: `app-${n}`, state, sandboxId, attempt: 0, image: 'img', createdAtMs: NOW - 3_600_000, finishedAtMs: NOW - 1_800_000 };
}

function inventory(sandboxes: SandboxItem[], containers: ContainerItem[], cache: CacheEntry[] = [], findings: Finding[] = []): Inventory {
  return {
    node: 'n1', access: 'local', generatedAt: '2027-01-15T08:00:00.000Z', cniCacheDir: '/var/lib/cni',
    runtime: { endpoint: 'unix:///run/containerd/containerd.sock', runtimeName: 'containerd', runtimeVersion: '', runtimeApiVersion: '', conditions: [] },
    sandboxes, containers, cniCache: cache,
    cniNetworks: [{ name: 'cbr0', cniVersion: '1.0.0', source: '/etc/cni/net.d/10-cbr0.conflist', plugins: ['bridge'], hostLocalDir: '/var/lib/cni/networks/cbr0' }],
    findings, listStrategy: { sandboxes: 'single-list', containers: 'single-list', complete: true, notes: [] }, listSizes: [],
    counts: { sandboxes: 0, readySandboxes: 0, notReadySandboxes: 0, containers: 0, runningContainers: 0, exitedContainers: 0, cacheFiles: 0, unreadableCacheFiles: 0, perPod: [] },
    timingsMs: {},
  };
}

const plan = (inv: Inventory, object: Parameters<typeof removalFindingId>[0]): ReturnType<typeof planSelection> =>
  planSelection(undefined, inv, { kind: 'remove', object }, { nowMs: NOW, shims: new Map() });

describe('removing one sandbox or container', () => {
  it('plans one stop-and-remove step for a NotReady sandbox without findings, and notes the containers it takes along', async () => {
    const s = sandbox(1, 'SANDBOX_NOTREADY');
    const { plan: p, selection } = await plan(inventory([s], [container(1, s.id, 'CONTAINER_EXITED')]), { kind: 'sandbox', sandboxId: s.id });
    assert.equal(selection.subject, `sandbox ${s.id.slice(0, 12)} (prod/web-1)`);
    assert.ok(p);
    assert.deepEqual(p.steps.map((x) => [x.action.kind, x.object, x.repair]), [['remove-sandbox', `sandbox ${s.id}`, 'remove-object']]);
    assert.deepEqual(p.findingIds, [removalFindingId({ kind: 'sandbox', sandboxId: s.id })]);
    assert.equal(p.steps[0].precondition, 'the sandbox is not Ready (or already gone)');
    assert.ok(p.notes.some((n) => n.includes('also removes its 1 exited container')));
  });

  it('moves a NotReady sandbox\'s bad cache file out first, since its stop fails while the file is there', async () => {
    const s = sandbox(2, 'SANDBOX_NOTREADY');
    const name = `cbr0-${s.id}-eth0`;
    const entry: CacheEntry = { path: `/var/lib/cni/results/${name}`, name, network: 'cbr0', sandboxId: s.id, ifName: 'eth0', size: 0, mtimeMs: 0, sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', state: 'empty', jsonValid: false, ips: [], readOnTeardown: 'yes', readReason: '' };
    const finding: Finding = { id: `cni-cache-corrupt:${name}`, category: 'cni-cache-corrupt', rule: 'r', severity: 'error', title: 't', detail: 'd', repair: 'remove-cache-file-and-sandbox', sandboxId: s.id, path: entry.path };
    const { plan: p } = await plan(inventory([s], [], [entry], [finding]), { kind: 'sandbox', sandboxId: s.id });
    assert.deepEqual(p?.steps.map((x) => [x.action.kind, x.object]), [['remove-cache-file', entry.path], ['remove-sandbox', `sandbox ${s.id}`]]);
  });

  it('refuses a Ready sandbox, and a NotReady one whose container still runs, with the reason and no plan', async () => {
    const ready = sandbox(3, 'SANDBOX_READY');
    const r = await plan(inventory([ready], []), { kind: 'sandbox', sandboxId: ready.id });
    assert.equal(r.plan, undefined);
    assert.match(r.selection.nothing ?? '', /^Sandbox c{0,12}\w* \(prod\/web-3\) is Ready: its pod is running, so it is not removed\. Delete the pod/);
    const stopped = sandbox(4, 'SANDBOX_NOTREADY');
    const busy = await plan(inventory([stopped], [container(4, stopped.id, 'CONTAINER_RUNNING')]), { kind: 'sandbox', sandboxId: stopped.id });
    assert.equal(busy.plan, undefined);
    assert.match(busy.selection.nothing ?? '', /1 container of it still runs \(app-4\)/);
  });

  it('plans the removal of an exited container with the "still exited" re-check; refuses a running or created one', async () => {
    const s = sandbox(5, 'SANDBOX_READY');
    const exited = container(5, s.id, 'CONTAINER_EXITED');
    const { plan: p } = await plan(inventory([s], [exited]), { kind: 'container', containerId: exited.id });
    assert.deepEqual(p?.steps.map((x) => x.action), [{ kind: 'remove-container', containerId: exited.id, sandboxId: s.id, expect: 'exited' }]);
    assert.equal(p?.steps[0].precondition, 'the container is still exited');
    const running = container(6, s.id, 'CONTAINER_RUNNING');
    const r = await plan(inventory([s], [running]), { kind: 'container', containerId: running.id });
    assert.equal(r.plan, undefined);
    assert.match(r.selection.nothing ?? '', /^Container app-6 \(\w{12}\) is running, so it is not removed\./);
    const created = container(7, s.id, 'CONTAINER_CREATED');
    assert.match((await plan(inventory([s], [created]), { kind: 'container', containerId: created.id })).selection.nothing ?? '', /is created, not exited/);
  });

  it('says an object the last inspection does not list may be gone already', async () => {
    const r = await plan(inventory([], []), { kind: 'container', containerId: id(9) });
    assert.match(r.selection.nothing ?? '', /lists no container \w{12}: it may be gone already/);
  });

  it('removes a Docker container through the Docker steps', async () => {
    const s = sandbox(8, 'SANDBOX_NOTREADY');
    const exited = container(8, s.id, 'CONTAINER_EXITED');
    const inv = { ...inventory([s], [exited]), runtime: { endpoint: 'unix:///var/run/docker.sock', runtimeName: 'docker', runtimeVersion: '', runtimeApiVersion: '', conditions: [], backend: 'docker' as const } };
    const { plan: p } = await plan(inv, { kind: 'container', containerId: exited.id });
    assert.ok(p);
    assert.deepEqual(p.steps.map((x) => x.action.kind), ['docker-remove-container']);
  });
});
