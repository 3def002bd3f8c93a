// Force-stop of a stuck sandbox (seed 003) on the real runtime, with both recipes of a StopPodSandbox that hangs while
// the sandbox stays SANDBOX_READY: runc whose `kill` is dropped (deterministic), and real gVisor (Debian's runsc,
// ptrace), whose `kill --all` answer the runc v2 shim does not understand.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isNotFound } from '../../src/core/cri/criError';
import type { CriRuntime } from '../../src/core/cri/types';
import { parseCmdline, parseStat } from '../../src/core/node/processes';
import { MemoryAuditSink } from '../../src/core/repair/audit';
import { discoverShim, planForceStop } from '../../src/core/repair/stuckSandbox';
import type { RepairPlan } from '../../src/core/repair/types';
import { labPaths, startLabStandIn } from '../standin/labStandIn';
import type { LabStandIn } from '../standin/labStandIn';
import { dropKill, labEnv, repoRoot, requireLab, runSandbox, sleep, startContainer } from './support/lab';
import { inspectLab, labExecutor, labNode, useLabRuntime } from './support/labNode';
import { CLI, runCli } from './support/cliRun';

const STOP_DEADLINE_MS = 2_000;

/** Whether PID `pid` with start time `start` is still a live (non-zombie) process. */
function alive(pid: number, start: string): boolean {
  try {
    const stat = parseStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').trimEnd());
    return stat !== undefined && stat.startTime === start && stat.state !== 'Z';
  } catch {
    return false;
  }
}

function startTimeOf(pid: number): string {
  const stat = parseStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').trimEnd());
  if (!stat) throw new Error(`no stat for ${pid}`);
  return stat.startTime;
}

/** The shim of a sandbox seen from this process (independent of the product's scan). */
function shimOf(sandboxId: string): { pid: number; start: string } | undefined {
  for (const name of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const argv = parseCmdline(fs.readFileSync(`/proc/${name}/cmdline`));
      if (/containerd-shim/.test(argv[0] ?? '') && argv.includes(sandboxId) && argv.includes(requireLab().socket)) return { pid: Number(name), start: startTimeOf(Number(name)) };
    } catch { /* exited */ }
  }
  return undefined;
}

/** The live children of a process, seen from this process. */
function childrenOf(pid: number): { pid: number; start: string }[] {
  return fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).filter((n) => {
    try { return parseStat(fs.readFileSync(`/proc/${n}/stat`, 'utf8').trimEnd())?.ppid === pid; } catch { return false; }
  }).map((n) => ({ pid: Number(n), start: startTimeOf(Number(n)) }));
}

async function state(cri: CriRuntime, id: string): Promise<string> {
  try {
    return (await cri.podSandboxStatus(id)).state;
  } catch (error) {
    if (isNotFound(error)) return 'NOT_FOUND';
    throw error;
  }
}

/** Leaves nothing stuck behind whatever a test did: fault off, shim killed, Stop + Remove. */
async function release(cri: CriRuntime, id: string): Promise<void> {
  dropKill(id, false);
  if ((await state(cri, id)) === 'NOT_FOUND') return;
  const shim = shimOf(id);
  if (shim) process.kill(shim.pid, 'SIGKILL');
  for (let i = 0; i < 50 && (await state(cri, id)) === 'SANDBOX_READY'; i++) await sleep(100);
  await cri.stopPodSandbox(id, { timeoutMs: 10_000 }).catch(() => undefined);
  await cri.removePodSandbox(id, { timeoutMs: 10_000 }).catch(() => undefined);
}

async function planFor(cri: CriRuntime, id: string): Promise<RepairPlan> {
  const inventory = await inspectLab(cri);
  const discovery = await discoverShim(labNode().access, id, { endpoint: requireLab().endpoint });
  assert.equal(discovery.kind, 'found', JSON.stringify(discovery));
  return planForceStop(inventory, { sandboxId: id, reason: 'integration test: the pod is meant to be gone', stopTimeoutMs: STOP_DEADLINE_MS }, discovery);
}

