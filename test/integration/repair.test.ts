import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isNotFound } from '../../src/core/cri/criError';
import type { CriRuntime } from '../../src/core/cri/types';
import type { Inventory } from '../../src/core/inventory/types';
import { MemoryAuditSink } from '../../src/core/repair/audit';
import type { ExecutionReport } from '../../src/core/repair/executor';
import { planRepairs } from '../../src/core/repair/planner';
import { planSelection } from '../../src/core/repair/selection';
import type { RepairPlan } from '../../src/core/repair/types';
import { cacheFilePath, cleanupAll, requireLab, runExitedContainer, runSandbox } from './support/lab';
import { inspectLab, labExecutor, labNode, reservedIps, useLabRuntime } from './support/labNode';

async function gone(cri: CriRuntime, sandboxId: string): Promise<boolean> {
  return cri.podSandboxStatus(sandboxId).then(() => false, (e: unknown) => isNotFound(e));
}

describe('repair on a real containerd node', function () {
  this.timeout(120_000);
  const runtime = useLabRuntime();
  let quarantine: string;
  let audit: MemoryAuditSink;

  // Cache paths as the lab's own directory, so plan objects compare with cacheFilePath().
  const inspect = (perPodThreshold?: number): Promise<Inventory> => inspectLab(runtime.cri, { paths: 'host', perPodThreshold });
  const execute = (plan: RepairPlan): Promise<ExecutionReport> =>
    labExecutor(runtime.cri, audit, { actor: 'test', timeoutMs: 30_000 }).execute(plan);
  const plan = async (inv: Inventory, ids: string[]): Promise<RepairPlan> => {
    const { plan: p } = await planSelection(labNode('host').access, inv, { kind: 'findings', findingIds: ids }, { cniBinDir: requireLab().cniBinDir, minAgeMs: 0, quarantineDir: quarantine });
    assert.ok(p);
    return p;
  };

  beforeEach(() => {
    quarantine = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-quarantine-'));
    audit = new MemoryAuditSink();
  });
  afterEach(() => fs.rmSync(quarantine, { recursive: true, force: true }));

  it('repairs the seed failure: backs up and removes the empty file, removes the sandbox, releases its IP, and is idempotent', async () => {
    const id = await runSandbox({ name: 'rep-seed', namespace: 'knd-rep' });
    const file = cacheFilePath('cbr0', id, 'eth0');
    assert.equal(reservedIps(id).length, 1, 'host-local reserved an IP');
    fs.truncateSync(file, 0);
    await runtime.cri.stopPodSandbox(id).catch(() => undefined); // fails as on the node; leaves it NotReady

    const findingId = `cni-cache-corrupt:cbr0-${id}-eth0`;
    const p = await plan(await inspect(), [findingId]);
    assert.deepEqual(p.steps.map((s) => s.action.kind), ['remove-cache-file', 'remove-sandbox']);
    assert.equal(p.steps[1].manualCommand, `crictl --runtime-endpoint ${requireLab().endpoint} stopp ${id} && crictl --runtime-endpoint ${requireLab().endpoint} rmp ${id}`);
    const report = await execute(p);
    assert.deepEqual(report.results.map((r) => r.outcome), ['done', 'done'], JSON.stringify(report.results));
    assert.equal(fs.existsSync(file), false);
    assert.ok(await gone(runtime.cri, id), 'sandbox NOT_FOUND');
    assert.deepEqual(reservedIps(id), [], 'IP released');
    const backup = report.results[0].backup;
    assert.ok(backup && fs.existsSync(backup.quarantinePath));
    assert.equal(backup.size, 0);
    assert.deepEqual(audit.entries.map((e) => `${e.phase} ${e.stepId} ${e.result}`), ['intent 01-remove-cache-file intended', 'outcome 01-remove-cache-file done', 'intent 02-remove-sandbox intended', 'outcome 02-remove-sandbox done']);
    assert.equal(audit.entries[1].backup?.contentBase64, '');
    assert.equal(backup.quarantinePath, p.steps[0].action.kind === 'remove-cache-file' ? p.steps[0].action.backupPath : '', 'the backup is where the plan said');
    assert.match(audit.entries[3].after, /NOT_FOUND/);

    const again = await execute(p);
    assert.deepEqual(again.results.map((r) => r.outcome), ['already-done', 'already-done']);
  });

  it('records the backup content of a NUL-filled file in the audit entry', async () => {
    const id = await runSandbox({ name: 'rep-nul', namespace: 'knd-rep' });
    const file = cacheFilePath('cbr0', id, 'eth0');
    fs.writeFileSync(file, Buffer.alloc(1370));
    await runtime.cri.stopPodSandbox(id).catch(() => undefined);
    const report = await execute(await plan(await inspect(), [`cni-cache-corrupt:cbr0-${id}-eth0`]));
    assert.ok(report.ok, JSON.stringify(report.results));
    assert.deepEqual(Buffer.from(audit.entries[1].backup?.contentBase64 ?? 'x', 'base64'), Buffer.alloc(1370));
    assert.ok(await gone(runtime.cri, id));
  });

  it('refuses to act when the file changed between plan and execution, and skips the sandbox step', async () => {
    const id = await runSandbox({ name: 'rep-changed', namespace: 'knd-rep' });
    const file = cacheFilePath('cbr0', id, 'eth0');
    fs.truncateSync(file, 0);
    await runtime.cri.stopPodSandbox(id).catch(() => undefined);
    const p = await plan(await inspect(), [`cni-cache-corrupt:cbr0-${id}-eth0`]);
    fs.writeFileSync(file, 'garbage');
    const report = await execute(p);
    assert.equal(report.ok, false);
    assert.equal(report.results[0].outcome, 'refused');
    assert.equal(report.results[0].reason, 'precondition-changed');
    assert.equal(report.results[1].outcome, 'skipped');
    assert.equal(fs.readFileSync(file, 'utf8'), 'garbage', 'the file was not touched');
    assert.equal((await runtime.cri.podSandboxStatus(id)).state, 'SANDBOX_NOTREADY');
    assert.deepEqual(audit.entries.map((e) => e.result), ['refused', 'skipped']);
  });

  it('releases a leaked cache file with a CNI DEL from its own contents, then removes the orphan container', async () => {
    await cleanupAll();
    const id = await runSandbox({ name: 'rep-leak', namespace: 'knd-rep' });
    const job = await runExitedContainer(id, 'job', 0);
    const ips = reservedIps(id);
    assert.equal(ips.length, 1);
    await runtime.removeSandboxUnderneath(id);
    assert.deepEqual(reservedIps(id), ips, 'the IP leaked');

    const inv = await inspect();
    const p = await plan(inv, [`cni-cache-orphaned:${id}`, `runtime-object-missing:${job}`]);
    assert.deepEqual(p.steps.map((s) => [s.action.kind, path.basename(s.object)]), [
      ['cni-del', `cbr0-${id}-eth0`], ['remove-cache-file', `cbr0-${id}-eth0`], ['remove-cache-file', `cni-loopback-${id}-lo`], ['remove-container', `container ${job}`],
    ], 'the network is released by DEL; the loopback file (no IP, no veth) is only moved');
    const report = await execute(p);
    assert.ok(report.ok, JSON.stringify(report.results, undefined, 1));
    assert.match(report.results[0].detail, /DEL portmap ok, DEL bridge ok/);
    assert.deepEqual(reservedIps(id), [], 'the IP is released');
    assert.equal(fs.existsSync(cacheFilePath('cbr0', id, 'eth0')), false);
    assert.equal(fs.existsSync(cacheFilePath('cni-loopback', id, 'lo')), false);
    const after = await inspect();
    assert.equal(after.findings.filter((f) => f.sandboxId === id).length, 0, JSON.stringify(after.findings));
  });

  it('prunes NotReady sandboxes of a pod down to the newest one', async () => {
    await cleanupAll();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = await runSandbox({ name: 'rep-prune', namespace: 'knd-rep', uid: `prune-${i}` });
      await runtime.cri.stopPodSandbox(id);
      ids.push(id);
    }
    const inv = await inspect(2);
    const prunePlan = planRepairs(inv, ['dead-objects-piling-up:knd-rep/rep-prune'], { minAgeMs: 0, keep: 1, quarantineDir: quarantine });
    const newest = [...inv.sandboxes].filter((s) => ids.includes(s.id)).sort((a, b) => b.createdAtMs - a.createdAtMs)[0];
    assert.deepEqual(prunePlan.steps.map((s) => s.action.kind), ['remove-sandbox', 'remove-sandbox']);
    assert.ok(prunePlan.steps.every((s) => s.object !== `sandbox ${newest.id}`));
    assert.ok(prunePlan.notes.some((n) => n.includes('--maximum-dead-containers-per-container')));
    const report = await execute(prunePlan);
    assert.ok(report.ok, JSON.stringify(report.results));
    const left = (await runtime.cri.listPodSandbox()).filter((s) => ids.includes(s.id)).map((s) => s.id);
    assert.deepEqual(left, [newest.id]);
  });
});
