// The bridge on the way out: every exit of the CLI (SIGTERM, SIGHUP, SIGINT) deletes its pod; a pod whose DELETE fails
// is named in one line with the command that removes it; an exec-credential plugin that starts failing never has its
// stderr (which may quote tokens) printed. Against the API stand-in only: no runtime lab is needed.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BridgeManager } from '../../src/core/bridge/bridgeManager';
import { WebSocketExecTransport } from '../../src/core/bridge/podExec';
import { describeStranded } from '../../src/core/bridge/stranded';
import { KubeApi } from '../../src/core/cluster/kubeApi';
import { loadKubeconfigs } from '../../src/core/cluster/kubeconfig';
import { describeError } from '../../src/core/errors';
import { ApiStandIn } from '../standin/apiStandIn';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');
const SECRET = 'rt-7f3a9c-NEVER-PRINT-ME';

interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

describe('bridge on every exit path (API stand-in)', function () {
  this.timeout(60_000);
  let standIn: ApiStandIn;
  let dir: string;
  let kubeconfig: string;
  let flag: string;

  before(async function () {
    if (!fs.existsSync(CLI)) this.skip();
    // Pods stay Pending for a minute: a signal always arrives while the CLI waits for its pod.
    standIn = new ApiStandIn({ extraNodes: ['lab-node'], startDelayMs: 60_000 });
    await standIn.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-signals-'));
    flag = path.join(dir, 'refresh-fails');
    const plugin = path.join(dir, 'credential-plugin.sh');
    // Works (prints an ExecCredential with the stand-in's token, no expiry: asked again on every request) until the flag
    // file exists; then fails the way a real refresh does, quoting the refresh token on stderr.
    fs.writeFileSync(plugin, `#!/bin/sh
if [ -e '${flag}' ]; then echo "token refresh failed: refresh_token=${SECRET} (https://user:${SECRET}@idp.invalid)" >&2; exit 1; fi
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' '${standIn.token}'
`, { mode: 0o700 });
    kubeconfig = path.join(dir, 'config');
    fs.writeFileSync(kubeconfig, standIn.kubeconfig([{ name: 'lab' }, { name: 'plugin', exec: { command: plugin } }]), { mode: 0o600 });
  });

  afterEach(() => {
    standIn.failDeletes = false;
    for (const pod of standIn.podsIn('kube-system')) standIn.deleteFromOutside('kube-system', (pod.metadata as { name: string }).name);
    if (fs.existsSync(flag)) fs.rmSync(flag);
  });

  after(async () => {
    await standIn?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Runs `inspect` through the bridge and sends `signal` once its pod exists. */
  function inspectUntilPod(signal: NodeJS.Signals | undefined, context = 'lab'): Promise<Run & { pods: number }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'inspect', '--kubeconfig', kubeconfig, '--context', context, '--node', 'lab-node'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let pods = 0;
      child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
      child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
      child.on('error', reject);
      const poll = setInterval(() => {
        pods = Math.max(pods, standIn.podsIn('kube-system').length);
        if (pods > 0 && signal) { clearInterval(poll); child.kill(signal); }
      }, 20);
      const killer = setTimeout(() => child.kill('SIGKILL'), 45_000);
      child.on('close', (code, sig) => {
        clearInterval(poll);
        clearTimeout(killer);
        resolve({ code, signal: sig, stdout, stderr, pods });
      });
    });
  }

  for (const [signal, code] of [['SIGTERM', 143], ['SIGHUP', 129], ['SIGINT', 130]] as const) {
    it(`deletes its bridge pod when stopped by ${signal}, exits ${code} and says so in one line`, async () => {
      const run = await inspectUntilPod(signal);
      assert.equal(run.pods, 1, 'a pod existed when the signal was sent');
      assert.equal(run.signal, null, `the process handled ${signal} instead of dying by it`);
      assert.equal(run.code, code, run.stderr);
      assert.deepEqual(standIn.podsIn('kube-system'), [], 'no pod left');
      assert.deepEqual(run.stderr.trim().split('\n'), [`kube-node-doctor inspect: stopped by ${signal}.`]);
    });
  }

  it('names a pod it could not delete in one line with the shell-quoted kubectl command, and leaves nothing unsaid', async () => {
    standIn.failDeletes = true;
    const run = await inspectUntilPod('SIGTERM');
    assert.equal(run.code, 143, run.stderr);
    const left = standIn.podsIn('kube-system').map((p) => (p.metadata as { name: string }).name);
    assert.equal(left.length, 1, 'the DELETE failed, the pod is still there');
    const lines = run.stderr.trim().split('\n');
    const named = lines.filter((l) => l.includes(left[0]));
    assert.equal(named.length, 1, run.stderr);
    assert.match(named[0], /^kube-node-doctor: Bridge pod kube-system\/knd-bridge-lab-node-[0-9a-f]{6} on node lab-node could not be deleted \(The API server of context "lab" answered 500: Internal error occurred: etcdserver: request timed out\); remove it with: /);
    assert.ok(named[0].endsWith(`remove it with: kubectl --kubeconfig ${kubeconfig} --context lab -n kube-system delete pod ${left[0]}`), named[0]);
  });

  it('never prints an exec-credential plugin\'s stderr: not through exec, REST, the log or the stranded-pod line', async () => {
    const configs = await loadKubeconfigs({ explicitPath: kubeconfig });
    const log: string[] = [];
    const stranded: string[] = [];
    const manager = new BridgeManager(new KubeApi('plugin', configs.forContext('plugin'), 5_000), {
      pollIntervalMs: 20, startTimeoutMs: 100, log: (l) => log.push(l), onStranded: (p) => stranded.push(describeStranded(p)),
    });
    standIn.failDeletes = false;
    // REST works while the plugin does (the pod is created, then the start times out: the stand-in keeps it Pending).
    await assert.rejects(manager.ensure('lab-node'), (e: unknown) => /still not running/.test(describeError(e)));
    assert.equal(standIn.podsIn('kube-system').length, 0, 'deleted after the failed start');
    // Now the plugin fails: REST (preflight, pod create/delete) and exec both go through it.
    fs.writeFileSync(flag, '');
    const errors: string[] = [];
    await manager.exec('lab-node', ['true'], { timeoutMs: 5_000 }).catch((e: unknown) => errors.push(describeError(e), e instanceof Error ? e.stack ?? '' : ''));
    await new WebSocketExecTransport(configs.forContext('plugin')).exec({ namespace: 'kube-system', name: 'any', container: 'bridge' }, ['true'], { timeoutMs: 5_000 })
      .catch((e: unknown) => errors.push(describeError(e), e instanceof Error ? e.stack ?? '' : ''));
    await manager.dispose();
    assert.equal(errors.length, 4, 'both failed');
    assert.match(errors[2], /Could not open an exec stream to pod kube-system\/any: the connection could not be prepared/);
    const everything = [...errors, ...log, ...stranded].join('\n');
    assert.ok(!everything.includes(SECRET), everything);
    assert.ok(!everything.includes('refresh_token'), everything);
    // The CLI: one line, no secret.
    const cli = await new Promise<Run>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'inspect', '--kubeconfig', kubeconfig, '--context', 'plugin', '--node', 'lab-node'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
      child.on('close', (code, signal) => resolve({ code, signal, stdout: '', stderr }));
    });
    assert.equal(cli.code, 2);
    assert.equal(cli.stderr.trim().split('\n').length, 1, cli.stderr);
    assert.ok(!cli.stderr.includes(SECRET) && !cli.stderr.includes('refresh_token'), cli.stderr);
  });

  it('refuses a node or namespace name that would change the API path, before any request', async () => {
    const before = standIn.stats.requests;
    for (const args of [['--node', '..'], ['--node', '../namespaces/kube-system/secrets'], ['--node', 'lab-node', '--bridge-namespace', '../x']]) {
      const run = await new Promise<Run>((resolve) => {
        const child = spawn(process.execPath, [CLI, 'inspect', '--kubeconfig', kubeconfig, '--context', 'lab', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
        child.on('close', (code, signal) => resolve({ code, signal, stdout: '', stderr }));
      });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /is not a valid (node|namespace) name/);
    }
    assert.equal(standIn.stats.requests, before, 'no request reached the API server');
  });
});
