import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isNotFound } from '../../src/core/cri/criError';
import type { CriRuntime } from '../../src/core/cri/types';
import { NodeDoctorError } from '../../src/core/errors';
import { MemoryAuditSink } from '../../src/core/repair/audit';
import { NodeDoctor } from '../../src/core/session/nodeDoctor';
import type { NodeDoctorSettings } from '../../src/core/session/nodeDoctor';
import { labPaths, startLabStandIn } from '../standin/labStandIn';
import type { LabStandIn } from '../standin/labStandIn';
import { cacheFilePath, cleanupAll, labCri, labEnv, requireLab, runSandbox } from './support/lab';

/** The settings the extension builds from kubeNodeDoctor.localNode.*, pointed at the lab seen as a node. */
function labSettings(quarantineDir: string): NodeDoctorSettings {
  const lab = requireLab();
  return {
    localNode: 'auto',
    local: { name: 'lab-node', hostRoot: lab.hostRoot ?? '/', runtimeEndpoint: lab.endpoint, cniCacheDir: lab.cniCacheDir, cniConfDir: lab.cniConfDir, cniBinDir: lab.cniBinDir },
    bridge: {},
    quarantineDir,
  };
}

describe('NodeDoctor (the engine behind the sidebar) on a real containerd node', function () {
  this.timeout(120_000);
  let cri: CriRuntime;
  let quarantine: string;
  let audit: MemoryAuditSink;
  let doctor: NodeDoctor;
  const lines: string[] = [];

  before(async function () {
    if (!labEnv()) this.skip();
    cri = labCri();
    await cleanupAll();
  });
  beforeEach(() => {
    quarantine = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-nd-quarantine-'));
    audit = new MemoryAuditSink();
    doctor = new NodeDoctor({ settings: () => labSettings(quarantine), audit, actor: 'test', client: 'test', log: (l) => lines.push(l) });
  });
  afterEach(async () => {
    await doctor.dispose();
    fs.rmSync(quarantine, { recursive: true, force: true });
  });
  after(async () => {
    if (!labEnv()) return;
    await cleanupAll();
    cri.close();
  });

  it('offers the local node when the settings name a runtime socket that answers, and not when the mode is off', async () => {
    assert.equal(await doctor.probeLocalNode(), requireLab().endpoint);
    const off = new NodeDoctor({ settings: () => ({ ...labSettings(quarantine), localNode: 'off' }), audit, actor: 'test', client: 'test', log: () => undefined });
    assert.equal(await off.probeLocalNode(), undefined);
  });

  it('inspects, finds the seed failure by sandbox prefix, repairs it, and undoes the file removal from the quarantined backup', async () => {
    const id = await runSandbox({ name: 'nd-seed', namespace: 'knd-nd' });
    const file = cacheFilePath('cbr0', id, 'eth0');
    const original = fs.readFileSync(file);
    fs.truncateSync(file, 0);
    await cri.stopPodSandbox(id).catch(() => undefined);
    const ref = doctor.localRef();

    const inventory = await doctor.inspect(ref);
    assert.equal(doctor.inventory(ref), inventory, 'the inventory is cached for the tree and the report');
    const findingId = `cni-cache-corrupt:cbr0-${id}-eth0`;
    assert.ok(inventory.findings.some((f) => f.id === findingId), 'the empty cache file is a finding');
    assert.deepEqual(doctor.findSandbox(id.slice(0, 12)).map((m) => m.sandboxId), [id], 'a log\'s 12-character prefix finds the sandbox');

    const { plan } = await doctor.plan(ref, { kind: 'findings', findingIds: [findingId] });
    assert.ok(plan);
    assert.deepEqual(plan.steps.map((s) => s.action.kind), ['remove-cache-file', 'remove-sandbox']);
    const report = await doctor.execute(ref, plan);
    assert.deepEqual(report.results.map((r) => r.outcome), ['done', 'done'], JSON.stringify(report.results));
    assert.equal(fs.existsSync(file), false);
    assert.ok(await cri.podSandboxStatus(id).then(() => false, (e: unknown) => isNotFound(e)), 'the sandbox is gone on the runtime');
    assert.deepEqual(audit.entries.map((e) => [e.phase, e.result]), [['intent', 'intended'], ['outcome', 'done'], ['intent', 'intended'], ['outcome', 'done']], 'intent before, outcome after each step');
    assert.equal(audit.entries[0].node, 'lab-node');

    const backup = report.results[0].backup;
    assert.ok(backup, 'the removed file was backed up');
    await doctor.restore(ref, backup);
    assert.equal(fs.existsSync(file), true, 'Undo put the file back');
    assert.equal(fs.readFileSync(file).length, 0, 'with the bytes that were removed (0 of them)');
    await assert.rejects(doctor.restore(ref, backup), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'precondition-changed', 'never restores over a file that exists');
    assert.deepEqual(audit.entries.slice(4).map((e) => [e.action, e.result, e.object]), [['restore-file', 'done', backup.original], ['restore-file', 'refused', backup.original]], 'undo is audited too');
    fs.rmSync(file, { force: true });
    assert.ok(original.length > 0);
  });

  it('ends an unreachable runtime in one error that names the node and the socket', async () => {
    const broken = new NodeDoctor({
      settings: () => ({ ...labSettings(quarantine), local: { ...labSettings(quarantine).local, runtimeEndpoint: 'unix:///tmp/knd-no-such-runtime.sock' } }),
      audit, actor: 'test', client: 'test', log: () => undefined,
    });
    await assert.rejects(broken.inspect(broken.localRef()), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'unreachable' && /lab-node/.test(e.message) && e.hint !== undefined);
  });

  it('refuses to plan for a node that was never inspected', async () => {
    await assert.rejects(doctor.plan({ kind: 'bridge', context: 'c', node: 'n' }, { kind: 'all' }), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'not-found');
  });
});

