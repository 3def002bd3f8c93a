import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BridgeNodeAccess } from '../../../src/core/bridge/bridgeNodeAccess';
import { LIST_BATCH_SCRIPT, LIST_SCRIPT, STAT_FORMAT, parseListing } from '../../../src/core/bridge/bridgeScripts';
import type { BridgeExecutor } from '../../../src/core/bridge/bridgeNodeAccess';
import { planMounts } from '../../../src/core/bridge/podSpec';
import { NodeDoctorError } from '../../../src/core/errors';
import { LocalNodeAccess } from '../../../src/core/node/localNodeAccess';
import type { RunResult } from '../../../src/core/node/nodeAccess';

/** Runs argv here with `/host` mapped onto `root`; with `tools`, `sh` and every tool it calls come from that directory. */
function executor(root: string, seen: string[][], tools?: string): BridgeExecutor {
  return {
    exec: (argv, exec) => new Promise<RunResult>((resolve, reject) => {
      seen.push([...argv]);
      const mapped = argv.map((a) => a.replace(/^\/host(?=\/|$)/, root));
      const child = spawn(tools && mapped[0] === 'sh' ? path.join(tools, 'sh') : mapped[0], mapped.slice(1), { timeout: exec.timeoutMs, env: tools ? { PATH: tools } : process.env });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => err.push(c));
      child.on('error', reject);
      child.on('close', (code) => resolve({ exitCode: code ?? 1, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }));
      child.stdin.end();
    }),
    relay: () => Promise.reject(new Error('no relay in this test')),
  };
}

function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  return undefined;
}

/** Names a CNI cache never has but a hostile or broken node might: each must be listed as itself, and nothing else. */
const HOSTILE = [
  'plain',
  'with space',
  'with\nnewline',
  // A name that spells the old newline-separated format's next record: it used to add a forged entry.
  `x\n81a4\t999\t0\tforged`,
  `forged-record\n81a4\t1\t1\t1:1\n41c0\t4096\t0\t1:2`,
  'quote\'single',
  'quote"double',
  'back\\slash',
  'tab\there',
  '-dash-first',
  '--',
  '.hidden',
  '...',
  ' leading-space',
  'trailing-newline\n',
  'ünïcödé-名前',
  `long-${'l'.repeat(240)}`,
];

const RESULTS = '/var/lib/cni/results';

