// The repair core's guarantees in plain Node: quoting, backup names, the write-ahead audit, the durable audit file,
// moves that never clobber, and non-blocking reads. The same on the real runtime: test/integration/repairSafety.test.ts.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BridgeNodeAccess } from '../../../src/core/bridge/bridgeNodeAccess';
import { MOVE_SCRIPT, READ_ONE_SCRIPT } from '../../../src/core/bridge/bridgeScripts';
import { NodeDoctorError } from '../../../src/core/errors';
import { inspectNode } from '../../../src/core/inventory/inspect';
import { LocalNodeAccess } from '../../../src/core/node/localNodeAccess';
import type { CacheEntry } from '../../../src/core/inventory/types';
import type { RunResult } from '../../../src/core/node/nodeAccess';
import { JsonLinesAuditSink } from '../../../src/core/repair/audit';
import { AuditWriteError, RepairExecutor } from '../../../src/core/repair/executor';
import { planRepairs } from '../../../src/core/repair/planner';
import { shellLine, shellQuote } from '../../../src/core/model/shell';
import { backupName, MAX_NAME_BYTES } from '../../../src/core/repair/shell';
import type { AuditEntry, AuditSink } from '../../../src/core/repair/types';
import { FakeCri, fakeId } from '../../fakes/fakeCri';
import { FakeNodeAccess } from '../../fakes/fakeNodeAccess';

const RESULTS = '/var/lib/cni/results';

/** One NotReady sandbox whose eth0 cache file is 0 bytes (no conf dir: libcni is assumed to read it). */
function seed(): { access: FakeNodeAccess; cri: FakeCri; id: string; file: string } {
  const access = new FakeNodeAccess();
  const cri = new FakeCri();
  const id = fakeId('safety');
  cri.addSandbox({ id, name: 'web-0', namespace: 'shop', state: 'SANDBOX_NOTREADY' });
  const file = `${RESULTS}/cbr0-${id}-eth0`;
  access.put(file, Buffer.alloc(0));
  return { access, cri, id, file };
}

class FailingSink implements AuditSink {
  readonly entries: AuditEntry[] = [];
  constructor(private readonly failAt: (entry: AuditEntry, index: number) => boolean) {}
  append(entry: AuditEntry): Promise<void> {
    if (this.failAt(entry, this.entries.length)) return Promise.reject(new NodeDoctorError('forbidden', 'cannot write the audit log /x/audit.jsonl: permission denied'));
    this.entries.push(entry);
    return Promise.resolve();
  }
}

