import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';
import { socketPath } from '../cri/endpoints';
import { NodeDoctorError, throwIfAborted } from '../errors';
import type { CriEndpointLease, FileEntry, NodeAccess, RunOptions, RunResult } from '../node/nodeAccess';
import { BridgeProcessAccess } from './bridgeProcesses';
import type { ProcessAccess } from '../node/processes';
import type { ExecOptions } from './podExec';
import { podPathFor } from './podSpec';
import type { BridgeMount, BridgeProfile } from './podSpec';
import { parseTar } from './tarStream';
import { LIST_BATCH_SCRIPT, LIST_SCRIPT, MOVE_SCRIPT, READ_ONE_SCRIPT, READ_SCRIPT, STAT_FORMAT, STDIN_SCRIPT, WRITE_SCRIPT, parseListing, parseRecord } from './bridgeScripts';
import type { StatRecord } from './bridgeScripts';

/** How commands reach the bridge pod (the manager in production; anything that runs argv in tests). */
export interface BridgeExecutor {
  exec(argv: readonly string[], options: ExecOptions): Promise<RunResult>;
  relay(argv: readonly string[], local: Duplex, signal?: AbortSignal): Promise<void>;
}

export interface BridgeNodeAccessOptions {
  readonly description: string;
  readonly mounts: readonly BridgeMount[];
  readonly profile: BridgeProfile;
  /** Per file operation (default 30 s). */
  readonly timeoutMs?: number;
  /** Called by dispose (e.g. deleting the pod when the CLI is done). */
  readonly onDispose?: () => Promise<void>;
}

const S_IFMT = 0o170000;

/** Names per bulk-read exec (bounds the memory one exec's answer may take, with the output cap). */
const READ_BATCH_FILES = 500;