describe('NodeDoctor through the debug-pod bridge (API stand-in over the real runtime)', function () {
  this.timeout(120_000);
  let env: LabStandIn;
  let doctor: NodeDoctor;

  before(async function () {
    const paths = labPaths();
    if (!paths) this.skip();
    env = await startLabStandIn(paths);
  });
  afterEach(async () => doctor?.dispose());
  after(async () => env?.close());

  const settings = (): NodeDoctorSettings => ({ localNode: 'off', local: {}, kubeconfig: env.kubeconfig, bridge: {}, quarantineDir: '/var/lib/cni/knd-nd-quarantine' });

  it('lists contexts (current first) and nodes, inspects a node through one bridge pod, and deletes that pod on dispose', async () => {
    doctor = new NodeDoctor({ settings, audit: new MemoryAuditSink(), actor: 'test', client: 'vscode', log: () => undefined });
    const { contexts, current } = await doctor.contexts();
    assert.equal(contexts[0].name, current, 'the current context comes first');
    assert.deepEqual(contexts.map((c) => c.name).sort(), ['bad-token', 'lab', 'unreachable']);
    const nodes = await doctor.listNodes('lab');
    assert.ok(nodes.nodes.some((n) => n.name === env.node));

    const ref = { kind: 'bridge', context: 'lab', node: env.node } as const;
    const inventory = await doctor.inspect(ref);
    assert.ok(inventory.runtime.runtimeName.length > 0, 'the runtime answered through the relay');
    await doctor.inspect(ref);
    const pods = env.standIn.podsIn('kube-system');
    assert.equal(pods.length, 1, 'one bridge pod per node, reused by the second inspection');
    const pod = pods[0] as { metadata: { annotations: Record<string, string> }; spec: { volumes: { hostPath?: { path: string } }[] } };
    assert.equal(pod.metadata.annotations['kube-node-doctor.io/client'], 'vscode');
    assert.ok(pod.spec.volumes.some((v) => v.hostPath?.path === settings().quarantineDir), 'the pod mounts the quarantine dir of the settings, where repairs back files up');
    await doctor.dispose();
    assert.equal(env.standIn.podsIn('kube-system').length, 0, 'dispose (deactivate) leaves no pod behind');
  });

  it('reports an unreachable cluster as one error naming the context, well within 20 s', async () => {
    doctor = new NodeDoctor({ settings, audit: new MemoryAuditSink(), actor: 'test', client: 'vscode', log: () => undefined });
    const started = Date.now();
    await assert.rejects(doctor.listNodes('unreachable'), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'unreachable' && /unreachable/.test(e.message));
    assert.ok(Date.now() - started < 20_000);
  });
});
