import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BridgeProcessAccess, parseScanOutput } from '../../../src/core/bridge/bridgeProcesses';
import type { BridgeExecutor } from '../../../src/core/bridge/bridgeNodeAccess';
import { flagValue, identityChange, isContainerdShim, LocalProcessAccess, parseCmdline, parseStat, parseStatLines, shimIdOf } from '../../../src/core/node/processes';

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/processes');
const fixture = (name: string): Buffer => fs.readFileSync(path.join(FIXTURES, name));
const RUNC_ID = 'e4a910bada4d15d1deea378646f6e71f8bb48fc5c0dfbb44d65e22bf1f9381d4';

describe('node processes: /proc parsing and shim discovery', () => {
  it('parses a real containerd-shim-runc-v2 command line into its argv and sandbox ID', () => {
    const argv = parseCmdline(fixture('shim-runc-v2.cmdline'));
    assert.deepEqual(argv, ['/usr/bin/containerd-shim-runc-v2', '-namespace', 'k8s.io', '-id', RUNC_ID, '-address', '/run/containerd/containerd.sock']);
    assert.equal(isContainerdShim(argv), true);
    assert.equal(shimIdOf(argv), RUNC_ID);
    assert.equal(flagValue(argv, 'address'), '/run/containerd/containerd.sock');
  });

  it('does not take a runsc gofer, whose paths name the sandbox, for its shim', () => {
    const argv = parseCmdline(fixture('runsc-gofer.cmdline'));
    assert.equal(argv[0], 'runsc-gofer');
    assert.ok(argv.some((a) => a.includes('1539506e4ba8fa3452b2388f2536f6c6a5f83331ec77049cc139bba4dd27cda3')));
    assert.equal(shimIdOf(argv), undefined);
  });

  it('reads the -id flag in every Go flag spelling, only from containerd shims, and stops at --', () => {
    const id = 'a'.repeat(64);
    for (const argv of [['containerd-shim-runsc-v1', '-id', id], ['/x/containerd-shim-kata-v2', '--id', id], ['containerd-shim-runc-v2', `-id=${id}`], ['containerd-shim-runc-v2', `--id=${id}`]]) {
      assert.equal(shimIdOf(argv), id, argv.join(' '));
    }
    assert.equal(shimIdOf(['sleep', '-id', id]), undefined);
    assert.equal(shimIdOf(['containerd-shim-runc-v2', '--', '-id', id]), undefined);
    assert.equal(shimIdOf(['containerd-shim-runc-v2', '-id']), undefined);
    assert.deepEqual(parseCmdline(Buffer.alloc(0)), []);
    assert.deepEqual(parseCmdline(Buffer.from('a\0\0b\0')), ['a', '', 'b']);
  });

  it('parses real stat lines: PID, parent, state and start time (field 22)', () => {
    const shim = parseStat(fixture('shim-runc-v2.stat').toString('utf8').trimEnd());
    assert.deepEqual(shim, { pid: 2997, ppid: 1, comm: 'containerd-shim', state: 'S', startTime: '93693' });
    const pause = parseStat(fixture('pause.stat').toString('utf8').trimEnd());
    assert.deepEqual(pause && [pause.pid, pause.ppid, pause.comm, pause.startTime], [3048, 2997, 'pause', '93697']);
    assert.equal(parseStat('not a stat line'), undefined);
  });

  it('keeps fields right when comm holds ") (" or a newline', () => {
    const tail = 'S 7 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 555 0 0';
    assert.deepEqual(parseStat(`42 (a) (b) ${tail}`), { pid: 42, ppid: 7, comm: 'a) (b', state: 'S', startTime: '555' });
    const lines = parseStatLines(`1 (init) ${tail}\n43 (two\nlines) ${tail}\n44 (x) ${tail}\n`);
    assert.deepEqual(lines.map((p) => [p.pid, p.comm]), [[1, 'init'], [43, 'two\nlines'], [44, 'x']]);
  });

  it('names what changed when a PID is another process', () => {
    const expect = { pid: 9, startTime: '100', argv: ['containerd-shim-runc-v2', '-id', 'x'] };
    assert.equal(identityChange(expect, { startTime: '100', argv: expect.argv }), undefined);
    assert.match(identityChange(expect, { startTime: '101', argv: expect.argv }) ?? '', /start time 101 now, not 100/);
    assert.match(identityChange(expect, { startTime: '100', argv: ['sleep', '60'] }) ?? '', /runs "sleep 60" now/);
  });

  it('parses the bridge scan: stat lines, then the hex command lines of the matching processes', () => {
    const tail = 'S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 77 0 0';
    const hex = Buffer.from('containerd-shim-runc-v2\0-id\0abc\0').toString('hex');
    const out = parseScanOutput(`10 (containerd-shim) ${tail}\n11 (pause) ${tail.replace('S 1', 'S 10')}\n--knd-cmdlines--\nC 10 ${hex}\n`);
    assert.deepEqual(out.map((p) => [p.pid, p.ppid, p.argv]), [[10, 1, ['containerd-shim-runc-v2', '-id', 'abc']], [11, 10, undefined]]);
  });
});

