import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { StdioOptions } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { logFixture, readLogFixture, repoRoot } from '../diagnosis/fixturePaths';

const CLI = path.join(repoRoot, 'dist', 'cli.js');
const SEED = '055b221e44a28ce8d9120f771d5e1ef201f2457ce49c58999a0147104cca2708';

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(args: readonly string[], input?: string | Buffer): Run {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: repoRoot, input: input ?? '', encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the CLI with the given stdio (files, directories, devices), without a shell. */
function cliWithStdio(args: readonly string[], stdio: StdioOptions): Run {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: repoRoot, stdio, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

interface AsyncRun extends Run {
  readonly signal: NodeJS.Signals | null;
  readonly msAfterInterrupt: number;
}

/** Whether a thread of `pid` waits in open() on a FIFO that has no writer (Linux: its wchan is wait_for_partner). */
function waitsForFifoWriter(pid: number): boolean {
  try {
    return fs.readdirSync(`/proc/${pid}/task`).some((tid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/task/${tid}/wchan`, 'utf8').trim() === 'wait_for_partner';
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/** Starts the CLI, sends it SIGINT once `ready(pid)` holds (or after 3 s), and measures how long it takes to end. */
async function interrupted(args: readonly string[], ready: (pid: number) => boolean): Promise<AsyncRun> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const ended = new Promise<{ status: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (status, signal) => resolve({ status, signal }));
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  try {
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline && !(child.pid !== undefined && ready(child.pid))) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const sent = Date.now();
    child.kill('SIGINT');
    const { status, signal } = await ended;
    return { status, signal, stdout, stderr, msAfterInterrupt: Date.now() - sent };
  } finally {
    clearTimeout(timer);
    child.kill('SIGKILL');
  }
}

function assertOneLineError(run: Run, pattern: RegExp): void {
  assert.equal(run.status, 2);
  assert.equal(run.stdout, '');
  const lines = run.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, run.stderr);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
}

describe('kube-node-doctor diagnose (the bundled CLI)', function () {
  this.timeout(60_000);
  let tmp: string;

  before(() => {
    if (!fs.existsSync(CLI)) {
      const build = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
      assert.ok(fs.existsSync(CLI), `could not build dist/cli.js: ${build.stderr}`);
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-cli-'));
  });

  after(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('prints a readable report with the finding, its object, count and fix commands', () => {
    const run = cli(['diagnose', logFixture('seed-cni-cache.log')]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^1 finding in 6 lines \(1\.5 KiB\):/);
    assert.match(run.stdout, /\[error\] Empty or invalid CNI result cache {2}\(cni-cache-corrupt, rule cni-cache-result-invalid\)/);
    assert.match(run.stdout, /object: sandbox 055b221e44a2 · network cbr0/);
    assert.match(run.stdout, /seen: {3}3 times, lines 1, 2, 4/);
    assert.ok(run.stdout.includes(`rm -f /var/lib/cni/results/cbr0-${SEED}-eth0`));
    assert.ok(run.stdout.includes(`crictl rmp ${SEED}`));
  });

  it('prints exactly the documented JSON shape with --json', () => {
    const run = cli(['diagnose', '--json', logFixture('containerd-8197.log')]);
    assert.equal(run.status, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as { findings: Record<string, unknown>[]; linesScanned: number; bytesScanned: number };
    assert.deepEqual(Object.keys(doc), ['findings', 'linesScanned', 'bytesScanned']);
    assert.equal(doc.linesScanned, 4);
    assert.equal(doc.bytesScanned, fs.statSync(logFixture('containerd-8197.log')).size);
    assert.deepEqual(doc.findings[0], {
      category: 'cni-cache-corrupt', rule: 'cni-cache-result-invalid', severity: 'error', title: 'Empty or invalid CNI result cache',
      count: 229, lines: [2], sandboxId: '4285ab7ef1b33097068f6e2dfbf2a71c96129f45d0d6655d47d3dc80db5f0399',
      podUid: 'a7ea2280-7361-4329-8566-89975485b20e', network: 'aws-cni', method: 'StopPodSandbox',
    });
    const allowed = ['category', 'rule', 'severity', 'title', 'count', 'lines', 'sandboxId', 'containerId', 'podUid', 'network', 'method', 'firstSeen', 'lastSeen'];
    for (const finding of doc.findings) {
      assert.ok(Object.keys(finding).every((k) => allowed.includes(k)), Object.keys(finding).join(','));
    }
  });

  it('reads stdin for "-" and when no file is given', () => {
    const text = readLogFixture('pleg.log');
    for (const args of [['diagnose', '-', '--json'], ['diagnose', '--json']]) {
      const run = cli(args, text);
      assert.equal(run.status, 0, run.stderr);
      const doc = JSON.parse(run.stdout) as { findings: { rule: string; count: number }[]; linesScanned: number };
      assert.deepEqual(doc.findings.map((f) => [f.rule, f.count]), [['pleg-unhealthy', 3], ['runtime-unresponsive', 1]]);
      assert.equal(doc.linesScanned, 6);
    }
  });

  it('exits 0 and says so when the log has no known problem', () => {
    const run = cli(['diagnose', logFixture('look-alikes.log')]);
    assert.equal(run.status, 0);
    assert.match(run.stdout, /^No known node or runtime problem found in 10 lines/);
    const json = JSON.parse(cli(['diagnose', '--json', logFixture('look-alikes.log')]).stdout) as { findings: unknown[] };
    assert.deepEqual(json.findings, []);
  });

  it('exits 2 with one line for a missing file, a directory, an unknown option and extra arguments', () => {
    assertOneLineError(cli(['diagnose', path.join(tmp, 'missing.log')]), /^kube-node-doctor diagnose: cannot read .*missing\.log: no such file$/);
    assertOneLineError(cli(['diagnose', tmp]), /: is a directory$/);
    assertOneLineError(cli(['diagnose', '--jsn']), /unknown option "--jsn"/);
    assertOneLineError(cli(['diagnose', 'a.log', 'b.log']), /unexpected argument "b\.log"/);
  });

  it('exits 130 with one line at Ctrl-C while it waits for a writer on a FIFO', async function () {
    if (spawnSync('mkfifo', ['--help']).error !== undefined) {
      this.skip();
    }
    const fifo = path.join(tmp, 'no-writer.fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const run = await interrupted(['diagnose', fifo], waitsForFifoWriter);
    assert.equal(run.signal, null, 'ended by its own exit, not killed');
    assert.equal(run.status, 130);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^kube-node-doctor diagnose: stopped by SIGINT\.\n$/);
    assert.ok(run.msAfterInterrupt < 2000, `took ${run.msAfterInterrupt} ms after SIGINT`);
  });

  it('exits 130 at Ctrl-C while a FIFO writer is connected but sends nothing', async function () {
    if (spawnSync('mkfifo', ['--help']).error !== undefined) {
      this.skip();
    }
    const fifo = path.join(tmp, 'silent-writer.fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    let writer: number | undefined;
    try {
      const run = await interrupted(['diagnose', fifo], (pid) => {
        // Once the CLI waits in open(), connecting a writer moves it on to a read() that gets no data.
        if (writer === undefined && waitsForFifoWriter(pid)) {
          writer = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
        }
        return writer !== undefined && !waitsForFifoWriter(pid);
      });
      assert.equal(run.status, 130, run.stderr);
      assert.match(run.stderr, /^kube-node-doctor diagnose: stopped by SIGINT\.\n$/);
      assert.ok(run.msAfterInterrupt < 2000, `took ${run.msAfterInterrupt} ms after SIGINT`);
    } finally {
      if (writer !== undefined) fs.closeSync(writer);
    }
  });

  it('exits 2 with one line when stdin is a directory', () => {
    const dir = fs.openSync(tmp, 'r');
    try {
      assertOneLineError(cliWithStdio(['diagnose'], [dir, 'pipe', 'pipe']), /^kube-node-doctor diagnose: cannot read stdin: is a directory$/);
    } finally {
      fs.closeSync(dir);
    }
  });

  it('ends with one line and exit 2, no stack trace, when stdout is a full disk', function () {
    if (!fs.existsSync('/dev/full')) {
      this.skip();
    }
    const full = fs.openSync('/dev/full', 'w');
    try {
      for (const args of [['diagnose', logFixture('seed-cni-cache.log')], ['rules']]) {
        const run = cliWithStdio(args, ['ignore', full, 'pipe']);
        assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
        assert.equal(run.stderr, 'kube-node-doctor: cannot write the output: no space left on device (ENOSPC)\n');
      }
    } finally {
      fs.closeSync(full);
    }
  });

  it('stops quietly when the reader of its output goes away (| head -1)', async () => {
    const child = spawn(process.execPath, [CLI, 'diagnose', logFixture('containerd-8197.log')], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader is gone before the first write: EPIPE
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    assert.equal(stderr, '');
    assert.equal(status, 141);
  });

  it('exits 2 for an unknown command and for no command', () => {
    const unknown = cli(['diagnoze']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /^kube-node-doctor: unknown command "diagnoze"/);
    assert.equal(cli([]).status, 2);
    assert.equal(cli(['--help']).status, 0);
  });

  it('scans binary input to the end, exits 0 and notes the NUL bytes on stderr', () => {
    const file = path.join(tmp, 'random.bin');
    fs.writeFileSync(file, Buffer.concat([crypto.randomBytes(3 * 1024 * 1024), Buffer.from(`\n${readLogFixture('seed-cni-cache.log')}`)]));
    const run = cli(['diagnose', '--json', file]);
    assert.equal(run.status, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as { findings: { sandboxId?: string }[]; bytesScanned: number };
    assert.equal(doc.bytesScanned, fs.statSync(file).size);
    assert.ok(doc.findings.some((f) => f.sandboxId === SEED));
    assert.match(run.stderr, /note: [\d,]+ lines? contained NUL bytes/);
  });

  it('handles a single 8 MiB line without a newline, scanning its head', () => {
    const file = path.join(tmp, 'huge.log');
    fs.writeFileSync(file, `${readLogFixture('seed-cni-cache.log').split('\n')[1]} ${'\\"'.repeat(4 * 1024 * 1024)}`);
    const run = cli(['diagnose', '--json', file]);
    assert.equal(run.status, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as { findings: { rule: string; lines: number[] }[]; linesScanned: number };
    assert.equal(doc.linesScanned, 1);
    assert.deepEqual(doc.findings.map((f) => [f.rule, f.lines]), [['cni-cache-result-invalid', [1]]]);
    assert.match(run.stderr, /note: 1 long line \(over 64 KiB\)/);
  });
});

describe('kube-node-doctor rules', function () {
  this.timeout(60_000);

  it('lists every rule with its category', () => {
    const run = cli(['rules']);
    assert.equal(run.status, 0);
    assert.match(run.stdout, /^RULE +CATEGORY +SEVERITY +TITLE\n/);
    assert.match(run.stdout, /\ncni-cache-result-invalid +cni-cache-corrupt +error +Empty or invalid CNI result cache\n/);
  });

  it('prints the catalog as JSON', () => {
    const doc = JSON.parse(cli(['rules', '--json']).stdout) as { rules: { id: string; references: unknown[] }[] };
    assert.ok(doc.rules.some((r) => r.id === 'pleg-unhealthy'));
    assert.ok(doc.rules.every((r) => r.references.length > 0));
  });

  it('rejects unknown options with exit 2', () => {
    assert.equal(cli(['rules', '--md']).status, 2);
  });
});
