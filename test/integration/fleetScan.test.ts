import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { NodeDoctorError } from '../../src/core/errors';
import { clusterHealth, nodeServiceLog, scanCluster } from '../../src/core/fleet/clusterScan';
import { MemoryAuditSink } from '../../src/core/repair/audit';
import { NodeDoctor } from '../../src/core/session/nodeDoctor';
import { labPaths, startLabStandIn } from '../standin/labStandIn';
import type { LabStandIn } from '../standin/labStandIn';
import { npdCondition } from '../standin/nodeFleet';
import { cacheFilePath, cleanupAll, labCri, runSandbox } from './support/lab';

const AT = '2026-12-01T08:00:00Z';
const NODES = 300;

/** Every stand-in node is the lab's containerd (labStandIn maps the bridge pods' mounts onto it). */
describe('fleet: cluster view, Scan Cluster and node logs against the stand-in mapped onto the real runtime', function () {
  this.timeout(300_000);
  let env: LabStandIn;
  let doctor: NodeDoctor;
  let seeded: string;

  before(async function () {
    const lab = labPaths();
    if (!lab) this.skip();
    await cleanupAll();
    // The seed failure, once on the runtime every node maps to: an empty CNI result cache file of a stopped sandbox.
    seeded = await runSandbox({ name: 'fleet-seed', namespace: 'knd-fleet' });
    fs.truncateSync(cacheFilePath('cbr0', seeded, 'eth0'), 0);
    const cri = labCri();
    await cri.stopPodSandbox(seeded).catch(() => undefined);
    cri.close();
    env = await startLabStandIn(lab, {
      nodeCount: NODES, startDelayMs: 20,
      nodeLabels: (_name, i) => ({ pool: i % 5 === 0 ? 'scan' : 'other' }),
      nodeReady: (_name, i) => (i % 50 === 1 ? 'False' : 'True'),
      nodeConditions: (name, i) => i % 10 === 9 ? [] : [
        npdCondition('CNICacheCorrupt', i % 25 === 0 ? 'True' : 'False', 'CNICacheCorrupt', i % 25 === 0 ? `1 empty CNI cache file blocks teardown on ${name}` : 'no blocking cache file', AT),
        npdCondition('SandboxBacklog', 'False', 'NoSandboxBacklog', 'ok', AT),
        npdCondition('OrphanContainers', 'False', 'NoOrphanContainers', 'ok', AT),
        npdCondition('StuckSandbox', i === 2 ? 'Unknown' : 'False', 'StuckSandbox', 'runtime did not answer within 5s', AT),
      ],
    });
    env.standIn.nodeLogs.set('lab-node', { mode: 'served', logs: { kubelet: 'Dec 01 10:00:01 lab-node kubelet[812]: E1201 10:00:01.000000 812 log.go:32] "StopPodSandbox from runtime service failed"\n' } });
    doctor = new NodeDoctor({
      settings: () => ({ localNode: 'off', local: {}, kubeconfig: env.kubeconfig, bridge: { startTimeoutMs: 20_000 } }),
      audit: new MemoryAuditSink(), actor: 'test', client: 'test', log: () => undefined,
    });
  });
  after(async () => {
    await doctor?.dispose();
    await env?.close();
    if (labPaths()) await cleanupAll();
  });

  it('reads every node\'s Node Doctor conditions from one paginated list, without a bridge pod', async () => {
    const before = env.standIn.stats.nodePages;
    const health = await clusterHealth(doctor, 'lab');
    assert.equal(health.nodes.length, NODES + 1);
    assert.equal(env.standIn.stats.nodePages - before, 1, '301 nodes in one page of 500');
    assert.equal(env.standIn.created.length, 0, 'no bridge pod');
    assert.equal(health.summary.withFindings, 13, 'i % 25 === 0 of 301 (lab-node is index 300)');
    assert.equal(health.summary.unknown, 1);
    assert.equal(health.summary.withoutPlugin, 30, 'nodes 9, 19, … 299 have no NPD conditions');
    assert.equal(health.nodes.find((n) => n.node === 'node-0025')?.problems[0].message, '1 empty CNI cache file blocks teardown on node-0025');
  });

  it('scans a label selector\'s nodes at concurrency 8: per-node errors kept, a pod held before the scan reused, every pod deleted', async () => {
    env.standIn.failingNodes.add('node-0010').add('node-0055');
    // An inspection before the scan leaves its bridge pod for reuse.
    await doctor.inspect({ kind: 'bridge', context: 'lab', node: 'node-0005' });
    assert.equal(env.standIn.pods.size, 1);
    const progress: number[] = [];
    let selected: readonly string[] = [];
    const { outcome, model } = await scanCluster(doctor, 'lab', { kind: 'labelSelector', selector: 'pool=scan' }, {
      concurrency: 8, onSelected: (nodes) => { selected = nodes; }, onProgress: (p) => progress.push(p.done),
    });
    assert.equal(selected.length, 61, 'every fifth of 301');
    assert.equal(progress.length, 61);
    const failed = outcome.results.filter((r) => r.status === 'failed');
    assert.deepEqual(failed.map((r) => r.node), ['node-0010', 'node-0055']);
    assert.match(failed[0].status === 'failed' ? failed[0].error : '', /node-0010/);
    const inspected = outcome.results.filter((r) => r.status === 'inspected');
    assert.equal(inspected.length, 59);
    for (const r of inspected) {
      assert.ok(r.status === 'inspected' && r.findings.some((f) => f.id === `cni-cache-corrupt:cbr0-${seeded}-eth0`), `${r.node} reports the seeded cache file`);
    }
    assert.deepEqual(outcome.podsLeft, { count: 0, pods: [] });
    assert.equal(env.standIn.pods.size, 0, 'no bridge pod left on the API');
    const podsPerNode = new Map<string, number>();
    for (const pod of env.standIn.created) {
      const node = String((pod.spec as { nodeName?: string }).nodeName);
      podsPerNode.set(node, (podsPerNode.get(node) ?? 0) + 1);
    }
    assert.equal(podsPerNode.get('node-0005'), 1, 'the pod held before the scan was reused, not recreated');
    assert.equal(model.rows.length, 61);
    assert.equal(model.rows.find((r) => r.node === 'node-0010')?.status, 'failed');
    assert.ok(model.categories.includes('cni-cache-corrupt'));
    assert.ok(doctor.inventory({ kind: 'bridge', context: 'lab', node: 'node-0015' }), 'the scan fills the inventory store (node reports open from it)');
  });

  it('scans only NotReady nodes', async () => {
    env.standIn.failingNodes.clear();
    const { outcome } = await scanCluster(doctor, 'lab', { kind: 'notReady' }, { concurrency: 8 });
    assert.deepEqual(outcome.results.map((r) => r.node), Array.from({ length: 6 }, (_, k) => `node-${String(k * 50 + 1).padStart(4, '0')}`));
    assert.equal(outcome.podsLeft.count, 0);
    assert.equal(env.standIn.pods.size, 0);
  });

  it('stops on cancel, marks the rest not scanned, and still deletes every pod', async () => {
    const controller = new AbortController();
    const { outcome } = await scanCluster(doctor, 'lab', { kind: 'all' }, {
      concurrency: 8, signal: controller.signal, onProgress: (p) => { if (p.done === 12) controller.abort(); },
    });
    assert.equal(outcome.cancelled, true);
    const cancelled = outcome.results.filter((r) => r.status === 'cancelled').length;
    assert.ok(cancelled >= NODES + 1 - 12 - 8 && cancelled <= NODES + 1 - 12, String(cancelled));
    assert.equal(outcome.podsLeft.count, 0);
    assert.equal(env.standIn.pods.size, 0);
  });

  it('names the pods it could not delete, with the count', async () => {
    await doctor.inspect({ kind: 'bridge', context: 'lab', node: 'node-0003' });
    env.standIn.failDeletes = true;
    try {
      const left = await doctor.releaseBridges('lab');
      assert.equal(left.count, 1);
      assert.equal(left.pods[0].node, 'node-0003');
      assert.match(left.pods[0].error ?? '', /500/);
      assert.match(left.detail ?? '', /kubectl .*delete pod/);
    } finally {
      env.standIn.failDeletes = false;
      for (const pod of env.standIn.podsIn('kube-system')) env.standIn.deleteFromOutside('kube-system', (pod.metadata as { name: string }).name);
    }
  });

  it('reads a node\'s kubelet log through the node log query, and explains a node that does not serve it', async () => {
    const log = await nodeServiceLog(doctor, 'lab', 'lab-node', 'kubelet');
    assert.match(log.text, /StopPodSandbox from runtime service failed/);
    await assert.rejects(nodeServiceLog(doctor, 'lab', 'node-0001', 'containerd'), (e: unknown) => e instanceof NodeDoctorError && /enableSystemLogQuery/.test(e.hint ?? ''));
  });
});