/** Runs the bridge's argv here (its scripts are POSIX sh; this machine's /proc stands in for the host-pid pod's). */
const localExecutor: BridgeExecutor = {
  exec: (argv) => {
    const run = spawnSync(argv[0], argv.slice(1), { timeout: 20_000 });
    return Promise.resolve({ exitCode: run.status ?? 128, stdout: run.stdout, stderr: run.stderr });
  },
  relay: () => Promise.reject(new Error('no relay in this test')),
};

describe('process access (local /proc, and the bridge scripts run by sh)', function () {
  this.timeout(20_000);
  const needle = `knd-needle-${process.pid}-${Date.now()}`;
  for (const [name, make] of [['local', () => new LocalProcessAccess('/')], ['bridge scripts', () => new BridgeProcessAccess(localExecutor, 20_000)]] as const) {
    it(`${name}: finds a process by its command line and kills it only while start time and argv are unchanged`, async () => {
      const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', needle], { stdio: 'ignore' });
      try {
        await new Promise((r) => setTimeout(r, 200));
        const access = make();
        const found = (await access.scan(needle)).find((p) => p.pid === child.pid);
        assert.ok(found?.argv, 'found with its argv');
        assert.deepEqual(found.argv?.slice(-1), [needle]);
        assert.equal(found.ppid, process.pid);
        const identity = { pid: found.pid, startTime: found.startTime, argv: found.argv ?? [] };
        const reused = await access.killIfSame({ ...identity, startTime: String(Number(found.startTime) + 1) });
        assert.equal(reused.kind, 'changed');
        const other = await access.killIfSame({ ...identity, argv: ['containerd-shim-runc-v2', '-id', 'x'] });
        assert.equal(other.kind, 'changed');
        assert.equal(child.exitCode, null, 'not killed by a refused kill');
        const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
        assert.deepEqual(await access.killIfSame(identity), { kind: 'killed' });
        assert.equal(await exited, 'SIGKILL');
        assert.equal((await access.killIfSame(identity)).kind, 'gone');
      } finally {
        child.kill('SIGKILL');
      }
    });
  }

  it('local: refuses to kill through a /proc of another PID namespace (its self link is not this process)', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-proc-'));
    try {
      fs.mkdirSync(path.join(root, 'proc', '1'), { recursive: true });
      fs.symlinkSync('4242', path.join(root, 'proc', 'self'));
      await assert.rejects(new LocalProcessAccess(root).killIfSame({ pid: 1, startTime: '1', argv: [] }), /another PID namespace/);
      await assert.rejects(new LocalProcessAccess(path.join(root, 'none')).scan('x'), /not visible/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
