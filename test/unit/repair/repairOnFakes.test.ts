// The inventory → plan → execute chain on the in-memory fakes (test/fakes), wired to behave like containerd 1.6 +
// libcni on teardown. The same chain against the real runtime is in test/integration/inventorySeed.test.ts.
import * as assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { inspectNode } from '../../../src/core/inventory/inspect';
import type { Inventory } from '../../../src/core/inventory/types';
import { MemoryAuditSink } from '../../../src/core/repair/audit';
import { RepairExecutor } from '../../../src/core/repair/executor';
import { planRepairs } from '../../../src/core/repair/planner';
import { FakeCri, fakeId } from '../../fakes/fakeCri';
import { FakeNodeAccess } from '../../fakes/fakeNodeAccess';
import { wireSeedBehaviour } from '../../fakes/seedBehaviour';
import { repoRoot } from '../diagnosis/fixturePaths';

const RESULTS = '/var/lib/cni/results';
const CONF_DIR = '/etc/cni/net.d';
const QUARANTINE = '/var/lib/kube-node-doctor/quarantine';
const fixtureDir = path.join(repoRoot, 'test', 'fixtures', 'cni');
const FIXTURE_ID = '977313d0ebebfb765e9d373b82bef9081628dd64ee50d944e5c1b455412df44c';

/** A real cache file from the fixtures, rewritten for another sandbox ID. */
function cacheFor(id: string): Buffer {
  return Buffer.from(fs.readFileSync(path.join(fixtureDir, `cbr0-${FIXTURE_ID}-eth0`), 'utf8').split(FIXTURE_ID).join(id));
}

interface World {
  access: FakeNodeAccess;
  cri: FakeCri;
  id: string;
  file: string;
}

/** One NotReady sandbox whose eth0 cache file is 0 bytes: the seed state. */
function seedWorld(): World {
  const access = new FakeNodeAccess();
  const cri = new FakeCri();
  access.put(`${CONF_DIR}/10-cbr0.conflist`, fs.readFileSync(path.join(fixtureDir, '10-cbr0.conflist')));
  wireSeedBehaviour(cri, access, RESULTS, new Map([['cbr0', '1.0.0']]));
  const id = fakeId('seed');
  cri.addSandbox({ id, name: 'web-0', namespace: 'shop', state: 'SANDBOX_NOTREADY' });
  const file = `${RESULTS}/cbr0-${id}-eth0`;
  access.put(file, Buffer.alloc(0));
  return { access, cri, id, file };
}

function inspect(w: World): Promise<Inventory> {
  return inspectNode(w.access, w.cri, { cniCacheDir: '/var/lib/cni', cniConfDir: CONF_DIR });
}

function executor(w: World, audit: MemoryAuditSink): RepairExecutor {
  return new RepairExecutor({ access: w.access, cri: w.cri, audit, actor: 'unit@test' });
}

