import * as assert from 'node:assert/strict';
import type { Inventory } from '../../../src/core/inventory/types';
import { reportModelFromInventory } from '../../../src/core/report/fromInventory';
import { planRepairs } from '../../../src/core/repair/planner';

const SB = 'd'.repeat(64);
const PATH = `/var/lib/cni/results/cbr0-${SB}-eth0`;

const inventory: Inventory = {
  node: 'node-1', access: 'local', generatedAt: '2026-11-23T09:00:00.000Z', cniCacheDir: '/var/lib/cni',
  runtime: { endpoint: 'unix:///run/containerd/containerd.sock', runtimeName: 'containerd', runtimeVersion: '1.6.20', runtimeApiVersion: 'v1', conditions: [] },
  sandboxes: [{ id: SB, state: 'SANDBOX_NOTREADY', name: 'web', namespace: 'prod', uid: 'u', attempt: 0, createdAtMs: 1, runtimeHandler: '', ips: [] }],
  containers: [],
  cniCache: [{ path: PATH, name: `cbr0-${SB}-eth0`, network: 'cbr0', sandboxId: SB, ifName: 'eth0', size: 0, mtimeMs: 0, sha256: 'e'.repeat(64), state: 'empty', jsonValid: false, ips: [], readOnTeardown: 'yes', readReason: 'r' }],
  cniNetworks: [{ name: 'cbr0', cniVersion: '1.0.0', source: '/etc/cni/net.d/10-cbr0.conflist', plugins: ['bridge', 'portmap'] }],
  findings: [{ id: `cni-cache-corrupt:cbr0-${SB}-eth0`, category: 'cni-cache-corrupt', rule: 'cni-cache-empty', severity: 'error', title: 'empty', detail: 'breaks teardown', repair: 'remove-cache-file-and-sandbox', sandboxId: SB, path: PATH }],
  listStrategy: { sandboxes: 'single-list', containers: 'single-list', complete: true, notes: [] },
  listSizes: [{ method: 'ListPodSandbox', items: 1, bytes: 400, limits: [] }],
  counts: { sandboxes: 1, readySandboxes: 0, notReadySandboxes: 1, containers: 0, runningContainers: 0, exitedContainers: 0, cacheFiles: 1, unreadableCacheFiles: 1, perPod: [] },
  timingsMs: {},
};

describe('report model from a node inventory', () => {
  it('carries each finding with its object and the plan\'s steps as manual commands', () => {
    const plan = planRepairs(inventory, [inventory.findings[0].id], { nowMs: Date.parse('2026-01-02T03:04:05.678Z') });
    const model = reportModelFromInventory(inventory, new Map([[inventory.findings[0].id, plan]]));
    assert.equal(model.node, 'node-1');
    assert.equal(model.listStrategy, 'single-list');
    assert.equal(model.versions['CNI network cbr0'], '1.0.0');
    const [finding] = model.findings;
    assert.equal(finding.object, PATH);
    assert.equal(finding.explanation, 'breaks teardown');
    assert.deepEqual(finding.steps.map((s) => s.manualCommand), plan.steps.map((s) => s.manualCommand), 'the card shows the plan its buttons use');
    assert.match(finding.steps[0].manualCommand, /^mkdir -p -m 700 -- \/var\/lib\/kube-node-doctor\/quarantine\n/);
    assert.ok(finding.steps[0].manualCommand.endsWith(`mv -n -- ${PATH} /var/lib/kube-node-doctor/quarantine/2026-01-02T03-04-05-678Z-cbr0-${SB}-eth0`));
    assert.equal(finding.steps[1].manualCommand, `crictl --runtime-endpoint unix:///run/containerd/containerd.sock stopp ${SB} && crictl --runtime-endpoint unix:///run/containerd/containerd.sock rmp ${SB}`);
    assert.deepEqual(model.counts.map((c) => [c.label, c.value, c.detail]), [['Pod sandboxes', 1, '1 NotReady'], ['Containers', 0, '0 exited'], ['CNI cache files', 1, '1 unreadable']]);
  });

  it('shows findings without steps when no plan is given', () => {
    assert.deepEqual(reportModelFromInventory(inventory).findings[0].steps, []);
  });
});
