import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BridgeNodeAccess } from '../../../src/core/bridge/bridgeNodeAccess';
import { READ_SCRIPT, STDIN_SCRIPT } from '../../../src/core/bridge/bridgeScripts';
import type { BridgeExecutor } from '../../../src/core/bridge/bridgeNodeAccess';
import { planMounts } from '../../../src/core/bridge/podSpec';
import { NodeDoctorError } from '../../../src/core/errors';
import { LocalNodeAccess } from '../../../src/core/node/localNodeAccess';
import type { RunResult } from '../../../src/core/node/nodeAccess';

interface ExecutorOptions {
  /** Like an exec under v4: stdin is written but never closed (no end-of-file can be sent). */
  readonly keepStdinOpen?: boolean;
  /** PATH for the commands (e.g. a directory of busybox applets). */
  readonly pathDir?: string;
}

/** Runs argv on this machine with the pod's `/host` prefix mapped onto `root` (what the API stand-in does). */
function executor(root: string, seen: string[][], options: ExecutorOptions = {}, stdins: (Buffer | undefined)[] = []): BridgeExecutor {
  return {
    exec: (argv, exec) => new Promise<RunResult>((resolve, reject) => {
      seen.push([...argv]);
      stdins.push(exec.stdin);
      const mapped = argv.map((a) => a.replace(/^\/host(?=\/|$)/, root));
      const env = options.pathDir ? { ...process.env, PATH: options.pathDir } : process.env;
      const child = spawn(options.pathDir && mapped[0] === 'sh' ? path.join(options.pathDir, 'sh') : mapped[0], mapped.slice(1), { timeout: exec.timeoutMs, env });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => err.push(c));
      child.on('error', reject);
      child.on('close', (code, signal) => {
        child.stdin.destroy();
        if (signal === 'SIGTERM') reject(new NodeDoctorError('timeout', `${argv[0]} timed out`));
        else resolve({ exitCode: code ?? 1, stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
      });
      child.stdin.on('error', () => undefined);
      if (options.keepStdinOpen) { if (exec.stdin) child.stdin.write(exec.stdin); } else child.stdin.end(exec.stdin ?? Buffer.alloc(0));
    }),
    relay: () => Promise.reject(new Error('no relay in this test')),
  };
}

/** A directory of `name -> target` symlinks, to run the bridge's commands with a chosen tool set. */
function toolDir(tools: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-tools-'));
  for (const [name, target] of Object.entries(tools)) fs.symlinkSync(target, path.join(dir, name));
  return dir;
}

function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  return undefined;
}

const RESULTS = '/var/lib/cni/results';

