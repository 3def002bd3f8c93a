import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NodePod } from '../../../src/core/cluster/podsOnNode';
import { stuckSandboxFindings, withStuckSandboxFindings } from '../../../src/core/inventory/stuckSandboxes';
import type { ContainerItem, Inventory, SandboxItem } from '../../../src/core/inventory/types';
import type { ProcessInfo } from '../../../src/core/node/processes';
import { planRepairs } from '../../../src/core/repair/planner';
import { forceStopManualCommand, needsHostProcesses, planForceStop, resolveSandboxId, selectShim } from '../../../src/core/repair/stuckSandbox';
import type { ShimDiscovery } from '../../../src/core/repair/stuckSandbox';

const ID = '0b342306f5557b329c3b541eaa037f00784336125710118eeecbd18c43cd6108';
const OTHER = '0b34aaaaf5557b329c3b541eaa037f00784336125710118eeecbd18c43cd6108';
const NOW = 1_800_000_000_000;
const ENDPOINT = 'unix:///run/containerd/containerd.sock';
const shimArgv = ['/usr/bin/containerd-shim-runc-v2', '-namespace', 'k8s.io', '-id', ID, '-address', '/run/containerd/containerd.sock'];

function sandbox(id: string, state: SandboxItem['state'], uid: string, ageMs = 3_600_000): SandboxItem {
  return { id, state, name: 'web-0', namespace: 'prod', uid, attempt: 0, createdAtMs: NOW - ageMs, runtimeHandler: 'runsc', ips: [] };
}

function inventory(sandboxes: SandboxItem[], containers: ContainerItem[] = []): Inventory {
  return {
    node: 'n1', access: 'local', generatedAt: '', cniCacheDir: '/var/lib/cni', runtime: { endpoint: ENDPOINT, runtimeName: 'containerd', runtimeVersion: '1.6.20', runtimeApiVersion: 'v1', conditions: [] },
    sandboxes, containers, cniCache: [], cniNetworks: [], findings: [], listSizes: [],
    listStrategy: { sandboxes: 'single-list', containers: 'single-list', complete: true, notes: [] },
    counts: { sandboxes: 0, readySandboxes: 0, notReadySandboxes: 0, containers: 0, runningContainers: 0, exitedContainers: 0, cacheFiles: 0, unreadableCacheFiles: 0, perPod: [] },
    timingsMs: {},
  };
}

const proc = (pid: number, ppid: number, comm: string, argv?: string[], state = 'S'): ProcessInfo => ({ pid, ppid, comm, state, startTime: String(1000 + pid), ...(argv ? { argv } : {}) });

describe('stuck sandbox: shim selection', () => {
  it('takes the containerd shim whose -id is the sandbox, with its children; not a gofer that names the ID in a path', () => {
    const found = selectShim([
      proc(10, 1, 'containerd-shim', shimArgv),
      proc(11, 10, 'exe', ['runsc-gofer', `--log=/run/containerd/io.containerd.runtime.v2.task/k8s.io/${ID}/log.json`]),
      proc(12, 10, 'exe', ['runsc-sandbox', `--log=/run/containerd/io.containerd.runtime.v2.task/k8s.io/${ID}/log.json`]),
      proc(20, 1, 'containerd-shim', [...shimArgv.slice(0, 4), OTHER, ...shimArgv.slice(5)]),
      proc(21, 20, 'pause'),
    ], ID, ENDPOINT, '/proc');
    assert.equal(found.kind, 'found');
    assert.ok(found.kind === 'found');
    assert.deepEqual(found.shim, { pid: 10, startTime: '1010', argv: shimArgv });
    assert.deepEqual(found.children.map((c) => c.pid), [11, 12]);
  });

  it('prefers the shim of this runtime\'s socket, ignores zombies, and calls two claimants ambiguous', () => {
    const other = [...shimArgv.slice(0, 6), '/run/k3s/containerd/containerd.sock'];
    const picked = selectShim([proc(10, 1, 'c', other), proc(11, 1, 'c', shimArgv), proc(12, 1, 'c', shimArgv, 'Z')], ID, ENDPOINT, '/proc');
    assert.ok(picked.kind === 'found' && picked.shim.pid === 11);
    assert.equal(selectShim([proc(10, 1, 'c', shimArgv), proc(11, 1, 'c', shimArgv)], ID, ENDPOINT, '/proc').kind, 'ambiguous');
    assert.equal(selectShim([proc(10, 1, 'c', ['sleep', '-id', ID])], ID, ENDPOINT, '/proc').kind, 'none');
  });
});