describe('bridge directory listing: NUL-separated, one exec', function () {
  this.timeout(30_000);
  let root: string;
  let dir: string;
  const mounts = planMounts();

  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-list-'));
    dir = path.join(root, RESULTS);
    fs.mkdirSync(dir, { recursive: true });
    HOSTILE.forEach((name, i) => fs.writeFileSync(path.join(dir, name), 'x'.repeat(i)));
    fs.mkdirSync(path.join(dir, 'sub\ndir'));
    fs.symlinkSync('/etc/passwd', path.join(dir, 'link\nto-passwd'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  async function expectLocalListing(bridge: BridgeNodeAccess): Promise<void> {
    const local = await new LocalNodeAccess({ hostRoot: root }).listDir(RESULTS);
    const listed = await bridge.listDir(RESULTS);
    assert.ok(listed && local);
    assert.deepEqual(listed.map((e) => e.name), [...HOSTILE, 'sub\ndir', 'link\nto-passwd'].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), 'every name, as itself, nothing forged');
    const strip = (e: { name: string; path: string; size: number; isFile: boolean; isDirectory: boolean }): unknown => ({ name: e.name, path: e.path, size: e.size, isFile: e.isFile, isDirectory: e.isDirectory });
    assert.deepEqual(listed.map(strip), local.map(strip));
    const byName = new Map(listed.map((e) => [e.name, e]));
    assert.equal(byName.get('with\nnewline')?.size, 2);
    assert.equal(byName.get('sub\ndir')?.isDirectory, true);
    assert.equal(byName.get('link\nto-passwd')?.isFile, false, 'a symlink is not followed');
    assert.equal(byName.has('forged'), false);
  }

  it('lists names with newlines, spaces, quotes and crafted records exactly as local access does (sh + GNU tools)', async () => {
    const seen: string[][] = [];
    const bridge = new BridgeNodeAccess(executor(root, seen), { description: 'test', mounts, profile: 'least-privilege' });
    await expectLocalListing(bridge);
    assert.equal(seen.length, 1, 'one exec');
    assert.deepEqual(seen[0], ['sh', '-c', LIST_SCRIPT, 'knd-list', `/host${RESULTS}`, STAT_FORMAT, LIST_BATCH_SCRIPT]);
  });

  it('does the same under busybox sh, find, xargs and stat (the default image\'s tools)', async function () {
    const bb = which('busybox');
    if (!bb) this.skip();
    const tools = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-bb-'));
    for (const tool of ['sh', 'find', 'xargs', 'stat', 'test', 'printf']) fs.symlinkSync(bb as string, path.join(tools, tool));
    try {
      await expectLocalListing(new BridgeNodeAccess(executor(root, [], tools), { description: 'test', mounts, profile: 'least-privilege' }));
    } finally {
      fs.rmSync(tools, { recursive: true, force: true });
    }
  });

  it('lists 1,500 names over several xargs batches', async () => {
    const many = path.join(root, 'var/lib/cni/many');
    fs.mkdirSync(many);
    for (let i = 0; i < 1500; i++) fs.writeFileSync(path.join(many, `cbr0-${i.toString(16).padStart(64, '0')}-eth0`), '');
    const listed = await new BridgeNodeAccess(executor(root, []), { description: 'test', mounts, profile: 'least-privilege' }).listDir('/var/lib/cni/many');
    assert.equal(listed?.length, 1500);
  });

  it('says undefined for a missing directory, and bad-input for a file', async () => {
    const bridge = new BridgeNodeAccess(executor(root, []), { description: 'test', mounts, profile: 'least-privilege' });
    assert.equal(await bridge.listDir('/var/lib/cni/none'), undefined);
    await assert.rejects(bridge.listDir(`${RESULTS}/plain`), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'bad-input');
    assert.equal((await bridge.listDir('/var/lib/cni'))?.some((e) => e.name === 'results' && e.isDirectory), true);
  });

  it('skips a name that vanished between find and stat instead of giving it the next name\'s record', () => {
    const self = '41c0\t4096\t10\t5:100\n';
    const out = Buffer.from(`${self}\0./gone\0./kept\0\0-\n81a4\t7\t20\t5:200\n\0`, 'utf8');
    const parsed = parseListing(out);
    assert.deepEqual(parsed.children.map((c) => [c.name, c.record.size]), [['kept', 7]]);
  });

  it('refuses output whose records are out of step with the names', () => {
    const self = '41c0\t4096\t10\t5:100\n';
    const out = Buffer.from(`${self}\0./a\0\0` + `81a4\t7\t20\t5:200\n81a4\t8\t20\t5:201\n\0`, 'utf8');
    assert.throws(() => parseListing(out), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'runtime-error');
    assert.throws(() => parseListing(Buffer.from('garbage')), (e: unknown) => e instanceof NodeDoctorError);
  });

  it('stats name by name when one vanished during the batch, under sh and busybox', async function () {
    const dir2 = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-vanish-'));
    try {
      fs.writeFileSync(path.join(dir2, 'here'), 'abc');
      for (const shell of [['sh'], ...(which('busybox') ? [[which('busybox') as string, 'sh']] : [])]) {
        const run = spawn(shell[0], [...shell.slice(1), '-c', `cd "$1" && sh -c "$2" "$3" ./here ./gone`, 'x', dir2, LIST_BATCH_SCRIPT, STAT_FORMAT]);
        const chunks: Buffer[] = [];
        run.stdout.on('data', (c: Buffer) => chunks.push(c));
        await new Promise((resolve) => run.on('close', resolve));
        const parsed = parseListing(Buffer.concat([Buffer.from('41c0\t4096\t10\t5:100\n\0'), ...chunks]));
        assert.deepEqual(parsed.children.map((c) => [c.name, c.record.size]), [['here', 3]], shell.join(' '));
      }
    } finally {
      fs.rmSync(dir2, { recursive: true, force: true });
    }
  });
});
