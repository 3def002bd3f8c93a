import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { openBridgeNodeAccess } from './support/openBridge';
import { createCriClient } from '../../src/core/cri/criClient';
import { inspectNode } from '../../src/core/inventory/inspect';
import type { Inventory } from '../../src/core/inventory/types';
import { LocalNodeAccess } from '../../src/core/node/localNodeAccess';
import { MemoryAuditSink } from '../../src/core/repair/audit';
import { RepairExecutor } from '../../src/core/repair/executor';
import { planRepairs } from '../../src/core/repair/planner';
import { labPaths, startLabStandIn } from '../standin/labStandIn';
import type { LabPaths, LabStandIn } from '../standin/labStandIn';
import { runSandbox, sandboxCacheFiles } from './support/lab';

const NAMESPACE = 'knd-bridge';

/** What both inventories must agree on, restricted to this test's pod namespace (other suites share the runtime). */
function essence(inventory: Inventory): unknown {
  const ours = new Set(inventory.sandboxes.filter((s) => s.namespace === NAMESPACE).map((s) => s.id));
  return {
    runtime: inventory.runtime,
    sandboxes: inventory.sandboxes.filter((s) => ours.has(s.id)).map((s) => [s.id, s.state]).sort(),
    cache: inventory.cniCache.filter((e) => [...ours].some((id) => e.name.includes(id))).map((e) => [e.name, e.size, e.state]).sort(),
    findings: inventory.findings.filter((f) => f.sandboxId !== undefined && ours.has(f.sandboxId)).map((f) => f.id).sort(),
  };
}

describe('full node inventory through the bridge', function () {
  this.timeout(120_000);
  let lab: LabPaths;
  let env: LabStandIn;
  let emptied: { file: string; content: Buffer } | undefined;
  let sandboxId: string | undefined;

  before(async function () {
    const paths = labPaths();
    if (!paths) this.skip();
    lab = paths;
    env = await startLabStandIn(lab);
  });
  after(async () => {
    if (emptied) fs.writeFileSync(emptied.file, emptied.content); // so the runtime can tear the sandbox down
    if (sandboxId) {
      const cri = createCriClient(`unix://${lab.socket}`);
      await cri.stopPodSandbox(sandboxId);
      await cri.removePodSandbox(sandboxId);
      cri.close();
    }
    await env?.close();
  });

  it('finds the same sandboxes, cache files and findings as local access, then repairs the seed empty cache file through the bridge', async () => {
    const id = await runSandbox({ name: 'bridge-seed', namespace: NAMESPACE });
    sandboxId = id;
    const file = sandboxCacheFiles(id).find((f) => f.endsWith('-eth0'));
    assert.ok(file, 'the sandbox has an eth0 cache file');
    emptied = { file, content: fs.readFileSync(file) };
    fs.truncateSync(file, 0);

    const local = createCriClient(`unix://${lab.socket}`);
    // The seed failure: with its cache file empty, the sandbox cannot be stopped and stays NotReady.
    await assert.rejects(local.stopPodSandbox(id), /failed to destroy network for sandbox/);
    const direct = await inspectNode(new LocalNodeAccess(), local, { cniCacheDir: lab.cniCacheDir, cniConfDir: lab.cniConfDir, node: 'lab-node' });
    local.close();

    const { access } = await openBridgeNodeAccess({ explicitPath: env.kubeconfig, context: 'lab', node: env.node, pollIntervalMs: 50 });
    try {
      const lease = await access.openCriEndpoint('unix:///run/containerd/containerd.sock');
      const remote = createCriClient(lease.address);
      try {
        const bridged = await inspectNode(access, remote, { cniCacheDir: '/var/lib/cni', cniConfDir: '/etc/cni/net.d', node: 'lab-node' });
        assert.deepEqual(essence(bridged), essence(direct));
        // Discovery through the bridge: the runtime's directories and the pod logs, read through the pod's mounts.
        const sources = Object.fromEntries((bridged.discovery?.sources ?? []).map((s) => [s.source, s.status]));
        // The lab keeps containerd's state apart from its socket's directory, which is what the bridge mounts for
        // `/run/containerd`: the state source is absent there, and the root alone proves the IDs.
        assert.deepEqual([sources['containerd-root'], sources['containerd-state'], sources['pod-logs']], ['read', 'absent', 'read']);
        assert.ok((bridged.discovery?.sources.find((s) => s.source === 'pod-logs')?.pods ?? 0) >= 1);
        assert.equal(bridged.discovery?.runtimeIdsKnown, true);
        assert.equal(bridged.listStrategy.complete, true);
        const finding = bridged.findings.find((f) => f.sandboxId === id && f.category === 'cni-cache-corrupt');
        assert.ok(finding, 'the empty cache file is a finding');

        const plan = planRepairs(bridged, [finding.id], { quarantineDir: '/var/lib/kube-node-doctor/quarantine' });
        const audit = new MemoryAuditSink();
        const report = await new RepairExecutor({ access, cri: remote, audit, actor: 'bridge-test' }).execute(plan);
        assert.ok(report.ok, JSON.stringify(report.results));
        emptied = undefined;
        sandboxId = undefined;
        assert.equal(fs.existsSync(file), false, 'the cache file is gone from the real cache dir');
        assert.deepEqual(plan.steps.map((st) => st.action.kind), ['remove-cache-file', 'remove-sandbox']);
        assert.ok(!(await remote.listPodSandbox()).some((s) => s.id === id), 'the sandbox is gone from the real containerd');
        const backup = report.results.map((r) => r.backup).find((b) => b !== undefined);
        assert.equal(backup?.size, 0);
        assert.equal((await access.stat(backup?.quarantinePath ?? '/nonexistent'))?.size, 0, 'the backup is kept on the node');
        assert.equal(audit.entries.length, 2 * plan.steps.length, 'intent and outcome of each step');
      } finally {
        remote.close();
        await lease.close();
      }
    } finally {
      await access.dispose();
    }
    assert.equal(env.standIn.podsIn('kube-system').length, 0);
  });
});