describe('bridge node access: bulk reads and writes over exec', function () {
  this.timeout(60_000);
  let root: string;
  let results: string;
  const names: string[] = [];
  const seen: string[][] = [];
  const mounts = planMounts();

  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-bulk-'));
    results = path.join(root, 'var/lib/cni/results');
    fs.mkdirSync(results, { recursive: true });
    for (let i = 0; i < 200; i++) {
      const name = `cbr0-${i.toString(16).padStart(64, '0')}-eth0`;
      fs.writeFileSync(path.join(results, name), JSON.stringify({ kind: 'cniCacheV1', containerId: String(i), pad: 'x'.repeat(i) }));
      names.push(name);
    }
    fs.writeFileSync(path.join(results, 'empty'), '');
    fs.writeFileSync(path.join(results, 'exact'), 'y'.repeat(4096));
    fs.writeFileSync(path.join(results, 'too-large'), 'z'.repeat(4097));
    fs.writeFileSync(path.join(results, 'name with spaces: and colon'), 'spaced');
    fs.writeFileSync(path.join(results, `long-${'l'.repeat(200)}`), 'long');
    fs.linkSync(path.join(results, 'empty'), path.join(results, 'hard-to-empty'));
    fs.linkSync(path.join(results, 'exact'), path.join(results, 'hard-to-exact'));
    fs.symlinkSync(path.join(results, 'exact'), path.join(results, 'symlink'));
    fs.mkdirSync(path.join(results, 'a-directory'));
    names.push('empty', 'exact', 'too-large', 'name with spaces: and colon', `long-${'l'.repeat(200)}`, 'hard-to-empty', 'hard-to-exact', 'symlink', 'a-directory', 'missing', '-looks-like-an-option', 'exact');
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('reads 200 cache files in one exec with exactly what local access reads (missing, symlink, directory, too large: undefined)', async () => {
    seen.length = 0;
    const bridge = new BridgeNodeAccess(executor(root, seen), { description: 'test', mounts, profile: 'least-privilege' });
    const got = await bridge.readSmallFiles(RESULTS, names, 4096);
    const local = await new LocalNodeAccess({ hostRoot: root }).readSmallFiles(RESULTS, names, 4096);
    assert.equal(seen.length, 1, 'one exec');
    assert.deepEqual(seen[0].slice(0, 7), ['sh', '-c', READ_SCRIPT, 'knd-read', '/host/var/lib/cni/results', '4097', String(16 * 1024 * 1024)]);
    assert.equal(seen[0].length, 8, 'the names travel on stdin, not in argv');
    assert.deepEqual(got, local);
    const at = (name: string): Buffer | undefined => got[names.indexOf(name)];
    assert.equal(at('exact')?.length, 4096, 'a file of exactly maxBytes is read');
    assert.equal(got[got.length - 1]?.length, 4096, 'a repeated name gets the content too');
    assert.equal(at('too-large'), undefined);
    assert.equal(at('symlink'), undefined);
    assert.equal(at('a-directory'), undefined);
    assert.equal(at('missing'), undefined);
    assert.equal(at('hard-to-exact')?.length, 4096, 'a hard link to another requested file');
    assert.equal(at('name with spaces: and colon')?.toString(), 'spaced');
    assert.equal(at(names[199])?.toString(), fs.readFileSync(path.join(results, names[199]), 'utf8'));
    const v4 = new BridgeNodeAccess(executor(root, [], { keepStdinOpen: true }), { description: 'test', mounts, profile: 'least-privilege', timeoutMs: 5_000 });
    assert.deepEqual(await v4.readSmallFiles(RESULTS, names, 4096), local, 'the same when stdin never ends (v4)');
  });

  it('asks for at most 500 names per exec, with an argv of constant length', async () => {
    seen.length = 0;
    const stdins: (Buffer | undefined)[] = [];
    const many = Array.from({ length: 1201 }, (_, i) => (i < names.length ? names[i] : `absent-${i}`));
    const bridge = new BridgeNodeAccess(executor(root, seen, {}, stdins), { description: 'test', mounts, profile: 'least-privilege' });
    const got = await bridge.readSmallFiles(RESULTS, many, 4096);
    assert.equal(seen.length, 3);
    for (const argv of seen) assert.equal(argv.length, 8);
    assert.deepEqual(stdins.map((b) => b?.toString('utf8').split('\0').filter(Boolean).length), [500, 500, 200], 'distinct names only');
    assert.ok(stdins[0]?.toString('utf8').startsWith(`./${many[0]}\0./`), 'each name as ./name, NUL-terminated');
    assert.equal(got.filter((b) => b !== undefined).length, (await new LocalNodeAccess({ hostRoot: root }).readSmallFiles(RESULTS, many, 4096)).filter((b) => b !== undefined).length);
  });

  it('asks again for what the 16 MiB output cap of one exec cut off', async () => {
    const bigDir = path.join(root, 'var/lib/cni/big');
    fs.mkdirSync(bigDir);
    const big = Array.from({ length: 40 }, (_, i) => `big-${i}`);
    for (const [i, name] of big.entries()) fs.writeFileSync(path.join(bigDir, name), Buffer.alloc(1024 * 1024, i));
    seen.length = 0;
    const bridge = new BridgeNodeAccess(executor(root, seen), { description: 'test', mounts, profile: 'least-privilege' });
    const got = await bridge.readSmallFiles('/var/lib/cni/big', big, 1024 * 1024);
    assert.ok(seen.length >= 3, `${seen.length} execs for 40 MiB`);
    assert.ok(seen.length <= 4, `${seen.length} execs for 40 MiB`);
    got.forEach((b, i) => assert.ok(b?.equals(Buffer.alloc(1024 * 1024, i)), `big-${i}`));
  });

  it('reports every name as unreadable when the directory is not there', async () => {
    seen.length = 0;
    const bridge = new BridgeNodeAccess(executor(root, seen), { description: 'test', mounts, profile: 'least-privilege' });
    assert.deepEqual(await bridge.readSmallFiles('/var/lib/cni/none', ['a', 'b'], 4096), [undefined, undefined]);
    assert.equal(seen.length, 1);
  });

  it('fails with the tool\'s message when the image has no tar, instead of reporting every file as missing', async () => {
    const tools = toolDir(Object.fromEntries(['sh', 'find', 'head', 'xargs'].map((t) => [t, which(t) ?? `/usr/bin/${t}`])));
    try {
      const bridge = new BridgeNodeAccess(executor(root, [], { pathDir: tools }), { description: 'test', mounts, profile: 'least-privilege' });
      await assert.rejects(bridge.readSmallFiles(RESULTS, names.slice(0, 3), 4096), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'runtime-error' && /tar/.test(e.message));
    } finally {
      fs.rmSync(tools, { recursive: true, force: true });
    }
  });

  it('refuses names that are paths', async () => {
    const bridge = new BridgeNodeAccess(executor(root, []), { description: 'test', mounts, profile: 'least-privilege' });
    for (const bad of ['../x', '..', '.', '', 'a\0b']) {
      await assert.rejects(bridge.readSmallFiles(RESULTS, [bad], 50), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'bad-input', JSON.stringify(bad));
    }
    assert.deepEqual(await bridge.readSmallFiles(RESULTS, [], 50), []);
  });

  it('does the same with busybox sh, find, tar, head and xargs (the Alpine image), also when stdin never ends', async function () {
    const bb = which('busybox');
    if (!bb) this.skip();
    const tools = toolDir(Object.fromEntries(['sh', 'find', 'tar', 'head', 'xargs', 'stat', 'chmod', 'ln', 'rm', 'cat'].map((t) => [t, bb as string])));
    try {
      const bridge = new BridgeNodeAccess(executor(root, [], { pathDir: tools }), { description: 'test', mounts, profile: 'least-privilege' });
      const local = await new LocalNodeAccess({ hostRoot: root }).readSmallFiles(RESULTS, names, 4096);
      assert.deepEqual(await bridge.readSmallFiles(RESULTS, names, 4096), local);
      const v4 = new BridgeNodeAccess(executor(root, [], { pathDir: tools, keepStdinOpen: true }), { description: 'test', mounts, profile: 'least-privilege', timeoutMs: 5_000 });
      assert.deepEqual(await v4.readSmallFiles(RESULTS, names, 4096), local);
      await assert.rejects(v4.writeFile('/var/lib/cni/no-such-dir/x', Buffer.from('x'), 0o600), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'not-found');
      await v4.writeFile('/var/lib/cni/busybox-written', Buffer.from('via busybox'), 0o640);
      assert.equal(fs.readFileSync(path.join(root, 'var/lib/cni/busybox-written'), 'utf8'), 'via busybox');
      assert.equal(fs.statSync(path.join(root, 'var/lib/cni/busybox-written')).mode & 0o777, 0o640);
    } finally {
      fs.rmSync(tools, { recursive: true, force: true });
    }
  });

  for (const keepStdinOpen of [false, true]) {
    const label = keepStdinOpen ? 'when stdin is never closed (v4)' : 'when stdin ends (v5)';
    it(`writes a file of exactly its bytes with its mode ${label}, never overwriting`, async () => {
      const bridge = new BridgeNodeAccess(executor(root, [], { keepStdinOpen }), { description: 'test', mounts, profile: 'least-privilege', timeoutMs: 5_000 });
      const target = `/var/lib/kube-node-doctor/w-${keepStdinOpen ? 'v4' : 'v5'}`;
      fs.mkdirSync(path.join(root, 'var/lib/kube-node-doctor'), { recursive: true });
      const content = Buffer.concat([Buffer.from('{"cniVersion":"1.0.0"}\n\u0000'), Buffer.alloc(200_000, 7)]);
      await bridge.writeFile(target, content, 0o600);
      assert.deepEqual(fs.readFileSync(path.join(root, target)), content);
      assert.equal(fs.statSync(path.join(root, target)).mode & 0o777, 0o600);
      await assert.rejects(bridge.writeFile(target, Buffer.from('x'), 0o600), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'precondition-changed');
      await assert.rejects(bridge.writeFile('/var/lib/kube-node-doctor/no-such-dir/x', content, 0o600), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'not-found');
      await bridge.writeFile(`${target}-empty`, Buffer.alloc(0), 0o644);
      assert.equal(fs.statSync(path.join(root, `${target}-empty`)).size, 0);
      assert.deepEqual(fs.readdirSync(path.join(root, 'var/lib/kube-node-doctor')).filter((n) => n.includes('.knd-')), [], 'no temp file left');
    });
  }

  it('reports a write whose stdin ended early instead of keeping a short file', async () => {
    const short: BridgeExecutor = {
      exec: (argv, options) => executor(root, []).exec(argv, { ...options, stdin: options.stdin?.subarray(0, 3) }),
      relay: () => Promise.reject(new Error('no relay')),
    };
    const bridge = new BridgeNodeAccess(short, { description: 'test', mounts, profile: 'least-privilege' });
    await assert.rejects(bridge.writeFile('/var/lib/kube-node-doctor/short', Buffer.from('0123456789'), 0o600), (e: unknown) => e instanceof NodeDoctorError && /short write: 3 of 10 bytes/.test(e.message));
    assert.equal(fs.existsSync(path.join(root, 'var/lib/kube-node-doctor/short')), false);
  });

  it('gives a node command exactly its stdin followed by end-of-file even when the exec cannot close stdin', async () => {
    const argvs: (readonly string[])[] = [];
    const recorded = executor(root, [], { keepStdinOpen: true });
    const strong = new BridgeNodeAccess({
      exec: (argv, options) => {
        argvs.push(argv);
        // Drop the nsenter prefix: run the rest here.
        const at = argv.indexOf('nsenter');
        return recorded.exec([...argv.slice(0, at), ...argv.slice(at + 9)], options);
      },
      relay: () => Promise.resolve(),
    }, { description: 'test', mounts, profile: 'host-pid', timeoutMs: 5_000 });
    const result = await strong.run(['cat'], { timeoutMs: 5_000, stdin: Buffer.from('{"cniVersion":"1.0.0"}') });
    assert.deepEqual(argvs[0], ['sh', '-c', STDIN_SCRIPT, 'knd-stdin', '22', 'nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p', '--', 'cat']);
    assert.equal(result.exitCode, 0);
    assert.equal(result.stdout.toString(), '{"cniVersion":"1.0.0"}');
  });
});