describe('repair safety: quoting, backup names, write-ahead audit, moves and reads', () => {
  it('quotes every value so a shell sees one literal word', () => {
    const hostile = ['$(id>x)', '`id`', "a'b", 'a b', 'x;id', '', '\n', '*', '~root', '$HOME'];
    const script = `printf '%s\\n' ${hostile.map(shellQuote).join(' ')}`;
    const r = spawnSync('sh', ['-c', script], { encoding: 'utf8', cwd: os.tmpdir() });
    assert.equal(r.stdout, `${hostile.join('\n')}\n`);
    assert.equal(shellQuote('/var/lib/cni/results/cbr0-ab-eth0'), '/var/lib/cni/results/cbr0-ab-eth0', 'plain paths stay readable');
    assert.equal(shellLine(['crictl', '--runtime-endpoint', 'unix:///run/x.sock', 'rmp', 'a b']), "crictl --runtime-endpoint unix:///run/x.sock rmp 'a b'");
  });

  it('shortens a backup name past 255 bytes (UTF-8 safe), keeping distinct names distinct', () => {
    const stamp = '2026-12-06T05-00-00-000Z';
    assert.equal(backupName(stamp, 'cbr0-x-eth0'), `${stamp}-cbr0-x-eth0`);
    const long = `${'é'.repeat(100)}-${'a'.repeat(64)}-eth0`;
    const a = backupName(stamp, long);
    const b = backupName(stamp, long.replace('eth0', 'eth1'));
    assert.ok(Buffer.byteLength(a) <= MAX_NAME_BYTES && Buffer.byteLength(b) <= MAX_NAME_BYTES);
    assert.notEqual(a, b);
    assert.ok(a.startsWith(`${stamp}-éé`) && !a.includes('\uFFFD'));
  });

  it('records the intent before acting: an intent that cannot be written stops the repair with nothing touched', async () => {
    const w = seed();
    const plan = planRepairs(await inspectNode(w.access, w.cri, { cniCacheDir: '/var/lib/cni' }), 'all');
    const sink = new FailingSink((e) => e.phase === 'intent');
    await assert.rejects(new RepairExecutor({ access: w.access, cri: w.cri, audit: sink, actor: 't' }).execute(plan),
      (e: unknown) => e instanceof AuditWriteError && !e.acted && /stopped before the step acted: nothing was changed/.test(e.message) && e.reason === 'forbidden');
    assert.deepEqual(w.access.log, [], 'no mkdir, no move, no write');
    assert.ok(w.access.content(w.file) !== undefined);
    assert.ok(w.cri.sandboxes.has(w.id));
    assert.ok(!w.cri.calls.some((c) => /Stop|Remove/.test(c)));
  });

  it('stops after a step whose outcome cannot be written, and says it ran', async () => {
    const w = seed();
    const plan = planRepairs(await inspectNode(w.access, w.cri, { cniCacheDir: '/var/lib/cni' }), 'all');
    const sink = new FailingSink((e) => e.phase === 'outcome');
    const seen: string[] = [];
    await assert.rejects(new RepairExecutor({ access: w.access, cri: w.cri, audit: sink, actor: 't', onStep: (s, r) => seen.push(`${s.id} ${r.outcome}`) }).execute(plan),
      (e: unknown) => e instanceof AuditWriteError && e.acted && e.results.length === 1);
    assert.deepEqual(seen, ['01-remove-cache-file done']);
    assert.ok(w.cri.sandboxes.has(w.id), 'the next step (the sandbox) did not run');
  });

  it('appends durable JSON lines, and rejects with the reason when the audit log cannot be written', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-audit-'));
    try {
      const file = path.join(dir, 'sub', 'audit.jsonl');
      const sink = new JsonLinesAuditSink(file);
      const entry = { at: 'now', actor: 'a', node: 'n', access: 'x', stepId: '01', findingId: 'f', repair: 'undo', action: 'restore-file', object: 'o', before: '', after: '', result: 'done', detail: '' } as const;
      await sink.append(entry);
      await sink.append({ ...entry, stepId: '02' });
      assert.deepEqual(fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as AuditEntry).stepId), ['01', '02']);
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      fs.writeFileSync(path.join(dir, 'plain'), '');
      await assert.rejects(new JsonLinesAuditSink(path.join(dir, 'plain', 'audit.jsonl')).append(entry), (e: unknown) => e instanceof NodeDoctorError && /cannot write the audit log .*plain\/audit\.jsonl/.test(e.message));
      fs.mkdirSync(path.join(dir, 'dir.jsonl'));
      await assert.rejects(new JsonLinesAuditSink(path.join(dir, 'dir.jsonl')).append(entry), (e: unknown) => e instanceof NodeDoctorError);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('marks a released network\'s file so Undo leaves it in quarantine, and moves a loopback leftover without a DEL', () => {
    const gone = 'd'.repeat(64);
    const entry = (network: string, ifName: string): CacheEntry => ({
      path: `${RESULTS}/${network}-${gone}-${ifName}`, name: `${network}-${gone}-${ifName}`, network, sandboxId: gone, ifName, size: 10, mtimeMs: 0,
      sha256: 'f'.repeat(64), state: 'valid', jsonValid: true, ips: [], readOnTeardown: 'yes', readReason: '',
    });
    const inventory = {
      node: 'n', access: 'a', generatedAt: '', cniCacheDir: '/var/lib/cni', runtime: { endpoint: 'unix:///run/k.sock', runtimeName: '', runtimeVersion: '', runtimeApiVersion: '', conditions: [] },
      sandboxes: [], containers: [], cniCache: [entry('cbr0', 'eth0'), entry('cni-loopback', 'lo')], cniNetworks: [],
      findings: [{ id: `cni-cache-orphaned:${gone}`, category: 'cni-cache-orphaned', rule: 'cni-cache-orphaned', severity: 'warning', title: 't', detail: 'd', repair: 'release-leaked-ips', sandboxId: gone, path: `${RESULTS}/cbr0-${gone}-eth0` }],
      listStrategy: { sandboxes: 'single-list', containers: 'single-list', complete: true, notes: [] }, listSizes: [],
      counts: { sandboxes: 0, readySandboxes: 0, notReadySandboxes: 0, containers: 0, runningContainers: 0, exitedContainers: 0, cacheFiles: 2, unreadableCacheFiles: 0, perPod: [] }, timingsMs: {},
    } as unknown as Parameters<typeof planRepairs>[0];
    const plan = planRepairs(inventory, [`cni-cache-orphaned:${gone}`], { quarantineDir: '/q' });
    assert.deepEqual(plan.steps.map((s) => [s.action.kind, path.posix.basename(s.object), s.action.kind === 'remove-cache-file' ? s.action.released === true : undefined]), [
      ['cni-del', `cbr0-${gone}-eth0`, undefined], ['remove-cache-file', `cbr0-${gone}-eth0`, true], ['remove-cache-file', `cni-loopback-${gone}-lo`, false],
    ]);
    assert.match(plan.steps[0].manualCommand, /^# not planned: .* was not read when planning/, 'without the file\'s bytes no DEL is shown, and none runs');
    assert.match(plan.steps[2].title, /loopback cache file .* \(no IP, no veth\)/);
  });

  it('never replaces an existing file when moving, and refuses to read a FIFO instead of waiting on it', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-move-'));
    try {
      const access = new LocalNodeAccess({ hostRoot: root });
      fs.mkdirSync(path.join(root, 'a'));
      fs.writeFileSync(path.join(root, 'a/one'), '1');
      fs.writeFileSync(path.join(root, 'a/two'), '2');
      await assert.rejects(access.moveFile('/a/one', '/a/two'), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'precondition-changed');
      assert.equal(fs.readFileSync(path.join(root, 'a/two'), 'utf8'), '2');
      await access.moveFile('/a/one', '/a/three');
      assert.equal(fs.existsSync(path.join(root, 'a/one')), false);
      assert.equal(spawnSync('mkfifo', [path.join(root, 'a/fifo')]).status, 0);
      const started = Date.now();
      await assert.rejects(access.readFile('/a/fifo', 100), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'bad-input' && /not a regular file/.test(e.message));
      assert.ok(Date.now() - started < 1000);
      assert.equal(access.commandPath('/opt/cni/bin/bridge'), path.join(root, 'opt/cni/bin/bridge'), 'plugins run from under the host root');
      assert.equal(new LocalNodeAccess({ hostRoot: root, runPrefix: ['nsenter', '-t', '1', '-m', '--'] }).commandPath('/opt/cni/bin/bridge'), '/opt/cni/bin/bridge', 'inside the node\'s mount namespace, node paths');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('through the bridge: refuses a FIFO, never clobbers on move, and writes long names with a short temp name', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-bridge-'));
    try {
      const run = (argv: readonly string[], stdin?: Buffer): RunResult => {
        const mapped = argv.map((a) => a.replace(/^\/host(?=\/|$)/, root));
        const r = spawnSync(mapped[0], mapped.slice(1), { input: stdin ?? Buffer.alloc(0), timeout: 5000 });
        return { exitCode: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
      };
      const seen: string[][] = [];
      const access = new BridgeNodeAccess({
        exec: (argv, options) => { seen.push([...argv]); return Promise.resolve(run(argv, options.stdin)); },
        relay: () => Promise.reject(new Error('no relay')),
      }, { description: 'test', mounts: [{ hostPath: '/r', readOnly: false, type: 'Directory' }], profile: 'least-privilege', timeoutMs: 5000 });
      fs.mkdirSync(path.join(root, 'r'));
      assert.equal(spawnSync('mkfifo', [path.join(root, 'r/fifo')]).status, 0);
      await assert.rejects(access.readFile('/r/fifo', 10), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'bad-input');
      await assert.rejects(access.readFile('/r/none', 10), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'not-found');
      const long = `${'n'.repeat(255 - 5)}-eth0`;
      await access.writeFile(`/r/${long}`, Buffer.from('x'), 0o600);
      assert.equal(fs.readFileSync(path.join(root, 'r', long), 'utf8'), 'x');
      fs.writeFileSync(path.join(root, 'r/b'), 'b');
      await assert.rejects(access.moveFile(`/r/${long}`, '/r/b'), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'precondition-changed');
      await access.moveFile(`/r/${long}`, '/r/c');
      assert.equal(fs.readFileSync(path.join(root, 'r/c'), 'utf8'), 'x');
      assert.ok(seen.some((a) => a.includes(READ_ONE_SCRIPT)) && seen.some((a) => a.includes(MOVE_SCRIPT)));
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('an unknown finding ID is an error whatever the mode; a half-done one is finished', async () => {
    const w = seed();
    const inventory = await inspectNode(w.access, w.cri, { cniCacheDir: '/var/lib/cni' });
    assert.throws(() => planRepairs(inventory, ['cni-cache-corrupt:nope']), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'not-found');
    w.access.files.delete(w.file);
    const resumed = planRepairs(await inspectNode(w.access, w.cri, { cniCacheDir: '/var/lib/cni' }), [`cni-cache-corrupt:cbr0-${w.id}-eth0`]);
    assert.deepEqual(resumed.steps.map((s) => s.action.kind), ['remove-sandbox']);
  });
});