describe('stuck sandbox: the plan', () => {
  const found: ShimDiscovery = { kind: 'found', shim: { pid: 4242, startTime: '93693', argv: shimArgv }, children: [proc(4250, 4242, 'pause'), proc(4251, 4242, 'exe', ['runsc-gofer'])], where: '/proc' };
  const app: ContainerItem = { id: 'c'.repeat(64), name: 'app', state: 'CONTAINER_RUNNING', sandboxId: ID, attempt: 0, image: 'nginx', createdAtMs: NOW };

  it('says which process it will kill, under which re-check, and what else that shim serves', () => {
    const plan = planForceStop(inventory([sandbox(ID, 'SANDBOX_READY', 'u1')], [app]), { sandboxId: ID, reason: 'pod prod/web-0 was deleted 10 min ago', stopTimeoutMs: 30_000, nowMs: NOW }, found);
    assert.equal(plan.steps.length, 1);
    const step = plan.steps[0];
    assert.equal(step.title, 'Force-stop stuck sandbox 0b342306f555 (prod/web-0): StopPodSandbox with a 30 s deadline; if it does not finish, SIGKILL its shim PID 4242, then stop and remove it');
    assert.equal(step.risk, 'high');
    assert.equal(step.repair, 'force-stop-stuck-sandbox');
    assert.equal(step.findingId, `sandbox-stop-timeout:${ID}`);
    assert.equal(step.precondition, 'the sandbox still exists; before the kill: still SANDBOX_READY, and PID 4242 still has start time 93693 and the planned command line');
    assert.deepEqual(plan.notes, [
      'Why: pod prod/web-0 was deleted 10 min ago',
      `If the stop does not finish within 30 s, PID 4242 is killed: /usr/bin/containerd-shim-runc-v2 -namespace k8s.io -id ${ID} -address /run/containerd/containerd.sock (start time 93693 in /proc), and only if that PID still has this start time and command line right before the kill.`,
      `That shim serves the containers of this pod: app (cccccccccccc, RUNNING); its child processes: 4250 pause, 4251 runsc-gofer. Killing it ends all of them.`,
    ]);
    assert.equal(needsHostProcesses(plan), false);
  });

  it('without sight of the node\'s processes: plans no PID and says the host-pid profile is needed', () => {
    const plan = planForceStop(inventory([sandbox(ID, 'SANDBOX_READY', 'u1')]), { sandboxId: ID, reason: 'r' }, { kind: 'hidden', reason: 'bridge pod … cannot see the node\'s processes' });
    assert.equal(needsHostProcesses(plan), true);
    assert.ok(plan.steps[0].action.kind === 'force-stop-sandbox' && plan.steps[0].action.shim === undefined);
    assert.match(plan.notes.join('\n'), /host-pid profile before this runs \(you are asked first\)/);
    assert.match(plan.steps[0].manualCommand, /^crictl --runtime-endpoint unix:\/\/\/run\/containerd\/containerd.sock --timeout 30s stopp [0-9a-f]{64} && crictl .* rmp [0-9a-f]{64}$/);
  });

  it('plans from a sandbox-stop-timeout finding of the inventory when its shim was looked for', () => {
    const withFinding = withStuckSandboxFindings(inventory([sandbox(ID, 'SANDBOX_READY', 'u1')]), [{ uid: 'u1', namespace: 'prod', name: 'web-0', deletionTimestamp: new Date(NOW - 600_000).toISOString() }], { nowMs: NOW });
    const finding = withFinding.findings[0];
    const plan = planRepairs(withFinding, [finding.id], { nowMs: NOW, shims: new Map([[ID, found]]) });
    assert.deepEqual(plan.steps.map((s) => [s.id, s.action.kind]), [['01-force-stop-sandbox', 'force-stop-sandbox']]);
    assert.match(plan.notes.join('\n'), /PID 4242 is killed/);
    const blind = planRepairs(withFinding, [finding.id], { nowMs: NOW });
    assert.equal(blind.steps.length, 0);
    assert.match(blind.notes[0], /shim was not looked for/);
  });

  it('resolves a unique prefix, and refuses an unknown, ambiguous or non-hex one', () => {
    const list = [sandbox(ID, 'SANDBOX_READY', 'u1'), sandbox(OTHER, 'SANDBOX_READY', 'u2')];
    assert.equal(resolveSandboxId(list, '0B342306'), ID);
    assert.throws(() => resolveSandboxId(list, '0b34'), /2 sandboxes start with 0b34/);
    assert.throws(() => resolveSandboxId(list, 'ffff'), /lists no sandbox starting with ffff/);
    assert.throws(() => resolveSandboxId(list, '$(id)'), (e: unknown) => (e as { reason?: string }).reason === 'invalid-id');
  });
});

