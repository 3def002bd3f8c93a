// Docker nodes on a real Docker daemon (test/harness/docker/up.sh: Debian's docker.io as a private daemon), with pods
// made as dockershim makes them (support/dockerLab.ts). Seed 004: a container whose podsandbox container and checkpoint
// are gone stops kubelet < 1.24 with `no PodsandBox found with Id '<id>'`.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { DockerEngine } from '../../src/core/docker/dockerEngine';
import type { Finding, Inventory } from '../../src/core/inventory/types';
import { MemoryAuditSink } from '../../src/core/repair/audit';
import { RepairExecutor } from '../../src/core/repair/executor';
import { planRepairs } from '../../src/core/repair/planner';
import { connectRuntime, inspectTarget, openLocalTarget, runtimeStepsFor } from '../../src/core/session/nodeTarget';
import { ApiStandIn } from '../standin/apiStandIn';
import { DockerNode, dockerLabEnv } from './support/dockerLab';
import type { DockerPod } from './support/dockerLab';
import { CLI, runCli } from './support/cliRun';


const cli = runCli;

/** A unix socket file nobody listens on: kubelet's dockershim.sock while kubelet is down. */
function staleSocket(file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(file, () => {
      // Node unlinks the file on close(): keep a hard link, close, and move the link back.
      fs.linkSync(file, `${file}.keep`);
      server.close(() => {
        fs.renameSync(`${file}.keep`, file);
        resolve();
      });
    });
  });
}

async function inspectLocal(node: DockerNode, runtimeEndpoint = 'unix:///var/run/docker.sock'): Promise<{ inventory: Inventory; source: string }> {
  const target = await openLocalTarget({ hostRoot: node.hostRoot, runtimeEndpoint });
  const runtime = await connectRuntime(target);
  try {
    return { inventory: await inspectTarget(target, runtime), source: runtime.source };
  } finally {
    await runtime.close();
    await target.access.dispose();
  }
}

function byRule(inventory: Inventory, rule: string): Finding[] {
  return inventory.findings.filter((f) => f.rule === rule);
}