describe('repair planning and execution on in-memory fakes', () => {
  it('flags a 0-byte cache file whose sandbox is NotReady and plans file removal before the sandbox stop', async () => {
    const w = seedWorld();
    const inv = await inspect(w);
    const finding = inv.findings.find((f) => f.id === `cni-cache-corrupt:cbr0-${w.id}-eth0`);
    assert.equal(finding?.severity, 'error');
    const plan = planRepairs(inv, [finding.id]);
    assert.deepEqual(plan.steps.map((s) => s.action.kind), ['remove-cache-file', 'remove-sandbox']);
    assert.ok(plan.steps.every((s) => s.manualCommand.length > 0 && s.precondition.length > 0));
    assert.deepEqual(w.cri.calls.filter((c) => /Stop|Remove/.test(c)), [], 'inspect and plan change nothing');
  });

  it('backs the file up, audits every step, removes the sandbox, and re-runs as already-done', async () => {
    const w = seedWorld();
    const plan = planRepairs(await inspect(w), 'all');
    const audit = new MemoryAuditSink();
    const report = await executor(w, audit).execute(plan);
    assert.ok(report.ok, JSON.stringify(report.results));
    assert.equal(w.access.content(w.file), undefined, 'the bad file is gone');
    assert.equal(w.cri.sandboxes.has(w.id), false, 'the sandbox is removed');
    const backup = report.results.find((r) => r.backup)?.backup;
    assert.equal(backup?.original, w.file);
    assert.ok(backup && w.access.content(backup.quarantinePath) !== undefined, 'the backup is on the node');
    assert.ok(backup?.quarantinePath.startsWith(`${QUARANTINE}/`));
    assert.equal(audit.entries.length, 2 * plan.steps.length, 'an intent before and an outcome after each step');
    assert.deepEqual(audit.entries.map((e) => e.phase), plan.steps.flatMap(() => ['intent', 'outcome']));
    const outcomes = audit.entries.filter((e) => e.phase === 'outcome');
    assert.ok(outcomes.every((e) => e.actor === 'unit@test' && e.node === plan.node && e.result === 'done' && e.before !== '' && e.after !== ''));
    assert.equal(outcomes[0].before, `${w.file}: 0 bytes, sha256 ${backup?.sha256}`, 'the audit "before" is what was moved');

    const runIds = new Set(audit.entries.map((e) => e.runId));
    assert.equal(runIds.size, 1, 'every record of one run carries the same run ID');
    assert.match([...runIds][0] ?? '', /^[0-9a-f-]{36}$/);

    const againAudit = new MemoryAuditSink();
    const again = await executor(w, againAudit).execute(plan);
    assert.deepEqual(again.results.map((r) => r.outcome), plan.steps.map(() => 'already-done'));
    assert.ok(againAudit.entries.every((e) => e.runId !== undefined && !runIds.has(e.runId)), 'a second run gets its own ID');
  });

  it('refuses with precondition-changed when the file changed since the plan, and does not touch the sandbox', async () => {
    const w = seedWorld();
    const plan = planRepairs(await inspect(w), 'all');
    w.access.files.delete(w.file);
    w.access.put(w.file, cacheFor(w.id)); // repaired by someone else meanwhile: now a valid file
    const report = await executor(w, new MemoryAuditSink()).execute(plan);
    assert.equal(report.results[0]?.outcome, 'refused');
    assert.equal(report.results[0]?.reason, 'precondition-changed');
    assert.notEqual(report.results[1]?.outcome, 'done');
    assert.ok(w.cri.sandboxes.has(w.id));
    assert.ok(w.access.content(w.file)?.length, 'the valid file stays');
  });

  it('never plans anything for a Ready sandbox with valid cache files', async () => {
    const w = seedWorld();
    const ready = fakeId('ready');
    w.cri.addSandbox({ id: ready, name: 'api-0', namespace: 'shop', state: 'SANDBOX_READY' });
    w.access.put(`${RESULTS}/cbr0-${ready}-eth0`, cacheFor(ready));
    const plan = planRepairs(await inspect(w), 'all');
    assert.ok(plan.steps.every((s) => !s.object.includes(ready)), plan.steps.map((s) => s.object).join('\n'));
  });

  it('keeps the runtime\'s exact error when a sandbox still cannot be removed', async () => {
    const w = seedWorld();
    const other = `${RESULTS}/cbr0-${w.id}-net1`;
    const plan = planRepairs(await inspect(w), [`cni-cache-corrupt:cbr0-${w.id}-eth0`]);
    w.access.put(other, 'garbage'); // a second bad file appears after the plan: the stop still fails
    const report = await executor(w, new MemoryAuditSink()).execute(plan);
    const failed = report.results.find((r) => r.outcome === 'failed');
    assert.match(failed?.error ?? '', new RegExp(`failed to destroy network for sandbox "${w.id}": failed to get network "cbr0" cached result`));
  });
});