/** Whether a tool's message names `/<name>` as a whole path component (`find: '/host/x/<name>': No such file…`). */
function mentions(line: string, name: string): boolean {
  let from = 0;
  for (;;) {
    const at = line.indexOf(`/${name}`, from);
    if (at < 0) return false;
    const after = line.charAt(at + name.length + 1);
    if (after === '' || /[\s'"\u2018\u2019:]/.test(after)) return true;
    from = at + 1;
  }
}

function classify(stderr: string): 'missing' | 'denied' | 'other' {
  if (/No such file or directory|Not a directory|Directory nonexistent|nonexistent directory/i.test(stderr)) return 'missing';
  if (/Permission denied|Operation not permitted|Read-only file system/.test(stderr)) return 'denied';
  return 'other';
}

/**
 * NodeAccess through a bridge pod: every file operation is one argv exec'd in the pod, on the node's directories
 * mounted under `/host`; the CRI socket is reached through a local unix socket whose each connection is carried by
 * `socat - UNIX-CONNECT:/host/<socket>` in the pod. Where a pipeline or a redirection is needed, the argv is `sh -c` with a
 * fixed script from this file and every path as a positional argument (never interpolated into the script).
 * Tools relied on in the image: sh, sleep, stat, find, tar, head, chmod, ln, mv, rm, mkdir, touch, date, socat
 * (and env, nsenter for `run` in the host-pid profile) — all in busybox except socat.
 */
export class BridgeNodeAccess implements NodeAccess {
  readonly description: string;
  private readonly leases = new Set<CriEndpointLease>();
  /** Only in the host-pid profile, whose pod shares the node's PID namespace. */
  readonly processes?: ProcessAccess;

  constructor(private readonly executor: BridgeExecutor, private readonly options: BridgeNodeAccessOptions) {
    this.description = options.description;
    if (options.profile === 'host-pid') this.processes = new BridgeProcessAccess(executor, options.timeoutMs ?? 30_000);
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? 30_000;
  }

  /** The pod path for a node path, or a `forbidden` error naming what is not mounted. */
  private require(nodePath: string): string {
    const mapped = podPathFor(this.options.mounts, nodePath);
    if (!mapped) {
      throw new NodeDoctorError('forbidden', `${nodePath} is not mounted in the bridge pod.`, {
        hint: `The bridge mounts only ${this.options.mounts.map((m) => m.hostPath).join(', ')}; add the directory to the bridge's extra mounts.`,
      });
    }
    return mapped.podPath;
  }

  private async call(argv: readonly string[], signal?: AbortSignal, stdin?: Buffer): Promise<RunResult> {
    throwIfAborted(signal);
    return this.executor.exec(argv, { timeoutMs: this.timeoutMs, signal, stdin });
  }

  private failure(action: string, nodePath: string, result: RunResult): NodeDoctorError {
    const stderr = result.stderr.toString('utf8').trim();
    const kind = classify(stderr);
    if (kind === 'missing') return new NodeDoctorError('not-found', `${nodePath} does not exist.`);
    if (kind === 'denied') return new NodeDoctorError('forbidden', `Permission denied to ${action} ${nodePath} in the bridge pod (${stderr.split('\n')[0]}).`);
    return new NodeDoctorError('runtime-error', `Could not ${action} ${nodePath} in the bridge pod: ${stderr.split('\n')[0] || `exit code ${result.exitCode}`}.`);
  }

  private entry(name: string, entryPath: string, record: StatRecord): FileEntry {
    return {
      name, path: entryPath, size: record.size, mtimeMs: record.mtimeMs,
      isFile: (record.mode & S_IFMT) === 0o100000, isDirectory: (record.mode & S_IFMT) === 0o040000,
    };
  }

  async stat(nodePath: string, signal?: AbortSignal): Promise<FileEntry | undefined> {
    const mapped = podPathFor(this.options.mounts, nodePath);
    if (!mapped) return undefined; // not visible from the pod
    const result = await this.call(['stat', '-c', STAT_FORMAT, mapped.podPath], signal);
    if (result.exitCode !== 0) {
      if (classify(result.stderr.toString('utf8')) === 'missing') return undefined;
      throw this.failure('stat', nodePath, result);
    }
    const record = parseRecord(result.stdout.toString('utf8').split('\n')[0]);
    if (!record) throw new NodeDoctorError('runtime-error', `Unreadable stat output for ${nodePath} from the bridge pod.`);
    return this.entry(path.posix.basename(nodePath), path.posix.normalize(nodePath), record);
  }

  async listDir(dir: string, signal?: AbortSignal): Promise<FileEntry[] | undefined> {
    const mapped = podPathFor(this.options.mounts, dir);
    if (!mapped) return undefined;
    // One exec, NUL-separated (see LIST_SCRIPT): a name with a newline is listed, and no name can forge an entry.
    const result = await this.call(['sh', '-c', LIST_SCRIPT, 'knd-list', mapped.podPath, STAT_FORMAT, LIST_BATCH_SCRIPT], signal);
    if (result.exitCode === 3 && result.stdout.length === 0) return undefined;
    if (result.exitCode === 5 && result.stdout.length === 0) throw new NodeDoctorError('bad-input', `${dir} is not a directory (or cannot be entered).`);
    if (result.stdout.indexOf(0) < 0) {
      const stderr = result.stderr.toString('utf8');
      if (classify(stderr) === 'missing') return undefined;
      if (/Not a directory/i.test(stderr)) throw new NodeDoctorError('bad-input', `${dir} is not a directory.`);
      throw this.failure('list', dir, result);
    }
    const { self, children } = parseListing(result.stdout);
    if ((self.mode & S_IFMT) !== 0o040000) throw new NodeDoctorError('bad-input', `${dir} is not a directory.`);
    const normal = path.posix.normalize(dir);
    const entries = children.map((c) => this.entry(c.name, path.posix.join(normal, c.name), c.record));
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async readFile(nodePath: string, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
    const result = await this.call(['sh', '-c', READ_ONE_SCRIPT, 'knd-read-one', this.require(nodePath), String(maxBytes + 1)], signal);
    if (result.exitCode === 4) throw new NodeDoctorError('bad-input', `${nodePath} is not a regular file; not read.`);
    if (result.exitCode !== 0) throw this.failure('read', nodePath, result);
    if (result.stdout.length > maxBytes) throw new NodeDoctorError('bad-input', `${nodePath} is larger than ${maxBytes} bytes; not read.`);
    return result.stdout;
  }

  /**
   * Many small files of one directory in one exec per batch (a `find … -exec tar` stream, see READ_SCRIPT). Like the
   * local implementation, a file that is missing, not a regular file (symlinks are not followed), larger than `maxBytes`
   * or that failed or changed while being read maps to undefined; a failure of the tools themselves throws.
   */
  async readSmallFiles(dir: string, names: readonly string[], maxBytes: number, signal?: AbortSignal): Promise<(Buffer | undefined)[]> {
    const out: (Buffer | undefined)[] = new Array(names.length).fill(undefined);
    if (names.length === 0) return out;
    for (const name of names) {
      if (name.includes('/') || name.includes('\0') || name === '.' || name === '..' || name === '') {
        throw new NodeDoctorError('bad-input', `"${name.slice(0, 200)}" is not a file name.`);
      }
    }
    const podDir = this.require(dir).replace(/\/+$/, '');
    const wanted = new Map<string, number[]>();
    names.forEach((name, index) => {
      const at = wanted.get(name);
      if (at) at.push(index);
      else wanted.set(name, [index]);
    });
    const distinct = [...wanted.keys()];
    for (let start = 0; start < distinct.length; start += READ_BATCH_FILES) {
      const read = await this.readBatch(dir, podDir, distinct.slice(start, start + READ_BATCH_FILES), maxBytes, signal);
      if (read === undefined) break; // the directory is not there: nothing in it can be read
      for (const [name, data] of read) for (const index of wanted.get(name) ?? []) out[index] = data;
    }
    return out;
  }

  /**
   * One batch (distinct names), re-asking for whatever the output cap cut off; names not returned were not readable.
   * Undefined when the directory does not exist.
   */
  private async readBatch(dir: string, podDir: string, names: readonly string[], maxBytes: number, signal?: AbortSignal): Promise<Map<string, Buffer> | undefined> {
    const found = new Map<string, Buffer>();
    const cap = Math.max(16 * 1024 * 1024, 2 * (maxBytes + 64 * 1024));
    let start = 0;
    while (start < names.length) {
      const part = names.slice(start);
      const position = new Map(part.map((name, i) => [name, i]));
      const list = Buffer.from(part.map((name) => `./${name}\0`).join(''), 'utf8');
      const result = await this.executor.exec(
        ['sh', '-c', READ_SCRIPT, 'knd-read', podDir, String(maxBytes + 1), String(cap), String(list.length)],
        { timeoutMs: this.timeoutMs, signal, stdin: list, maxOutputBytes: cap + 64 * 1024 },
      );
      if (result.exitCode === 3 && result.stdout.length === 0) return undefined;
      const truncated = result.stdout.length >= cap;
      const tainted = new Set<string>();
      for (const line of result.stderr.toString('utf8').split('\n')) {
        if (line.trim() === '' || /removing leading/i.test(line)) continue;
        const named = part.filter((name) => mentions(line, name)).sort((a, b) => b.length - a.length)[0];
        if (named !== undefined) tainted.add(named); // vanished, unreadable, or changed while read: like a local failed read
        else if (!truncated) throw new NodeDoctorError('runtime-error', `Could not read files in ${dir} in the bridge pod: ${line.trim().slice(0, 300)}`);
      }
      if (result.exitCode !== 0 && !truncated) {
        throw new NodeDoctorError('runtime-error', `Could not read files in ${dir} in the bridge pod (exit code ${result.exitCode}).`);
      }
      const parsed = parseTar(result.stdout);
      if (!parsed.complete && !truncated) {
        throw new NodeDoctorError('runtime-error', `The file stream from the bridge pod for ${dir} ended early (${result.stdout.length} bytes).`);
      }
      let last = -1;
      for (const member of parsed.members) {
        const name = member.path.replace(/\/+$/, '').split('/').pop() ?? '';
        const at = position.get(name);
        if (at === undefined) continue;
        last = Math.max(last, at);
        if (tainted.has(name)) continue;
        if (member.type === '0' && member.data.length <= maxBytes) found.set(name, Buffer.from(member.data));
        // A second name of an inode already archived is a hard link member pointing at the first one (same directory).
        const target = member.type === '1' ? found.get(member.linkPath.split('/').pop() ?? '') : undefined;
        if (target) found.set(name, target);
      }
      if (!truncated || parsed.complete) break;
      // Cut at the cap: carry on after the last complete member. A member bigger than the cap can only be a file that
      // grew past maxBytes after find chose it: it is skipped like any too-large file.
      let next = last + 1;
      const cut = parsed.cutOff ? position.get(parsed.cutOff.path.split('/').pop() ?? '') : undefined;
      if (cut !== undefined && parsed.cutOff && parsed.cutOff.size > maxBytes) next = cut + 1;
      if (next === 0) next = 1; // no progress at all: give up on the first name rather than loop
      start += next;
    }
    return found;
  }

  async writeFile(nodePath: string, data: Buffer, mode: number, signal?: AbortSignal): Promise<void> {
    const target = this.require(nodePath);
    // A short name beside the target (a `<target>.knd-…` name passes 255 bytes when the target's name is long).
    const temp = path.posix.join(path.posix.dirname(target), `.knd-${randomBytes(6).toString('hex')}`);
    try {
      // Exactly data.length bytes are read, so the write never waits for an end-of-stdin the v4 protocol cannot send.
      const written = await this.call(['sh', '-c', WRITE_SCRIPT, 'knd-write', String(data.length), temp, (mode & 0o7777).toString(8)], signal, data);
      if (written.exitCode !== 0) throw this.failure('write', nodePath, written);
      // A hard link fails when the target exists: the same no-overwrite guarantee as open(O_EXCL).
      const linked = await this.call(['ln', temp, target], signal);
      if (linked.exitCode !== 0) {
        if (/File exists/.test(linked.stderr.toString('utf8'))) throw new NodeDoctorError('precondition-changed', `${nodePath} already exists; not overwritten.`);
        throw this.failure('write', nodePath, linked);
      }
    } finally {
      await this.executor.exec(['rm', '-f', temp], { timeoutMs: this.timeoutMs }).catch(() => undefined);
    }
  }

  async makeDir(nodePath: string, mode: number, signal?: AbortSignal): Promise<void> {
    const result = await this.call(['mkdir', '-p', '-m', (mode & 0o7777).toString(8), this.require(nodePath)], signal);
    if (result.exitCode !== 0) throw this.failure('create', nodePath, result);
  }

  async moveFile(from: string, to: string, signal?: AbortSignal): Promise<void> {
    const result = await this.call(['sh', '-c', MOVE_SCRIPT, 'knd-move', this.require(from), this.require(to)], signal);
    if (result.exitCode === 5) throw new NodeDoctorError('precondition-changed', `${to} already exists; not overwritten.`);
    if (result.exitCode === 4) throw new NodeDoctorError('bad-input', `${from} is not a regular file; not moved.`);
    if (result.exitCode !== 0) throw this.failure('move', from, result);
  }

  async removeFile(nodePath: string, signal?: AbortSignal): Promise<void> {
    const result = await this.call(['rm', '-f', this.require(nodePath)], signal);
    if (result.exitCode !== 0) throw this.failure('remove', nodePath, result);
  }

  /** Runs on the node itself through `nsenter -t 1` — only in the host-pid profile. */
  async run(argv: readonly string[], options: RunOptions): Promise<RunResult> {
    if (argv.length === 0) throw new NodeDoctorError('bad-input', 'Empty command.');
    if (this.options.profile !== 'host-pid') {
      throw new NodeDoctorError('forbidden', `Running ${argv[0]} on the node needs the bridge's host-pid profile.`, {
        hint: 'Use the host-pid profile (--bridge-profile host-pid) for this last-resort repair.',
      });
    }
    const env = Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`);
    const wrapped = ['nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p', '--', ...(env.length > 0 ? ['env', ...env] : []), ...argv];
    if (options.stdin === undefined) return this.executor.exec(wrapped, { timeoutMs: options.timeoutMs, signal: options.signal });
    // A CNI plugin reads its config until end-of-stdin: `head -c N |` supplies it on v4 too.
    return this.executor.exec(['sh', '-c', STDIN_SCRIPT, 'knd-stdin', String(options.stdin.length), ...wrapped], { timeoutMs: options.timeoutMs, signal: options.signal, stdin: options.stdin });
  }

  /** A local unix socket (private temp dir) whose each connection is relayed by `socat` in the pod to the runtime socket. */
  async openCriEndpoint(endpoint: string, signal?: AbortSignal): Promise<CriEndpointLease> {
    throwIfAborted(signal);
    const socket = socketPath(endpoint);
    if (!socket) throw new NodeDoctorError('bad-input', `Unsupported runtime endpoint "${endpoint}".`, { hint: 'Use unix:///path/to/the.sock.' });
    const podSocket = this.require(socket);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'knd-cri-'));
    await fs.chmod(dir, 0o700);
    const local = path.join(dir, 'cri.sock');
    const connections = new Set<net.Socket>();
    const server = net.createServer((connection) => {
      connections.add(connection);
      connection.on('close', () => connections.delete(connection));
      this.executor.relay(['socat', '-', `UNIX-CONNECT:${podSocket}`], connection).catch(() => connection.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(local, () => resolve());
    });
    server.unref(); // never keeps a CLI alive; close() releases it
    const lease: CriEndpointLease = {
      address: `unix://${local}`,
      close: async () => {
        this.leases.delete(lease);
        for (const connection of connections) connection.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await fs.rm(dir, { recursive: true, force: true });
      },
    };
    this.leases.add(lease);
    return lease;
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.leases].map((lease) => lease.close()));
    await this.options.onDispose?.();
  }
}