describe('Docker nodes (dockershim labels and checkpoints on a real dockerd)', function () {
  this.timeout(120_000);
  let node: DockerNode;
  let engine: DockerEngine;
  let healthy: DockerPod;
  let seed: DockerPod;
  let pauseless: DockerPod;

  before(async function () {
    const env = dockerLabEnv();
    if (!env) this.skip();
    node = new DockerNode(env);
    engine = new DockerEngine({ socketPath: env.socket });
    [healthy, seed, pauseless] = await Promise.all([
      node.startPod({ name: 'web-7664b4dd7-db8zt', containers: { nginx: ['sleep', '600'] } }),
      node.startPod({ name: 'nginx-one-77fbc7959f-xcmvw', namespace: 'accounting', containers: { nginx: ['sleep', '600'] } }),
      node.startPod({ name: 'api-5d9c7b8f6-q2w4e', containers: { api: ['sleep', '600'], init: ['exit', '0'] } }),
    ]);
    // The seed's own reproduction: `docker rm -f <pause>` and `rm /var/lib/dockershim/sandbox/<id>`, kubelet stopped.
    await node.docker('rm', '-f', seed.sandboxId);
    fs.rmSync(node.host(seed.checkpoint));
    // The seed's first attempt: only the pause container goes; the checkpoint keeps the sandbox listed (NotReady).
    await node.docker('rm', '-f', pauseless.sandboxId);
    await node.waitExited(pauseless.containerIds.init);
  });

  after(async () => {
    engine?.close();
    await node?.close();
  });

  it('flags the seed-004 orphan with its container and sandbox IDs, and nothing of the healthy pod', async () => {
    const { inventory, source } = await inspectLocal(node);
    assert.equal(inventory.runtime.backend, 'docker');
    assert.match(source, /Docker Engine API 1\.\d+ at unix:\/\/\/var\/run\/docker\.sock/);
    assert.equal(inventory.listStrategy.complete, true);
    const orphans = byRule(inventory, 'dockershim-orphan-container');
    assert.deepEqual(orphans.map((f) => [f.containerId, f.sandboxId]), [[seed.containerIds.nginx, seed.sandboxId]]);
    assert.equal(orphans[0].id, `runtime-object-missing:${seed.containerIds.nginx}`);
    assert.equal(orphans[0].repair, 'remove-orphan-containers');
    assert.ok(orphans[0].detail.includes(`no PodsandBox found with Id '${seed.sandboxId}'`), orphans[0].detail);
    const healthyIds = new Set([healthy.sandboxId, ...Object.values(healthy.containerIds)]);
    assert.deepEqual(inventory.findings.filter((f) => healthyIds.has(f.containerId ?? '') || healthyIds.has(f.sandboxId ?? '')), []);
    const sandbox = inventory.sandboxes.find((s) => s.id === healthy.sandboxId);
    assert.deepEqual(sandbox && [sandbox.state, sandbox.namespace, sandbox.name, sandbox.uid], ['SANDBOX_READY', 'default', healthy.name, healthy.uid]);
    const container = inventory.containers.find((c) => c.id === healthy.containerIds.nginx);
    assert.deepEqual(container && [container.state, container.sandboxId, container.name], ['CONTAINER_RUNNING', healthy.sandboxId, 'nginx']);
  });

  it('lists a checkpoint-only sandbox as NotReady, keeps its containers out of the orphans, and reads exit codes', async () => {
    const { inventory } = await inspectLocal(node);
    const sandbox = inventory.sandboxes.find((s) => s.id === pauseless.sandboxId);
    assert.deepEqual(sandbox && [sandbox.state, sandbox.namespace, sandbox.name], ['SANDBOX_NOTREADY', 'default', pauseless.name]);
    assert.ok(!inventory.findings.some((f) => f.containerId === pauseless.containerIds.api), 'a sandbox listed from its checkpoint has no orphans');
    const kept = byRule(inventory, 'checkpoint-without-sandbox-container').find((f) => f.sandboxId === pauseless.sandboxId);
    assert.ok(kept && kept.repair === undefined, 'its checkpoint is referenced, so it is not offered for removal');
    const init = inventory.containers.find((c) => c.id === pauseless.containerIds.init);
    assert.deepEqual(init && [init.state, init.exitCode, init.sandboxId], ['CONTAINER_EXITED', 0, pauseless.sandboxId]);
    const checkpoint = inventory.docker?.checkpoints.find((c) => c.sandboxId === healthy.sandboxId);
    assert.deepEqual(checkpoint && [checkpoint.hasContainer, checkpoint.checksum, checkpoint.pod], [true, 'match', `default/${healthy.name}`]);
    const sizes = Object.fromEntries(inventory.listSizes.map((s) => [s.method, s.items]));
    assert.deepEqual(sizes, { ListPodSandbox: inventory.sandboxes.length, ListContainers: inventory.containers.length });
  });

  it('removes exactly the orphan and a stale checkpoint, with the inspect JSON in the audit (checked through the Docker API)', async () => {
    const staleId = 'ab'.repeat(32);
    const stalePath = `/var/lib/dockershim/sandbox/${staleId}`;
    fs.copyFileSync(node.host(healthy.checkpoint), node.host(stalePath));
    const before = await node.containers();
    const target = await openLocalTarget({ hostRoot: node.hostRoot, runtimeEndpoint: 'unix:///var/run/docker.sock' });
    const runtime = await connectRuntime(target);
    const audit = new MemoryAuditSink();
    try {
      const inventory = await inspectTarget(target, runtime);
      const stale = byRule(inventory, 'stale-sandbox-checkpoint').find((f) => f.sandboxId === staleId);
      assert.ok(stale, 'the checkpoint without any container is a finding');
      const quarantine = '/var/lib/kube-node-doctor/quarantine';
      const plan = planRepairs(inventory, [`runtime-object-missing:${seed.containerIds.nginx}`, stale.id], { quarantineDir: quarantine });
      assert.deepEqual(plan.steps.map((s) => s.action.kind), ['docker-remove-container', 'remove-checkpoint']);
      const d = 'docker -H unix:///var/run/docker.sock';
      assert.equal(plan.steps[0].manualCommand, `${d} inspect ${seed.containerIds.nginx} && ${d} stop -t 10 ${seed.containerIds.nginx} && ${d} rm ${seed.containerIds.nginx}`);
      assert.ok(plan.notes.some((n) => /cannot be put back/.test(n)));
      const report = await new RepairExecutor({
        access: target.access, cri: runtime.cri, audit, actor: 'test', runtimeSteps: runtimeStepsFor(target, runtime),
      }).execute(plan);
      assert.deepEqual(report.results.map((r) => r.outcome), ['done', 'done'], JSON.stringify(report.results));
      await assert.rejects(engine.inspectContainer(seed.containerIds.nginx), (e: Error & { status?: number }) => e.status === 404);
      const after = await node.containers();
      assert.deepEqual(before.filter((id) => !after.includes(id)), [seed.containerIds.nginx], 'only the orphan was removed');
      assert.ok(!fs.existsSync(node.host(stalePath)));
      // Write-ahead: the inspect JSON is in the intent record, appended before the container was stopped.
      const entry = audit.entries.find((e) => e.action === 'docker-remove-container' && e.phase === 'intent');
      const snapshot = JSON.parse(entry?.snapshots?.[0]?.inspectJson ?? '{}') as { Id?: string; Config?: { Labels?: Record<string, string> } };
      assert.equal(snapshot.Id, seed.containerIds.nginx);
      assert.equal(snapshot.Config?.Labels?.['io.kubernetes.sandbox.id'], seed.sandboxId);
      const backup = audit.entries.find((e) => e.action === 'remove-checkpoint' && e.phase === 'outcome')?.backup;
      assert.ok(backup && fs.existsSync(node.host(backup.quarantinePath)));
      // A second run finds both already done.
      const again = await new RepairExecutor({
        access: target.access, cri: runtime.cri, audit, actor: 'test', runtimeSteps: runtimeStepsFor(target, runtime),
      }).execute(plan);
      assert.deepEqual(again.results.map((r) => r.outcome), ['already-done', 'already-done']);
    } finally {
      await runtime.close();
      await target.access.dispose();
    }
  });

  it('falls back to Docker when the CRI socket does not answer, and says so (CLI)', async function () {
    if (!fs.existsSync(CLI)) this.skip();
    await staleSocket(node.host('/var/run/dockershim.sock'));
    const run = await cli(['inspect', '--host-root', node.hostRoot, '--runtime-endpoint', 'unix:///var/run/dockershim.sock']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Node local .*docker 20\.10\.\S+ \(Engine API 1\.\d+\) at unix:\/\/\/var\/run\/docker\.sock$/m);
    assert.match(run.stdout, /source: {5}the CRI socket unix:\/\/\/var\/run\/dockershim\.sock did not answer \(.*ECONNREFUSED.*\); Docker Engine API/);
    assert.match(run.stdout, /checkpoints: \d+ in \/var\/lib\/dockershim\/sandbox/);
    const json = await cli(['inspect', '--host-root', node.hostRoot, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as Inventory;
    assert.equal(parsed.runtime.backend, 'docker');
    assert.ok(parsed.sandboxes.some((s) => s.id === healthy.sandboxId));
  });

  it('reads a docker:// node through the bridge: the pod mounts the Docker socket and dockershim dir (API stand-in)', async function () {
    if (!fs.existsSync(CLI)) this.skip();
    const standIn = new ApiStandIn({
      extraNodes: ['docker-node'],
      nodeInfo: { 'docker-node': { containerRuntimeVersion: 'docker://19.3.13', kubeletVersion: 'v1.18.6' } },
      hostDirs: {
        '/var/run/docker.sock': node.env.socket,
        '/var/lib/dockershim': node.host('/var/lib/dockershim'),
        '/var/lib/cni': node.host('/var/lib/cni'),
        '/etc/cni/net.d': node.host('/etc/cni/net.d'),
      },
    });
    await standIn.start();
    const kubeconfig = path.join(node.hostRoot, 'kubeconfig');
    fs.writeFileSync(kubeconfig, standIn.kubeconfig([{ name: 'lab' }]), { mode: 0o600 });
    try {
      // The orphan comes back for this test: a container naming a sandbox that exists nowhere.
      const orphan = await node.startPod({ name: 'again-1', containers: { app: ['sleep', '600'] } });
      await node.docker('rm', '-f', orphan.sandboxId);
      fs.rmSync(node.host(orphan.checkpoint));
      const run = await cli(['inspect', '--kubeconfig', kubeconfig, '--context', 'lab', '--node', 'docker-node', '--json']);
      assert.equal(run.code, 0, run.stderr);
      const inventory = JSON.parse(run.stdout) as Inventory;
      assert.equal(inventory.runtime.backend, 'docker');
      const finding = byRule(inventory, 'dockershim-orphan-container').find((f) => f.containerId === orphan.containerIds.app);
      assert.equal(finding?.sandboxId, orphan.sandboxId);
      assert.match(finding?.detail ?? '', /kubelet v1\.18\.6 is affected/);
      const volumes = ((standIn.created[0]?.spec as { volumes?: { hostPath?: { path: string; type: string } }[] })?.volumes ?? []).map((v) => v.hostPath).filter(Boolean);
      assert.ok(volumes.some((v) => v?.path === '/var/run/docker.sock' && v.type === 'Socket'), JSON.stringify(volumes));
      assert.ok(volumes.some((v) => v?.path === '/var/lib/dockershim'), JSON.stringify(volumes));
      assert.ok(!volumes.some((v) => v?.path === '/run/containerd'), 'no containerd socket dir on a Docker node');
      assert.equal(standIn.podsIn('kube-system').length, 0, 'the bridge pod is deleted');
    } finally {
      await standIn.stop();
    }
  });
});
