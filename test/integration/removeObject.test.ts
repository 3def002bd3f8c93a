// Remove Sandbox… / Remove Container… on the real runtime, through the extension's engine (NodeDoctor) and a JSON-lines
// audit log: refused while Ready / running, removed and verified gone otherwise, read back as the repair history, and
// a backed-up file put back by Undo from that history.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JsonLinesAuditSink } from '../../src/core/repair/audit';
import { lastUndoable, parseAuditLog, repairHistory } from '../../src/core/repair/history';
import { NodeDoctor } from '../../src/core/session/nodeDoctor';
import type { NodeRef } from '../../src/core/session/nodeRef';
import { whatWasDone } from '../../src/ui/commands/repairHistoryText';
import { cacheFilePath, requireLab, runExitedContainer, runSandbox, startContainer } from './support/lab';
import { useLabRuntime } from './support/labNode';

describe('removing one sandbox or container, its history and Undo (real containerd)', function () {
  this.timeout(120_000);
  const runtime = useLabRuntime();
  let work: string;
  let doctor: NodeDoctor;
  let ref: NodeRef;
  const auditLog = (): string => path.join(work, 'audit.jsonl');
  const history = (): ReturnType<typeof repairHistory> => repairHistory(parseAuditLog(fs.readFileSync(auditLog(), 'utf8')).records);

  beforeEach(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-remove-'));
    const lab = requireLab();
    doctor = new NodeDoctor({
      settings: () => ({ localNode: 'auto', local: { name: 'lab-node', runtimeEndpoint: lab.endpoint, hostRoot: lab.hostRoot, cniCacheDir: '/var/lib/cni', cniConfDir: lab.cniConfDir, cniBinDir: lab.cniBinDir }, bridge: {}, quarantineDir: path.join(work, 'quarantine') }),
      audit: new JsonLinesAuditSink(auditLog()), actor: 'test (integration)', client: 'test', log: () => undefined,
    });
    ref = doctor.localRef();
  });
  afterEach(async () => {
    await doctor.dispose();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('refuses a Ready sandbox and a running container, and changes nothing', async () => {
    const id = await runSandbox({ name: 'ready', namespace: 'knd-remove' });
    const running = await startContainer(id, 'sleeper', ['sleep']);
    await doctor.inspect(ref);
    const sandbox = await doctor.plan(ref, { kind: 'remove', object: { kind: 'sandbox', sandboxId: id } });
    assert.equal(sandbox.plan, undefined);
    assert.match(sandbox.selection.nothing ?? '', /is Ready: its pod is running, so it is not removed/);
    const container = await doctor.plan(ref, { kind: 'remove', object: { kind: 'container', containerId: running } });
    assert.equal(container.plan, undefined);
    assert.match(container.selection.nothing ?? '', /is running, so it is not removed/);
    assert.equal((await runtime.cri.podSandboxStatus(id)).state, 'SANDBOX_READY');
    assert.equal((await runtime.cri.containerStatus(running)).state, 'CONTAINER_RUNNING');
    assert.equal(fs.existsSync(auditLog()), false, 'nothing was audited: nothing ran');
  });

  it('removes an exited container, then its NotReady sandbox (and its bad cache file first), verified gone on the runtime', async () => {
    const id = await runSandbox({ name: 'stopped', namespace: 'knd-remove' });
    const exited = await runExitedContainer(id, 'job', 3);
    await doctor.inspect(ref);
    const { plan: containerPlan } = await doctor.plan(ref, { kind: 'remove', object: { kind: 'container', containerId: exited } });
    assert.ok(containerPlan);
    assert.deepEqual(containerPlan.steps.map((s) => s.action.kind), ['remove-container']);
    const ran = await doctor.execute(ref, containerPlan);
    assert.deepEqual(ran.results.map((r) => r.outcome), ['done']);
    await assert.rejects(runtime.cri.containerStatus(exited));

    const primary = cacheFilePath('cbr0', id, 'eth0');
    fs.truncateSync(primary, 0);
    await runtime.cri.stopPodSandbox(id).catch(() => undefined);
    assert.equal((await runtime.cri.podSandboxStatus(id)).state, 'SANDBOX_NOTREADY');
    await doctor.inspect(ref);
    const { plan } = await doctor.plan(ref, { kind: 'remove', object: { kind: 'sandbox', sandboxId: id } });
    assert.ok(plan);
    assert.deepEqual(plan.steps.map((s) => s.action.kind), ['remove-cache-file', 'remove-sandbox']);
    const report = await doctor.execute(ref, plan);
    assert.deepEqual(report.results.map((r) => r.outcome), ['done', 'done']);
    await assert.rejects(runtime.cri.podSandboxStatus(id));
    assert.equal(fs.existsSync(primary), false);

    // The history: two runs, newest first; Undo of the newest puts the file back (the sandbox is not recreated).
    const runs = history();
    assert.deepEqual(runs.map(whatWasDone), ['quarantined 1 file and removed 1 sandbox', 'removed 1 container']);
    const last = lastUndoable(runs);
    assert.ok(last);
    assert.deepEqual(last.undoable.map((b) => b.original), [plan.steps[0].object]);
    for (const backup of last.undoable) await doctor.restore(ref, backup);
    assert.equal(fs.existsSync(primary), true);
    assert.equal(fs.statSync(primary).size, 0);
    const after = history();
    assert.equal(after[0].kind, 'undo');
    assert.equal(lastUndoable(after), undefined, 'nothing left to undo');
  });
});