describe('stuck sandbox: the manual command is the step, shell-quoted', function () {
  this.timeout(20_000);
  it('kills the planned process by hand only while its command line matches, whatever bytes that holds', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-manual-'));
    // A stand-in crictl: logs its argv; `--timeout` stops fail (the hang), the rest succeed.
    fs.writeFileSync(path.join(dir, 'crictl'), `#!/bin/sh\necho "$*" >> "${dir}/calls"\ncase "$*" in *--timeout*) exit 1;; esac\nexit 0\n`, { mode: 0o755 });
    const hostile = `it's $(touch ${dir}/pwned) \`touch ${dir}/pwned2\``;
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', hostile], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 200));
      const argv = fs.readFileSync(`/proc/${child.pid}/cmdline`).toString('utf8').split('\0').slice(0, -1);
      const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_c, s) => r(s)));
      const wrong = forceStopManualCommand(ENDPOINT, ID, 5000, { pid: child.pid as number, startTime: '1', argv: [...argv.slice(0, -1), 'other'] });
      spawnSync('sh', ['-c', wrong], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
      assert.equal(child.exitCode, null, 'a different command line is not killed');
      const command = forceStopManualCommand(ENDPOINT, ID, 5000, { pid: child.pid as number, startTime: '1', argv });
      const run = spawnSync('sh', ['-c', command], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }, encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      assert.equal(await exited, 'SIGKILL');
      assert.equal(fs.existsSync(path.join(dir, 'pwned')) || fs.existsSync(path.join(dir, 'pwned2')), false, 'nothing in the argv ran');
      const calls = fs.readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n');
      assert.deepEqual(calls.slice(-3), [`--runtime-endpoint ${ENDPOINT} --timeout 5s stopp ${ID}`, `--runtime-endpoint ${ENDPOINT} stopp ${ID}`, `--runtime-endpoint ${ENDPOINT} rmp ${ID}`]);
    } finally {
      child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('stuck sandbox: the API\'s pods joined with the node\'s sandboxes', () => {
  const pod = (uid: string, extra: Partial<NodePod> = {}): NodePod => ({ uid, namespace: 'prod', name: 'web-0', ...extra });
  const at = (msAgo: number): string => new Date(NOW - msAgo).toISOString();

  it('flags a Ready sandbox of a pod Terminating past its deletion time plus the margin, not within it', () => {
    const sandboxes = [sandbox(ID, 'SANDBOX_READY', 'u1')];
    const late = stuckSandboxFindings(sandboxes, [pod('u1', { deletionTimestamp: at(5 * 60_000), deletionGracePeriodSeconds: 30 })], { nowMs: NOW });
    assert.deepEqual(late.map((f) => [f.id, f.category, f.repair, f.rule, f.severity]), [[`sandbox-stop-timeout:${ID}`, 'sandbox-stop-timeout', 'force-stop-stuck-sandbox', 'pod-terminating-sandbox-ready', 'error']]);
    assert.equal(late[0].title, 'Pod prod/web-0 is Terminating 5 min past its grace period, its sandbox 0b342306f555 still Ready');
    assert.equal(stuckSandboxFindings(sandboxes, [pod('u1', { deletionTimestamp: at(30_000) })], { nowMs: NOW }).length, 0);
    assert.equal(stuckSandboxFindings(sandboxes, [pod('u1')], { nowMs: NOW }).length, 0, 'a live pod');
  });

  it('flags a Ready sandbox whose pod is gone from the API; not a NotReady one, a young one, or a static pod with its mirror', () => {
    assert.equal(stuckSandboxFindings([sandbox(ID, 'SANDBOX_READY', 'u1')], [], { nowMs: NOW })[0]?.rule, 'pod-deleted-sandbox-ready');
    assert.equal(stuckSandboxFindings([sandbox(ID, 'SANDBOX_NOTREADY', 'u1')], [], { nowMs: NOW }).length, 0);
    assert.equal(stuckSandboxFindings([sandbox(ID, 'SANDBOX_READY', 'u1', 10_000)], [], { nowMs: NOW }).length, 0);
    assert.equal(stuckSandboxFindings([sandbox(ID, 'SANDBOX_READY', 'static-hash')], [pod('mirror-uid', { mirrorOf: 'static-hash' })], { nowMs: NOW }).length, 0);
  });
});