describe('Force-stop of a stuck sandbox on the real runtime (seed 003)', function () {
  this.timeout(120_000);
  const lab = useLabRuntime();
  const mine: string[] = [];
  let healthy: { id: string; shim: { pid: number; start: string } };

  before(async function () {
    if (!labEnv()) this.skip();
    const id = await runSandbox({ name: 'healthy', namespace: 'knd-stuck' });
    await startContainer(id, 'app', ['sleep']);
    const shim = shimOf(id);
    assert.ok(shim, 'healthy pod has a shim');
    healthy = { id, shim };
  });

  afterEach(async () => {
    if (!labEnv()) return;
    for (const id of mine.splice(0)) await release(lab.cri, id);
  });

  afterEach(async function () {
    if (!labEnv() || !healthy) return;
    // Whatever the test did: the healthy pod is untouched.
    assert.equal(await state(lab.cri, healthy.id), 'SANDBOX_READY', 'healthy sandbox still Ready');
    assert.ok(alive(healthy.shim.pid, healthy.shim.start), 'healthy pod\'s shim still running');
  });

  it('runc without kill: kills the planned shim after the bounded Stop, then the sandbox is NOT_FOUND and the shim and its children gone', async () => {
    const id = await runSandbox({ name: 'stuck-runc', namespace: 'knd-stuck', runtimeHandler: requireLab().faultyHandler });
    mine.push(id);
    const app = await startContainer(id, 'app', ['sleep']);
    dropKill(id, true);

    const plan = await planFor(lab.cri, id);
    const shim = shimOf(id);
    assert.ok(shim);
    const step = plan.steps[0];
    assert.equal(plan.steps.length, 1);
    assert.ok(step.action.kind === 'force-stop-sandbox' && step.action.shim?.pid === shim.pid, 'the plan names the shim PID');
    const notes = plan.notes.join('\n');
    assert.match(notes, new RegExp(`PID ${shim.pid} is killed: \\S*containerd-shim-runc-v2 -namespace k8s.io -id ${id}`));
    assert.match(notes, new RegExp(`containers of this pod: app \\(${app.slice(0, 12)}, RUNNING\\)`), notes);
    assert.match(notes, /child processes: \d+ pause, \d+ tool/);
    const children = childrenOf(shim.pid);
    assert.equal(children.length, 2, 'pause and the app');

    const audit = new MemoryAuditSink();
    const report = await labExecutor(lab.cri, audit).execute(plan);
    assert.equal(report.results[0].outcome, 'done', JSON.stringify(report.results));
    assert.match(report.results[0].detail, new RegExp(`StopPodSandbox did not finish .*; SIGKILL sent to shim PID ${shim.pid}; stopped and removed`));
    assert.equal(await state(lab.cri, id), 'NOT_FOUND');
    assert.equal(alive(shim.pid, shim.start), false, 'shim gone');
    for (const c of children) assert.equal(alive(c.pid, c.start), false, `child ${c.pid} gone`);
    // Write-ahead: the intent is on record before the step acts, then its outcome.
    assert.deepEqual(audit.entries.map((e) => [e.phase, e.action, e.result]), [['intent', 'force-stop-sandbox', 'intended'], ['outcome', 'force-stop-sandbox', 'done']]);
    assert.match(audit.entries[1].after, new RegExp(`NOT_FOUND; shim PID ${shim.pid} gone`));
  });

  it('real gVisor (runsc, ptrace): the stuck Stop ends with the shim killed and the sandbox NOT_FOUND', async function () {
    const handler = requireLab().runscHandler;
    if (!handler) this.skip(); // runsc not installed: the harness installs it (Debian package runsc)
    const id = await runSandbox({ name: 'stuck-gvisor', namespace: 'knd-stuck', runtimeHandler: handler });
    mine.push(id);
    const shim = shimOf(id);
    assert.ok(shim);
    const plan = await planFor(lab.cri, id);
    assert.match(plan.notes.join('\n'), /child processes: \d+ runsc-(gofer|sandbox), \d+ runsc-(gofer|sandbox)\./);
    const children = childrenOf(shim.pid);
    assert.equal(children.length, 2, 'runsc-gofer and runsc-sandbox');
    const started = Date.now();
    const report = await labExecutor(lab.cri, new MemoryAuditSink()).execute(plan);
    assert.equal(report.results[0].outcome, 'done', JSON.stringify(report.results));
    // The first Stop really hung: gVisor's sandbox stays Ready until its shim is gone.
    assert.match(report.results[0].detail, /StopPodSandbox did not finish .*SIGKILL sent to shim PID/);
    assert.ok(Date.now() - started >= STOP_DEADLINE_MS - 50);
    assert.equal(await state(lab.cri, id), 'NOT_FOUND');
    assert.equal(alive(shim.pid, shim.start), false, 'shim gone');
    for (const c of children) assert.equal(alive(c.pid, c.start), false, `gVisor process ${c.pid} gone`);
  });

  it('refuses to kill when the planned PID is another process at act time, and leaves the sandbox Ready', async () => {
    const id = await runSandbox({ name: 'stuck-recheck', namespace: 'knd-stuck', runtimeHandler: requireLab().faultyHandler });
    mine.push(id);
    dropKill(id, true);
    const plan = await planFor(lab.cri, id);
    const shim = shimOf(id);
    assert.ok(shim);
    // Between plan and act the PID came to name another process: a decoy stands in for the reused PID.
    const decoy = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const decoyPid = decoy.pid as number;
      await sleep(50);
      const step = plan.steps[0];
      assert.ok(step.action.kind === 'force-stop-sandbox' && step.action.shim);
      const forged: RepairPlan = { ...plan, steps: [{ ...step, action: { ...step.action, shim: { ...step.action.shim, pid: decoyPid, startTime: startTimeOf(decoyPid) } } }] };
      const audit = new MemoryAuditSink();
      const report = await labExecutor(lab.cri, audit).execute(forged);
      assert.equal(report.results[0].outcome, 'refused', JSON.stringify(report.results));
      assert.equal(report.results[0].reason, 'precondition-changed');
      assert.match(report.results[0].detail, new RegExp(`PID ${decoyPid} runs "sleep 60" now, not the planned command line; nothing was killed`));
      assert.ok(alive(decoyPid, startTimeOf(decoyPid)), 'the decoy was not killed');
      assert.deepEqual(audit.entries.map((e) => e.result), ['intended', 'refused']);
      // Same PID, another start time: the PID was reused.
      const reused: RepairPlan = { ...plan, steps: [{ ...step, action: { ...step.action, shim: { ...step.action.shim, startTime: String(Number(shim.start) + 1) } } }] };
      const again = await labExecutor(lab.cri, new MemoryAuditSink()).execute(reused);
      assert.equal(again.results[0].outcome, 'refused');
      assert.match(again.results[0].detail, new RegExp(`PID ${shim.pid} has start time ${shim.start} now`));
      assert.ok(alive(shim.pid, shim.start), 'the real shim was not killed either');
      assert.equal(await state(lab.cri, id), 'SANDBOX_READY');
    } finally {
      decoy.kill('SIGKILL');
    }
  });

  it('CLI: repair --stuck-sandbox PREFIX prints the plan with --dry-run and runs it with --yes', async function () {
    if (!fs.existsSync(CLI)) this.skip();
    const env = requireLab();
    const id = await runSandbox({ name: 'stuck-cli', namespace: 'knd-stuck', runtimeHandler: env.faultyHandler });
    mine.push(id);
    dropKill(id, true);
    const shim = shimOf(id);
    assert.ok(shim);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-stuck-'));
    try {
      const base = ['repair', '--host-root', env.hostRoot ?? '/', '--runtime-endpoint', env.endpoint, '--stuck-sandbox', id.slice(0, 12), '--stop-timeout', '2s', '--audit-log', path.join(dir, 'audit.jsonl')];
      const node = (args: string[]): { code: number; out: string } => {
        const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: repoRoot(), timeout: 60_000 });
        return { code: run.status ?? 1, out: `${run.stdout}${run.stderr}` };
      };
      const dry = node([...base, '--dry-run']);
      assert.equal(dry.code, 0, dry.out);
      assert.match(dry.out, new RegExp(`\\[high risk\\] Force-stop stuck sandbox ${id.slice(0, 12)} \\(knd-stuck/stuck-cli\\)`));
      assert.match(dry.out, new RegExp(`kill -KILL ${shim.pid}`));
      assert.match(dry.out, /Dry run: nothing was changed/);
      assert.equal(await state(lab.cri, id), 'SANDBOX_READY');
      const bad = node([...base.slice(0, -6), '--stuck-sandbox', 'zz', '--dry-run']);
      assert.equal(bad.code, 2, bad.out);
      const yes = node([...base, '--yes']);
      assert.equal(yes.code, 0, yes.out);
      assert.match(yes.out, /01-force-stop-sandbox {2}DONE: .*SIGKILL sent to shim PID/);
      assert.equal(await state(lab.cri, id), 'NOT_FOUND');
      assert.equal(alive(shim.pid, shim.start), false);
      const record = JSON.parse(fs.readFileSync(path.join(dir, 'audit.jsonl'), 'utf8').trim().split('\n').pop() ?? '{}') as { action?: string; result?: string };
      assert.deepEqual([record.action, record.result], ['force-stop-sandbox', 'done']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Stuck sandboxes through the bridge: found by joining the API\'s pods, force-stopped in the host-pid profile (CLI)', function () {
  this.timeout(120_000);
  const lab = useLabRuntime();
  let standIn: LabStandIn | undefined;
  const mine: string[] = [];

  before(async function () {
    const paths = labPaths();
    if (!paths || !fs.existsSync(CLI)) this.skip();
    standIn = await startLabStandIn(paths);
  });
  afterEach(async () => {
    if (!labEnv()) return;
    for (const id of mine.splice(0)) await release(lab.cri, id);
  });
  after(async () => {
    await standIn?.close();
  });

  /** The bundled CLI, run asynchronously: the API stand-in answers from this process. */
  const cli = runCli;

  it('a pod deleted 10 min ago whose sandbox is still Ready is a sandbox-stop-timeout finding; the repair asks for host-pid, then kills the shim', async () => {
    const env = standIn as LabStandIn;
    const stuckUid = randomUUID();
    const healthyUid = randomUUID();
    const stuck = await runSandbox({ name: 'web-0', namespace: 'knd-bridge-stuck', uid: stuckUid, runtimeHandler: requireLab().faultyHandler });
    mine.push(stuck);
    dropKill(stuck, true);
    const healthy = await runSandbox({ name: 'web-1', namespace: 'knd-bridge-stuck', uid: healthyUid });
    mine.push(healthy);
    const healthyShim = shimOf(healthy);
    assert.ok(healthyShim);
    const deleted = new Date(Date.now() - 10 * 60_000).toISOString();
    env.standIn.workloadPods.push(
      { metadata: { name: 'web-0', namespace: 'knd-bridge-stuck', uid: stuckUid, deletionTimestamp: deleted, deletionGracePeriodSeconds: 30 }, spec: { nodeName: env.node }, status: { phase: 'Running' } },
      { metadata: { name: 'web-1', namespace: 'knd-bridge-stuck', uid: healthyUid }, spec: { nodeName: env.node }, status: { phase: 'Running' } },
      { metadata: { name: 'elsewhere', namespace: 'knd-bridge-stuck', uid: randomUUID(), deletionTimestamp: deleted }, spec: { nodeName: 'node-0000' } },
    );
    const where = ['--kubeconfig', env.kubeconfig, '--context', 'lab', '--node', env.node];
    const inspect = await cli(['inspect', ...where, '--json']);
    assert.equal(inspect.code, 0, inspect.stderr);
    const findings = (JSON.parse(inspect.stdout) as { findings: { id: string; category: string; repair?: string; sandboxId?: string }[] }).findings.filter((f) => f.category === 'sandbox-stop-timeout');
    assert.deepEqual(findings.map((f) => [f.id, f.repair, f.sandboxId]), [[`sandbox-stop-timeout:${stuck}`, 'force-stop-stuck-sandbox', stuck]]);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-stuck-bridge-'));
    try {
      const repair = ['repair', ...where, '--finding', `sandbox-stop-timeout:${stuck}`, '--stop-timeout', '2s', '--audit-log', path.join(dir, 'audit.jsonl')];
      const blind = await cli([...repair, '--yes']);
      assert.equal(blind.code, 2, blind.stderr);
      assert.match(blind.stdout, /Needs the node's processes: .* host-pid profile/);
      assert.match(blind.stderr, /--bridge-profile host-pid/);
      assert.equal(await state(lab.cri, stuck), 'SANDBOX_READY', 'nothing done without host-pid');

      const shim = shimOf(stuck);
      assert.ok(shim);
      const run = await cli([...repair, '--bridge-profile', 'host-pid', '--yes']);
      assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
      assert.match(run.stdout, new RegExp(`PID ${shim.pid} is killed: \\S*containerd-shim-runc-v2 -namespace k8s.io -id ${stuck}`));
      assert.match(run.stdout, new RegExp(`01-force-stop-sandbox {2}DONE: StopPodSandbox did not finish .*SIGKILL sent to shim PID ${shim.pid}`));
      assert.equal(await state(lab.cri, stuck), 'NOT_FOUND');
      assert.equal(alive(shim.pid, shim.start), false, 'shim gone');
      assert.equal(await state(lab.cri, healthy), 'SANDBOX_READY', 'the healthy pod is untouched');
      assert.ok(alive(healthyShim.pid, healthyShim.start));
      assert.equal(env.standIn.podsIn('kube-system').length, 0, 'no bridge pod left');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
