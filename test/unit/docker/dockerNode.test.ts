// Inventory → plan → execute on a Docker node, on the in-memory fakes. The same chain on a real dockerd is in
// test/integration/docker.test.ts.
import * as assert from 'node:assert/strict';
import { inspectDockerNode, kubeletNote } from '../../../src/core/docker/dockerInventory';
import { adaptPlanToDocker } from '../../../src/core/docker/dockerPlan';
import { DockerSteps } from '../../../src/core/docker/dockerRepair';
import { checkpointBytes } from '../../../src/core/docker/dockershim';
import { NodeDoctorError } from '../../../src/core/errors';
import { MemoryAuditSink } from '../../../src/core/repair/audit';
import { RepairExecutor } from '../../../src/core/repair/executor';
import { planRepairs } from '../../../src/core/repair/planner';
import { buttonLabel, executionSummary, repairTargetOf, selectFindings } from '../../../src/ui/commands/repairText';
import { FakeCri } from '../../fakes/fakeCri';
import { FakeNodeAccess } from '../../fakes/fakeNodeAccess';
import { FakeDocker, hexId } from './fakeDocker';

const CHECKPOINTS = '/var/lib/dockershim/sandbox';

function world(): { docker: FakeDocker; access: FakeNodeAccess } {
  const docker = new FakeDocker();
  const access = new FakeNodeAccess();
  void access.makeDir('/var/lib/cni/cache/results', 0o755);
  void access.makeDir(CHECKPOINTS, 0o755);
  return { docker, access };
}

