import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NPD_CONDITIONS } from './protocol';
import type { NpdAnswer, NpdAnswers } from './protocol';
import { SUMMARY_MAX_BYTES } from './summary';

/**
 * node-problem-detector runs one process per rule per interval, so the four conditions of a node would each read the
 * whole inventory. They share one instead: the first check of an interval takes a lock file (O_EXCL), reads the
 * inventory, writes the four answers to a small cache file (atomic rename) and releases the lock; the others wait for
 * the file and answer from it while it is younger than the TTL. The file holds the answers only (a few hundred bytes,
 * no inventory) and is validated when read: anything that does not parse as a record for the same flags is a miss.
 * A lock left by a process that died (NPD kills a plugin at its timeout) is recovered: its PID is gone, or it is older
 * than `staleLockMs`.
 */

export const CACHE_KIND = 'kube-node-doctor/npd-answers';
export const CACHE_VERSION = 1;
/** Largest cache file read; a real one is well under 4 KiB. */
const MAX_CACHE_BYTES = 64 * 1024;

export interface CacheRecord {
  readonly kind: typeof CACHE_KIND;
  readonly version: typeof CACHE_VERSION;
  /** Hash of the flags that decide the answers (node, paths, API access): checks with other flags use another file. */
  readonly key: string;
  /** How many inventories have been read into this file (1 for the first): one per interval when the cache works. */
  readonly generation: number;
  /** When the inventory was read (epoch ms) and how long it took. */
  readonly readAt: number;
  readonly readMs: number;
  /** The process that read it. */
  readonly pid: number;
  /** e.g. `containerd 1.6.20 at unix:///run/containerd/containerd.sock`, or why the runtime was not read. */
  readonly source: string;
  readonly answers: NpdAnswers;
}

export interface NpdCacheOptions {
  readonly dir: string;
  readonly key: string;
  readonly ttlMs: number;
  /** A lock older than this is abandoned (default 30 s; a holder never runs past its own timeout). */
  readonly staleLockMs?: number;
  readonly now?: () => number;
  /** Whether a PID is alive (default: `process.kill(pid, 0)`). */
  readonly isAlive?: (pid: number) => boolean;
}

function isAnswer(value: unknown): value is NpdAnswer {
  if (typeof value !== 'object' || value === null) return false;
  const a = value as Record<string, unknown>;
  return (a.status === 'ok' || a.status === 'problem' || a.status === 'unknown')
    && typeof a.summary === 'string' && a.summary !== '' && !a.summary.includes('\n') && Buffer.byteLength(a.summary, 'utf8') <= SUMMARY_MAX_BYTES
    && Array.isArray(a.notes) && a.notes.length <= 8 && a.notes.every((n) => typeof n === 'string' && n.length <= 1000);
}

/** The record when `value` is a well-formed cache record for `key`; otherwise why it is not. */
export function validateRecord(value: unknown, key: string): CacheRecord | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const r = value as Record<string, unknown>;
  if (r.kind !== CACHE_KIND || r.version !== CACHE_VERSION) return `not a version ${CACHE_VERSION} answers file`;
  if (r.key !== key) return 'written for other flags';
  for (const field of ['generation', 'readAt', 'readMs', 'pid'] as const) {
    if (typeof r[field] !== 'number' || !Number.isFinite(r[field]) || (r[field] as number) < 0) return `bad ${field}`;
  }
  if (typeof r.source !== 'string' || r.source.length > 1000) return 'bad source';
  const answers = r.answers as Record<string, unknown> | undefined;
  if (typeof answers !== 'object' || answers === null) return 'no answers';
  for (const condition of NPD_CONDITIONS) if (!isAnswer(answers[condition])) return `bad answer for ${condition}`;
  return value as CacheRecord;
}

function defaultIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Creates `dir` and its missing parents one level at a time. Not `mkdirSync(…, { recursive: true })`: on Node 20 that
 * loops forever (synchronously, so no timeout can fire) under a directory such as /proc that answers ENOENT to mkdir.
 */
