import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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