describe('Docker node inventory and repairs (fakes)', () => {
  it('flags a container whose sandbox is neither a podsandbox container nor a checkpoint, with the kubelet note', async () => {
    const { docker, access } = world();
    const healthy = docker.addPod('web', 1);
    access.put(`${CHECKPOINTS}/${healthy.sandboxId}`, checkpointBytes('default', 'web'));
    const seed = docker.addPod('nginx-one', 2);
    docker.containers.delete(seed.sandboxId); // docker rm -f <pause>; its checkpoint was never written here
    const inv = await inspectDockerNode(access, docker, { kubeletVersion: 'v1.18.6' });
    const orphans = inv.findings.filter((f) => f.category === 'runtime-object-missing' && f.containerId);
    assert.deepEqual(orphans.map((f) => [f.id, f.sandboxId, f.rule]), [[`runtime-object-missing:${seed.containerId}`, seed.sandboxId, 'dockershim-orphan-container']]);
    assert.match(orphans[0].detail, /kubelet v1\.18\.6 is affected/);
    assert.equal(inv.runtime.backend, 'docker');
    assert.equal(inv.cniCacheDir, '/var/lib/cni/cache');
    assert.deepEqual(inv.sandboxes.map((s) => [s.id, s.state]), [[healthy.sandboxId, 'SANDBOX_READY']]);
    assert.equal(inv.containers.find((c) => c.id === healthy.containerId)?.attempt, 2);
  });

  it('says how kubelet versions take an orphan', () => {
    assert.match(kubeletNote('v1.23.17', 'x'), /is affected/);
    assert.match(kubeletNote('v1.24.0', 'x'), /only logs it/);
    assert.match(kubeletNote(undefined, 'x'), /not known here/);
  });

  it('lists checkpoint-only sandboxes as NotReady; offers only unreferenced checkpoints for removal', async () => {
    const { docker, access } = world();
    const kept = docker.addPod('api', 3, { containerState: 'exited', status: 'Exited (2) 1 hour ago' });
    docker.containers.delete(kept.sandboxId);
    access.put(`${CHECKPOINTS}/${kept.sandboxId}`, checkpointBytes('default', 'api'));
    const stale = hexId(9);
    access.put(`${CHECKPOINTS}/${stale}`, checkpointBytes('default', 'gone'));
    access.put(`${CHECKPOINTS}/not-an-id`, 'x');
    const inv = await inspectDockerNode(access, docker);
    assert.deepEqual(inv.sandboxes.map((s) => [s.id, s.state, s.name]).sort(), [[kept.sandboxId, 'SANDBOX_NOTREADY', 'api'], [stale, 'SANDBOX_NOTREADY', 'gone']].sort());
    assert.equal(inv.findings.filter((f) => f.rule === 'dockershim-orphan-container').length, 0);
    const rules = Object.fromEntries(inv.findings.filter((f) => f.sandboxId).map((f) => [f.sandboxId, [f.rule, f.repair]]));
    assert.deepEqual(rules[kept.sandboxId], ['checkpoint-without-sandbox-container', undefined]);
    assert.deepEqual(rules[stale], ['stale-sandbox-checkpoint', 'remove-stale-checkpoint']);
    // Exited containers of NotReady sandboxes are not inspected (bounded lookups): the list's `Exited (2)` gives the code.
    assert.equal(inv.containers[0].exitCode, 2);
    assert.match(inv.listStrategy.notes.join('\n'), /1 other entries skipped/);
  });

  it('is incomplete, and calls nothing missing, when the checkpoint directory cannot be read or does not exist', async () => {
    const { docker, access } = world();
    const seed = docker.addPod('x', 4);
    docker.containers.delete(seed.sandboxId);
    const listDir = access.listDir.bind(access);
    access.listDir = (dir, signal) => (dir === CHECKPOINTS ? Promise.reject(new NodeDoctorError('forbidden', 'permission denied')) : listDir(dir, signal));
    const inv = await inspectDockerNode(access, docker);
    assert.equal(inv.listStrategy.complete, false);
    assert.deepEqual(inv.listStrategy.reasons?.map((r) => r.code), ['runtime-dir-unreadable']);
    assert.deepEqual(inv.findings.filter((f) => f.category === 'runtime-object-missing'), []);
    // No checkpoint directory at all: checkpoints under another root cannot be ruled out either.
    const other = await inspectDockerNode(access, docker, { dockershimDir: '/var/lib/cri-dockerd' });
    assert.deepEqual([other.listStrategy.complete, other.listStrategy.reasons?.map((r) => r.code)], [false, ['no-runtime-dir']]);
    assert.deepEqual(other.findings.filter((f) => f.category === 'runtime-object-missing'), []);
  });

  it('plans Docker steps with Docker manual commands, in files → containers → checkpoints → sandboxes order', async () => {
    const { docker, access } = world();
    const seed = docker.addPod('nginx-one', 2);
    docker.containers.delete(seed.sandboxId);
    const stale = hexId(9);
    access.put(`${CHECKPOINTS}/${stale}`, checkpointBytes('default', 'gone'));
    const inv = await inspectDockerNode(access, docker, { endpoint: 'unix:///var/run/docker.sock' });
    // The CLI passes the endpoint it was given (here the CRI socket that did not answer): Docker's commands name Docker's.
    const plan = planRepairs(inv, 'all', { endpoint: 'unix:///var/run/dockershim.sock' });
    assert.equal(plan.endpoint, 'unix:///var/run/docker.sock');
    assert.deepEqual(plan.steps.map((s) => s.id), ['01-docker-remove-container', '02-remove-checkpoint']);
    const d = 'docker -H unix:///var/run/docker.sock';
    assert.equal(plan.steps[0].manualCommand, `${d} inspect ${seed.containerId} && ${d} stop -t 10 ${seed.containerId} && ${d} rm ${seed.containerId}`);
    const backupPath = (plan.steps[1].action as { backupPath: string }).backupPath;
    assert.match(backupPath, new RegExp(`^/var/lib/kube-node-doctor/quarantine/.*-checkpoint-${stale}$`));
    assert.equal(plan.steps[1].manualCommand, [
      `if [ -z "$(${d} ps -aq --filter id=${stale})" ] && [ -z "$(${d} ps -aq --filter label=io.kubernetes.sandbox.id=${stale})" ]; then`,
      'mkdir -p -m 700 -- /var/lib/kube-node-doctor/quarantine',
      `[ "$(sha256sum < ${CHECKPOINTS}/${stale})" = '${inv.docker?.checkpoints[0].sha256}  -' ] && mv -n -- ${CHECKPOINTS}/${stale} ${backupPath}`,
      'fi',
    ].join('\n'));
    assert.ok(plan.notes.some((n) => n.includes('cannot be put back')));

    const audit = new MemoryAuditSink();
    const report = await new RepairExecutor({
      access, cri: new FakeCri(), audit, actor: 't', runtimeSteps: new DockerSteps({ docker, access }),
    }).execute(plan);
    assert.deepEqual(report.results.map((r) => r.outcome), ['done', 'done']);
    assert.deepEqual(docker.calls.filter((c) => !c.startsWith('list')), [`stop ${seed.containerId} t=10`, `rm ${seed.containerId}`]);
    // Write-ahead: the inspect JSON is in the intent record, written before the container is stopped and removed.
    const intent = audit.entries.find((e) => e.phase === 'intent' && e.action === 'docker-remove-container');
    assert.equal(JSON.parse(intent?.snapshots?.[0].inspectJson ?? '{}').Id, seed.containerId);
    assert.ok(!access.files.has(`${CHECKPOINTS}/${stale}`));
    assert.equal(audit.entries.find((e) => e.phase === 'outcome' && e.action === 'remove-checkpoint')?.backup?.quarantinePath, backupPath);
    assert.ok(access.files.has(backupPath));
  });

  it('refuses an orphan removal when its sandbox came back, and a checkpoint removal once a container names the sandbox', async () => {
    const { docker, access } = world();
    const seed = docker.addPod('nginx-one', 2);
    const sandbox = docker.containers.get(seed.sandboxId);
    docker.containers.delete(seed.sandboxId);
    const stale = hexId(9);
    access.put(`${CHECKPOINTS}/${stale}`, checkpointBytes('default', 'gone'));
    const plan = planRepairs(await inspectDockerNode(access, docker), 'all');
    if (sandbox) docker.containers.set(seed.sandboxId, sandbox);
    docker.add({ Id: hexId(77), Labels: { 'io.kubernetes.docker.type': 'container', 'io.kubernetes.sandbox.id': stale } });
    const report = await new RepairExecutor({
      access, cri: new FakeCri(), audit: new MemoryAuditSink(), actor: 't', runtimeSteps: new DockerSteps({ docker, access }),
    }).execute(plan);
    assert.deepEqual(report.results.map((r) => [r.outcome, r.reason]), [['refused', 'precondition-changed'], ['refused', 'precondition-changed']]);
    assert.ok(docker.containers.has(seed.containerId) && access.files.has(`${CHECKPOINTS}/${stale}`));
  });

  it('Repair on node from a "no PodsandBox found with Id" log line selects the Docker orphan; the summary says it cannot be put back', async () => {
    const { docker, access } = world();
    const seed = docker.addPod('nginx-one', 2);
    docker.containers.delete(seed.sandboxId);
    const inv = await inspectDockerNode(access, docker);
    const target = repairTargetOf({ ref: { kind: 'local', name: 'Local node' }, sandboxId: seed.sandboxId });
    assert.ok(target);
    const selection = selectFindings('repairOnNode', target, inv, 'Local node');
    assert.deepEqual([...selection.findingIds], [`runtime-object-missing:${seed.containerId}`]);
    const plan = planRepairs(inv, [...selection.findingIds]);
    assert.equal(buttonLabel(plan), 'Remove 1 container');
    const summary = executionSummary(plan, [{ stepId: plan.steps[0].id, findingId: plan.steps[0].findingId, outcome: 'done', detail: 'removed' }], 'Local node');
    assert.match(summary.message, /cannot be put back; its inspect JSON is in the audit log/);
  });

  it('prunes a pile-up with the containerd thresholds: old exited containers, then a NotReady sandbox as dockershim removes it', async () => {
    const { docker, access } = world();
    const live = docker.addPod('cron', 10);
    for (let i = 0; i < 6; i++) {
      docker.add({
        Id: hexId(120 + i), Names: [`/k8s_app_cron_default_uid-10_${i + 3}`], State: 'exited', Status: 'Exited (1) 2 hours ago', Created: 1_600_000_000 + i,
        Labels: { 'io.kubernetes.pod.name': 'cron', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': 'uid-10', 'io.kubernetes.docker.type': 'container', 'io.kubernetes.container.name': 'app', 'io.kubernetes.sandbox.id': live.sandboxId },
      });
    }
    const dead = docker.addPod('cron', 11, { sandboxState: 'exited', containerState: 'exited', status: 'Exited (0) 3 hours ago' });
    access.put(`${CHECKPOINTS}/${dead.sandboxId}`, checkpointBytes('default', 'cron'));
    access.put(`${CHECKPOINTS}/${live.sandboxId}`, checkpointBytes('default', 'cron'));
    const inv = await inspectDockerNode(access, docker, { endpoint: 'unix:///var/run/docker.sock' });
    const pile = inv.findings.find((f) => f.id === 'dead-objects-piling-up:default/cron');
    assert.ok(pile, JSON.stringify(inv.findings.map((f) => f.id)));
    const plan = planRepairs(inv, [pile.id], { nowMs: Date.parse('2030-01-01T00:00:00Z') });
    const kinds = plan.steps.map((st) => st.action.kind);
    assert.equal(kinds.filter((k) => k === 'docker-remove-container').length, 5, 'keeps the newest exited container of the live sandbox');
    assert.deepEqual(kinds.slice(-1), ['docker-remove-sandbox']);
    assert.match(plan.steps[plan.steps.length - 1].manualCommand, new RegExp(`rm ${dead.containerId} &&\\ndocker -H unix:///var/run/docker.sock rm ${dead.sandboxId} &&\\nmkdir -p`));
    const report = await new RepairExecutor({ access, cri: new FakeCri(), audit: new MemoryAuditSink(), actor: 't', runtimeSteps: new DockerSteps({ docker, access }) }).execute(plan);
    assert.ok(report.ok, JSON.stringify(report.results));
    assert.deepEqual([docker.containers.has(dead.sandboxId), docker.containers.has(dead.containerId), access.files.has(`${CHECKPOINTS}/${dead.sandboxId}`)], [false, false, false]);
    assert.ok(docker.containers.has(live.sandboxId) && docker.containers.has(live.containerId), 'the live pod stays');
    assert.equal([0, 1, 2, 3, 4, 5].filter((i) => docker.containers.has(hexId(120 + i))).length, 1, 'one exited container is kept (keep = 1)');
  });

  it('leaves plans of CRI nodes alone', () => {
    const plan = { node: 'n', createdAt: '', findingIds: [], endpoint: 'unix:///run/containerd/containerd.sock', quarantineDir: '/q', steps: [], notes: [] };
    const inv = { runtime: { endpoint: '', runtimeName: 'containerd', runtimeVersion: '', runtimeApiVersion: '', conditions: [] } } as unknown as Parameters<typeof adaptPlanToDocker>[1];
    assert.equal(adaptPlanToDocker(plan, inv, []), plan);
  });
});