export function ensureDir(dir: string, mode = 0o700): void {
  const missing: string[] = [];
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    if (fs.existsSync(at)) break;
    missing.unshift(at);
    if (at === path.dirname(at) || missing.length > 64) break;
  }
  for (const level of missing) {
    try {
      fs.mkdirSync(level, { mode });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

export type CacheRead =
  | { readonly state: 'fresh'; readonly record: CacheRecord }
  | { readonly state: 'expired'; readonly record: CacheRecord }
  | { readonly state: 'missing' }
  | { readonly state: 'invalid'; readonly reason: string };

export class NpdCache {
  readonly key: string;
  readonly file: string;
  readonly lockFile: string;
  private readonly now: () => number;
  private readonly isAlive: (pid: number) => boolean;
  private readonly staleLockMs: number;
  private held = false;

  constructor(private readonly options: NpdCacheOptions) {
    if (!/^[0-9a-f]{8,64}$/.test(options.key)) throw new Error(`bad cache key "${options.key}"`);
    this.key = options.key;
    this.file = path.join(options.dir, `npd-${options.key}.json`);
    this.lockFile = path.join(options.dir, `npd-${options.key}.lock`);
    this.now = options.now ?? Date.now;
    this.isAlive = options.isAlive ?? defaultIsAlive;
    this.staleLockMs = options.staleLockMs ?? 30_000;
  }

  /** The cache file, validated, and whether it is within the TTL. */
  read(): CacheRead {
    let text: string;
    try {
      const fd = fs.openSync(this.file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
      try {
        const stat = fs.fstatSync(fd);
        if (!stat.isFile() || stat.size > MAX_CACHE_BYTES) return { state: 'invalid', reason: 'not a small regular file' };
        const buffer = Buffer.alloc(stat.size);
        const read = fs.readSync(fd, buffer, 0, stat.size, 0);
        text = buffer.subarray(0, read).toString('utf8');
      } finally {
        fs.closeSync(fd);
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { state: 'missing' };
      return { state: 'invalid', reason: `unreadable (${code ?? 'error'})` };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { state: 'invalid', reason: 'not JSON' };
    }
    const record = validateRecord(parsed, this.key);
    if (typeof record === 'string') return { state: 'invalid', reason: record };
    const age = this.now() - record.readAt;
    // A record from the future (clock stepped back) is not trusted to be fresh.
    return age >= 0 && age < this.options.ttlMs ? { state: 'fresh', record } : { state: 'expired', record };
  }

  /** Takes the lock (O_EXCL create), recovering one left by a dead or long-gone holder. False when another holds it. */
  tryLock(): boolean {
    ensureDir(this.options.dir);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = fs.openSync(this.lockFile, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
        try {
          fs.writeSync(fd, JSON.stringify({ pid: process.pid, at: this.now() }));
        } finally {
          fs.closeSync(fd);
        }
        this.held = true;
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      if (!this.lockIsStale()) return false;
      // Stale: remove it and try once more. Two waiters may both get here; the O_EXCL create still lets only one in.
      try {
        fs.unlinkSync(this.lockFile);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return false;
  }

  private lockIsStale(): boolean {
    try {
      const text = fs.readFileSync(this.lockFile, 'utf8');
      const holder = JSON.parse(text) as { pid?: unknown; at?: unknown };
      if (typeof holder.pid === 'number' && typeof holder.at === 'number') {
        if (holder.pid !== process.pid && !this.isAlive(holder.pid)) return true;
        return this.now() - holder.at > this.staleLockMs;
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true; // released meanwhile: try again
      // Half-written or garbage: judge by its age.
    }
    try {
      return this.now() - fs.statSync(this.lockFile).mtimeMs > this.staleLockMs;
    } catch {
      return true;
    }
  }

  /** Releases the lock if this instance holds it (a lock another process took over is left alone). */
  release(): void {
    if (!this.held) return;
    this.held = false;
    try {
      const holder = JSON.parse(fs.readFileSync(this.lockFile, 'utf8')) as { pid?: unknown };
      if (holder.pid === process.pid) fs.unlinkSync(this.lockFile);
    } catch {
      // gone already, or taken over
    }
  }

  /** Writes the record atomically: a temporary file in the same directory, then rename over the cache file. */
  write(record: CacheRecord): void {
    ensureDir(this.options.dir);
    const temp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      fs.writeFileSync(temp, `${JSON.stringify(record)}\n`, { mode: 0o600, flag: 'wx' });
      fs.renameSync(temp, this.file);
    } catch (error) {
      fs.rmSync(temp, { force: true });
      throw error;
    }
  }

  /** The generation a new record gets: one more than the file's, or 1. */
  nextGeneration(): number {
    const previous = this.read();
    return previous.state === 'fresh' || previous.state === 'expired' ? previous.record.generation + 1 : 1;
  }
}

/** What a freshly read inventory gives: the answers and a line on where they come from. */
export interface BuiltAnswers {
  readonly answers: NpdAnswers;
  readonly source: string;
}

export interface SharedAnswers {
  readonly record: CacheRecord;
  /** `cache`: answered from the file; `read`: this process read the inventory (and wrote the file). */
  readonly from: 'cache' | 'read';
  /** Why the file was not used, when it was there but not valid. */
  readonly ignored?: string;
  /** Why the answers read by this check could not be written for the others (e.g. ENOSPC). */
  readonly notWritten?: string;
}

/**
 * The answers from the cache while it is fresh; otherwise the lock holder reads the inventory (`build`) and writes the
 * file, and the others wait for it. Gives up at `deadlineMs` (epoch ms) with undefined: the caller answers Unknown.
 * `build` must finish before the deadline itself (it gets the time left).
 */
export async function sharedAnswers(
  cache: NpdCache, deadlineMs: number, build: (timeLeftMs: number) => Promise<BuiltAnswers>,
  options: { now?: () => number; pollMs?: number; sleep?: (ms: number) => Promise<void> } = {},
): Promise<SharedAnswers | undefined> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let ignored: string | undefined;
  for (;;) {
    const cached = cache.read();
    if (cached.state === 'fresh') return { record: cached.record, from: 'cache', ...(ignored ? { ignored } : {}) };
    if (cached.state === 'invalid') ignored = cached.reason;
    if (cache.tryLock()) {
      try {
        // Someone may have written it between the read and the lock.
        const again = cache.read();
        if (again.state === 'fresh') return { record: again.record, from: 'cache', ...(ignored ? { ignored } : {}) };
        const generation = cache.nextGeneration();
        const started = now();
        const built = await build(deadlineMs - started);
        const record: CacheRecord = {
          kind: CACHE_KIND, version: CACHE_VERSION, key: cache.key, generation,
          readAt: started, readMs: Math.max(0, now() - started), pid: process.pid, source: built.source, answers: built.answers,
        };
        try {
          cache.write(record);
        } catch (error) {
          // The answers stand; only the sharing is lost (the other checks read the node themselves).
          return { record, from: 'read', notWritten: (error as NodeJS.ErrnoException).code ?? String(error), ...(ignored ? { ignored } : {}) };
        }
        return { record, from: 'read', ...(ignored ? { ignored } : {}) };
      } finally {
        cache.release();
      }
    }
    if (now() >= deadlineMs) return undefined;
    await sleep(Math.min(options.pollMs ?? 20, Math.max(1, deadlineMs - now())));
  }
}
