import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CACHE_KIND, CACHE_VERSION, ensureDir, NpdCache, sharedAnswers, validateRecord } from '../../../src/core/npd/npdCache';
import type { BuiltAnswers, CacheRecord } from '../../../src/core/npd/npdCache';
import { npdAnswer, unknownAnswers } from '../../../src/core/npd/protocol';

const KEY = '0123456789abcdef';

function built(summary = '1 empty CNI cache file blocks teardown: sandbox 055b221e44a2'): BuiltAnswers {
  const ok = npdAnswer('ok', 'fine');
  return { source: 'containerd 1.7.22 at unix:///run/containerd/containerd.sock', answers: { CNICacheCorrupt: npdAnswer('problem', summary), SandboxBacklog: ok, OrphanContainers: ok, StuckSandbox: ok } };
}

/** A PID that is certainly not alive: a child that has exited and been reaped. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

describe('npd-check shared answers cache', () => {
  let dir: string;
  let now: number;
  const clock = (): number => now;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-npd-cache-'));
    now = 1_800_000_000_000;
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads the inventory once: the first check writes the answers, the next ones within the TTL answer from the file', async () => {
    const cache = new NpdCache({ dir, key: KEY, ttlMs: 20_000, now: clock });
    let reads = 0;
    const build = async (): Promise<BuiltAnswers> => { reads += 1; return built(); };
    const first = await sharedAnswers(cache, now + 4000, build, { now: clock });
    assert.equal(first?.from, 'read');
    now += 19_000;
    for (let i = 0; i < 3; i++) {
      const next = await sharedAnswers(new NpdCache({ dir, key: KEY, ttlMs: 20_000, now: clock }), now + 4000, build, { now: clock });
      assert.equal(next?.from, 'cache');
      assert.equal(next?.record.answers.CNICacheCorrupt.status, 'problem');
    }
    assert.equal(reads, 1);
    assert.equal(fs.existsSync(cache.lockFile), false, 'the lock is released');
    now += 2000; // past the TTL: the next check reads again and counts it
    const again = await sharedAnswers(cache, now + 4000, build, { now: clock });
    assert.equal(again?.from, 'read');
    assert.equal(again?.record.generation, 2);
    assert.equal(reads, 2);
  });

  it('lets waiters answer from the holder\'s file, and gives up at the deadline when no file comes', async () => {
    const cache = new NpdCache({ dir, key: KEY, ttlMs: 20_000 });
    let release: () => void = () => undefined;
    const holder = sharedAnswers(cache, Date.now() + 4000, () => new Promise<BuiltAnswers>((resolve) => { release = () => resolve(built()); }));
    await new Promise((r) => setTimeout(r, 30));
    assert.ok(fs.existsSync(cache.lockFile));
    const waiter = sharedAnswers(new NpdCache({ dir, key: KEY, ttlMs: 20_000 }), Date.now() + 4000, () => Promise.reject(new Error('a waiter must not read the inventory')), { pollMs: 5 });
    await new Promise((r) => setTimeout(r, 30));
    release();
    assert.equal((await holder)?.from, 'read');
    assert.equal((await waiter)?.from, 'cache');

    const other = new NpdCache({ dir, key: 'fedcba9876543210', ttlMs: 20_000 });
    assert.ok(other.tryLock());
    const gaveUp = await sharedAnswers(new NpdCache({ dir, key: 'fedcba9876543210', ttlMs: 20_000 }), Date.now() + 100, () => Promise.reject(new Error('locked')), { pollMs: 10 });
    assert.equal(gaveUp, undefined);
    other.release();
  });

  it('recovers a lock whose holder died, and one older than the stale age', () => {
    const cache = new NpdCache({ dir, key: KEY, ttlMs: 20_000, now: clock, staleLockMs: 10_000 });
    fs.writeFileSync(cache.lockFile, JSON.stringify({ pid: deadPid(), at: now }));
    assert.ok(cache.tryLock(), 'dead holder');
    cache.release();
    fs.writeFileSync(cache.lockFile, JSON.stringify({ pid: process.ppid, at: now - 5_000 }));
    assert.equal(cache.tryLock(), false, 'a live holder within the stale age keeps it');
    fs.writeFileSync(cache.lockFile, JSON.stringify({ pid: process.ppid, at: now - 11_000 }));
    assert.ok(cache.tryLock(), 'too old');
    cache.release();
    fs.writeFileSync(cache.lockFile, 'garbage');
    fs.utimesSync(cache.lockFile, (now - 60_000) / 1000, (now - 60_000) / 1000);
    assert.ok(cache.tryLock(), 'an unreadable lock judged by its age');
    assert.equal(JSON.parse(fs.readFileSync(cache.lockFile, 'utf8')).pid, process.pid);
    cache.release();
    assert.equal(fs.existsSync(cache.lockFile), false);
  });

  it('writes atomically (no temporary file left) and reads back only valid records for its own key', () => {
    const cache = new NpdCache({ dir, key: KEY, ttlMs: 20_000, now: clock });
    const record: CacheRecord = { kind: CACHE_KIND, version: CACHE_VERSION, key: KEY, generation: 1, readAt: now, readMs: 12, pid: 1, ...built() };
    cache.write(record);
    assert.deepEqual(fs.readdirSync(dir), [path.basename(cache.file)]);
    assert.equal((fs.statSync(cache.file).mode & 0o777).toString(8), '600');
    assert.equal(cache.read().state, 'fresh');

    const invalid = (mutate: (r: Record<string, unknown>) => unknown): string | CacheRecord => validateRecord(mutate(JSON.parse(JSON.stringify(record)) as Record<string, unknown>), KEY);
    assert.equal(invalid((r) => ({ ...r, key: 'ffffffffffffffff' })), 'written for other flags');
    assert.equal(invalid((r) => ({ ...r, version: 2 })), 'not a version 1 answers file');
    assert.equal(invalid((r) => ({ ...r, readAt: 'yesterday' })), 'bad readAt');
    assert.equal(invalid((r) => ({ ...r, answers: { ...(r.answers as object), StuckSandbox: { status: 'maybe', summary: 'x', notes: [] } } })), 'bad answer for StuckSandbox');
    assert.equal(invalid((r) => ({ ...r, answers: { ...(r.answers as object), SandboxBacklog: { status: 'ok', summary: 'x'.repeat(201), notes: [] } } })), 'bad answer for SandboxBacklog');
    assert.equal(invalid(() => []), 'not a JSON object');

    fs.writeFileSync(cache.file, '{"kind":');
    assert.deepEqual(cache.read(), { state: 'invalid', reason: 'not JSON' });
    fs.rmSync(cache.file);
    fs.symlinkSync('/etc/hostname', cache.file);
    assert.equal(cache.read().state, 'invalid', 'a symlink is not followed');
  });

  it('treats a record from the future (clock stepped back) and one past the TTL as expired', () => {
    const cache = new NpdCache({ dir, key: KEY, ttlMs: 20_000, now: clock });
    cache.write({ kind: CACHE_KIND, version: CACHE_VERSION, key: KEY, generation: 3, readAt: now + 60_000, readMs: 1, pid: 1, ...built() });
    assert.equal(cache.read().state, 'expired');
    assert.equal(cache.nextGeneration(), 4);
  });

  it('caches an Unknown answer like any other, so the other checks of the interval learn it at once', async () => {
    const cache = new NpdCache({ dir, key: KEY, ttlMs: 20_000 });
    let reads = 0;
    const build = async (): Promise<BuiltAnswers> => { reads += 1; return { answers: unknownAnswers('cannot reach the container runtime at unix:///x.sock'), source: 'failed' }; };
    await sharedAnswers(cache, Date.now() + 1000, build);
    const second = await sharedAnswers(cache, Date.now() + 1000, build);
    assert.equal(second?.record.answers.OrphanContainers.status, 'unknown');
    assert.equal(reads, 1);
  });

  it('creates missing cache directories one level at a time, and fails (never hangs) where mkdir cannot create one', () => {
    ensureDir(path.join(dir, 'a', 'b', 'c'));
    assert.ok(fs.statSync(path.join(dir, 'a', 'b', 'c')).isDirectory());
    assert.equal((fs.statSync(path.join(dir, 'a')).mode & 0o777).toString(8), '700');
    ensureDir(path.join(dir, 'a', 'b', 'c')); // there already
    // mkdirSync(…, { recursive: true }) loops forever here on Node 20.
    assert.throws(() => ensureDir('/proc/knd-no-such-dir/cache'), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
  });

  it('returns the answers it read when only the write fails', async () => {
    const cache = new NpdCache({ dir, key: KEY, ttlMs: 20_000 });
    cache.write = () => { throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }); };
    const shared = await sharedAnswers(cache, Date.now() + 1000, async () => built());
    assert.equal(shared?.from, 'read');
    assert.equal(shared?.notWritten, 'ENOSPC');
    assert.equal(shared?.record.answers.CNICacheCorrupt.status, 'problem');
    assert.equal(fs.existsSync(cache.lockFile), false);
  });

  it('does not cache when the read throws (bad usage, stopped by a signal), and releases the lock', async () => {
    const cache = new NpdCache({ dir, key: KEY, ttlMs: 20_000 });
    await assert.rejects(sharedAnswers(cache, Date.now() + 1000, () => Promise.reject(new Error('stopped'))), /stopped/);
    assert.equal(cache.read().state, 'missing');
    assert.equal(fs.existsSync(cache.lockFile), false);
  });
});
