import { spawn } from 'node:child_process';
import { constants, lstatSync, promises as fs } from 'node:fs';
import type { Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { errnoOf, NodeDoctorError, throwIfAborted } from '../errors';
import { socketPath } from '../cri/endpoints';
import type { CriEndpointLease, FileEntry, NodeAccess, RunOptions, RunResult } from './nodeAccess';
import { fsError, readSmallSync } from './localFiles';
import { LocalProcessAccess } from './processes';

export interface LocalNodeAccessOptions {
  /** Where the node's `/` is mounted: `/` on the node itself, `/host` in a debug pod. */
  readonly hostRoot?: string;
  /** Cap on what `run` keeps of stdout/stderr each (default 4 MiB); the rest is discarded, the process still runs to its end. */
  readonly maxOutputBytes?: number;
  /**
   * Put in front of every `run` argv, e.g. `['nsenter', '-t', '1', '-m', '--']` in a debug pod (hostPID) so commands
   * see the node's mounts (network namespaces, /var/lib/cni), or `['nsenter', '-t', <holder>, '-m', '--']` for the
   * test runtime's private mount namespace. Default: none (commands see this process's own mounts).
   */
  readonly runPrefix?: readonly string[];
}


const DIR_CACHE_MS = 5_000;
/** Entries handled synchronously per slice of `listDir` / `readSmallFiles` before the event loop gets a turn (a few ms). */
const READ_SLICE = 128;
/** Scratch buffer of one `readSmallFiles` call: files up to this size are read without an allocation of their own. */
const SCRATCH_BYTES = 64 * 1024;

/** Node access with plain filesystem calls under a host-root prefix (on the node, or in a pod that mounts it). */
export class LocalNodeAccess implements NodeAccess {
  private readonly resolvedDirs = new Map<string, { at: number; resolved: string }>();
  readonly description: string;
  private readonly hostRoot: string;
  private readonly maxOutputBytes: number;
  private readonly runPrefix: readonly string[];
  /** `<hostRoot>/proc`: the node's processes when that is the host's /proc (killing also needs its PID namespace). */
  readonly processes: LocalProcessAccess;

  constructor(options: LocalNodeAccessOptions = {}) {
    this.hostRoot = path.resolve(options.hostRoot ?? '/');
    this.maxOutputBytes = options.maxOutputBytes ?? 4 * 1024 * 1024;
    this.runPrefix = options.runPrefix ?? [];
    this.description = this.hostRoot === '/' ? 'local' : `local (host root ${this.hostRoot})`;
    this.processes = new LocalProcessAccess(this.hostRoot);
  }

  /** Maps a node-absolute path under the host root; refuses relative paths and `..` escapes. */
  resolve(nodePath: string): string {
    if (!path.posix.isAbsolute(nodePath)) {
      throw new NodeDoctorError('bad-input', `Expected an absolute node path, got "${nodePath}".`);
    }
    // Refuse any `..` segment outright (not only those that would climb past the root after normalising): node
    // paths come from cache files and the runtime, and a path that needs `..` is never a legitimate one here.
    if (nodePath.split('/').includes('..') || nodePath.includes('\0')) {
      throw new NodeDoctorError('bad-input', `Path "${nodePath.slice(0, 200)}" contains "..": refused so it cannot escape the host root.`);
    }
    const normal = path.posix.normalize(nodePath);
    return this.hostRoot === '/' ? normal : path.join(this.hostRoot, normal);
  }

  /**
   * `resolve`, plus symbolic links in the directories of the path followed the way the node would follow them: an
   * absolute link target (`/var/run -> /run` on most hosts) is re-rooted under the host root instead of escaping into
   * this process's own filesystem, and `..` in a target cannot climb above the host root. The last component is not
   * followed (callers lstat it, or open it with O_NOFOLLOW).
   */
  private async within(nodePath: string, fresh = false): Promise<string> {
    const direct = this.resolve(nodePath);
    if (this.hostRoot === '/') return direct;
    const normal = path.posix.normalize(nodePath);
    if (normal === '/') return this.hostRoot;
    // The directory part is resolved once and remembered briefly: an inventory touches thousands of files in the
    // same few directories, and resolving every component of every path again costs one lstat per component.
    // `fresh` (every single-file read and every change): resolved again now, so a directory swapped for a symbolic
    // link since the inventory is followed the node's way (under the host root), never through a stale resolution.
    const parent = path.posix.dirname(normal);
    const last = path.posix.basename(normal);
    const cached = fresh ? undefined : this.resolvedDirs.get(parent);
    if (cached && Date.now() - cached.at < DIR_CACHE_MS) return path.join(cached.resolved, last);
    const queue = parent.split('/').filter(Boolean);
    let resolved: string[] = [];
    let links = 0;
    while (queue.length > 0) {
      const part = queue.shift() as string;
      if (part === '.') continue;
      // Only a link target brings `..` here (resolve() refuses it in the path itself); as on the node, it stops at the root.
      if (part === '..') { resolved.pop(); continue; }
      const candidate = path.join(this.hostRoot, ...resolved, part);
      let target: string | undefined;
      try {
        if ((await fs.lstat(candidate)).isSymbolicLink()) target = await fs.readlink(candidate);
      } catch {
        target = undefined; // missing: the caller's own call reports it
      }
      if (target === undefined) { resolved.push(part); continue; }
      links += 1;
      if (links > 40) throw new NodeDoctorError('bad-input', `Too many symbolic links in ${nodePath}.`);
      if (target.startsWith('/')) resolved = [];
      queue.unshift(...target.split('/').filter(Boolean));
    }
    const resolvedParent = path.join(this.hostRoot, ...resolved);
    if (this.resolvedDirs.size > 256) this.resolvedDirs.clear();
    this.resolvedDirs.set(parent, { at: Date.now(), resolved: resolvedParent });
    return path.join(resolvedParent, last);
  }

  /** A directory resolved component by component under the host root (its own last component included). */
  private async withinDir(dir: string): Promise<string> {
    return path.dirname(await this.within(path.posix.join(dir, '_')));
  }

  private entry(nodePath: string, stat: Stats): FileEntry {
    return { name: path.posix.basename(nodePath), path: nodePath, size: stat.size, mtimeMs: stat.mtimeMs, isFile: stat.isFile(), isDirectory: stat.isDirectory() };
  }

  async listDir(dir: string, signal?: AbortSignal): Promise<FileEntry[] | undefined> {
    throwIfAborted(signal);
    const resolvedDir = await this.withinDir(dir);
    let names: string[];
    try {
      names = await fs.readdir(resolvedDir);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return undefined;
      throw fsError('list', dir, error);
    }
    const sorted = names.sort();
    const found: FileEntry[] = [];
    // Entry names hold no '/' and are never '.' or '..': prefix concatenation is path.join's result, without its cost.
    const nodePrefix = dirPrefix(path.posix.join(dir, '.'));
    const hostPrefix = dirPrefix(resolvedDir);
    // Synchronous lstat in short slices, in the directory resolved once (names hold no '/'): a thread-pool round trip
    // per entry costs far more than the call itself, and a CNI cache directory can hold tens of thousands of entries.
    for (let start = 0; start < sorted.length; start += READ_SLICE) {
      throwIfAborted(signal);
      for (let i = start; i < Math.min(start + READ_SLICE, sorted.length); i++) {
        const child = nodePrefix + sorted[i];
        let stat: Stats;
        try {
          stat = lstatSync(hostPrefix + sorted[i]);
        } catch (error) {
          if (errnoOf(error) === 'ENOENT') continue; // removed while listing: skip
          throw fsError('stat', child, error);
        }
        found.push(this.entry(child, stat));
      }
      if (start + READ_SLICE < sorted.length) await yieldToLoop();
    }
    return found;
  }

  async listNames(dir: string, signal?: AbortSignal): Promise<string[] | undefined> {
    throwIfAborted(signal);
    const resolvedDir = await this.withinDir(dir);
    try {
      return (await fs.readdir(resolvedDir)).sort();
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return undefined;
      throw fsError('list', dir, error);
    }
  }

  async stat(nodePath: string, signal?: AbortSignal): Promise<FileEntry | undefined> {
    throwIfAborted(signal);
    try {
      return this.entry(nodePath, await fs.lstat(await this.within(nodePath, true)));
    } catch (error) {
      if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR') return undefined;
      throw fsError('stat', nodePath, error);
    }
  }

  async readFile(nodePath: string, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
    throwIfAborted(signal);
    let handle: FileHandle | undefined;
    try {
      // O_NONBLOCK: a FIFO swapped in for a planned file must not hang the repair; fstat then refuses anything irregular.
      handle = await fs.open(await this.within(nodePath, true), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      if (!(await handle.stat()).isFile()) throw new NodeDoctorError('bad-input', `${nodePath} is not a regular file; not read.`);
      const buffer = Buffer.alloc(maxBytes + 1);
      let length = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
        if (bytesRead === 0) break;
        length += bytesRead;
        if (length > maxBytes) {
          throw new NodeDoctorError('bad-input', `${nodePath} is larger than ${maxBytes} bytes; not read.`);
        }
      }
      return buffer.subarray(0, length);
    } catch (error) {
      if (error instanceof NodeDoctorError) throw error;
      throw fsError('read', nodePath, error);
    } finally {
      await handle?.close();
    }
  }

  async readSmallFiles(dir: string, names: readonly string[], maxBytes: number, signal?: AbortSignal): Promise<(Buffer | undefined)[]> {
    // Small files are read with synchronous calls in short slices: on a busy 2-core node the thread-pool round trips
    // of async reads cost ~0.5 ms a file, synchronous reads ~0.03 ms; yielding between slices keeps the loop responsive.
    for (const name of names) {
      if (name.includes('/') || name === '.' || name === '..' || name === '') throw new NodeDoctorError('bad-input', `"${name}" is not a file name.`);
    }
    const hostPrefix = dirPrefix(await this.withinDir(dir));
    const out: (Buffer | undefined)[] = new Array(names.length);
    // One scratch buffer for the whole call; each file is copied out at its exact length (no zero-filled
    // per-file allocation of size + 4 KiB, which at 10k files was most of the garbage this produced).
    const scratch = Buffer.allocUnsafe(Math.min(maxBytes, SCRATCH_BYTES) + 1);
    for (let start = 0; start < names.length; start += READ_SLICE) {
      throwIfAborted(signal);
      for (let i = start; i < Math.min(start + READ_SLICE, names.length); i++) {
        out[i] = readSmallSync(hostPrefix + names[i], maxBytes, scratch);
      }
      if (start + READ_SLICE < names.length) await yieldToLoop();
    }
    return out;
  }

  async writeFile(nodePath: string, data: Buffer, mode: number, signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    try {
      await fs.writeFile(await this.within(nodePath, true), data, { mode, flag: 'wx' });
    } catch (error) {
      if (errnoOf(error) === 'EEXIST') throw new NodeDoctorError('precondition-changed', `${nodePath} already exists; not overwritten.`);
      throw fsError('write', nodePath, error);
    }
  }

  async makeDir(nodePath: string, mode: number, signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    try {
      await fs.mkdir(await this.within(nodePath, true), { recursive: true, mode });
    } catch (error) {
      throw fsError('create', nodePath, error);
    }
  }

  async moveFile(from: string, to: string, signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    const source = await this.within(from, true);
    const target = await this.within(to, true);
    try {
      // link + unlink: a rename that never replaces an existing target.
      await fs.link(source, target);
      await fs.unlink(source);
      return;
    } catch (error) {
      if (errnoOf(error) === 'EEXIST') throw new NodeDoctorError('precondition-changed', `${to} already exists; not overwritten.`);
      if (errnoOf(error) !== 'EXDEV' && errnoOf(error) !== 'EPERM') throw fsError('move', from, error);
    }
    let copied = false;
    try {
      const stat = await fs.lstat(source);
      if (!stat.isFile()) throw new NodeDoctorError('bad-input', `${from} is not a regular file; not moved.`);
      copied = true;
      await fs.copyFile(source, target, constants.COPYFILE_EXCL);
      await fs.rm(source);
    } catch (copyError) {
      // A copy cut short (disk full) is removed, so nothing partial looks like a backup; the source is still there.
      if (copied && errnoOf(copyError) !== 'EEXIST') await fs.rm(target, { force: true }).catch(() => undefined);
      if (errnoOf(copyError) === 'EEXIST') throw new NodeDoctorError('precondition-changed', `${to} already exists; not overwritten.`);
      throw fsError('move', from, copyError);
    }
  }

  async removeFile(nodePath: string, signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    try {
      await fs.unlink(await this.within(nodePath, true));
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT') throw fsError('remove', nodePath, error);
    }
  }

  /** The node path seen from this process: the host root joined with the node-absolute path. */
  hostPath(nodePath: string): string {
    return this.resolve(nodePath);
  }

  /** Commands run in the node's mount namespace (a run prefix such as nsenter) see node paths; otherwise under the host root. */
  commandPath(nodePath: string): string {
    return this.runPrefix.length > 0 ? path.posix.normalize(nodePath) : this.resolve(nodePath);
  }

  run(command: readonly string[], options: RunOptions): Promise<RunResult> {
    if (command.length === 0) return Promise.reject(new NodeDoctorError('bad-input', 'Empty command.'));
    throwIfAborted(options.signal);
    const argv = [...this.runPrefix, ...command];
    return new Promise((resolve, reject) => {
      const child = spawn(argv[0], argv.slice(1), {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: options.env ? { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...options.env } : process.env,
        signal: options.signal,
        timeout: options.timeoutMs,
        killSignal: 'SIGKILL',
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let outBytes = 0;
      let errBytes = 0;
      const cap = this.maxOutputBytes;
      child.stdout.on('data', (chunk: Buffer) => { if (outBytes < cap) { const part = chunk.subarray(0, cap - outBytes); out.push(part); outBytes += part.length; } });
      child.stderr.on('data', (chunk: Buffer) => { if (errBytes < cap) { const part = chunk.subarray(0, cap - errBytes); err.push(part); errBytes += part.length; } });
      child.on('error', (error) => {
        if (options.signal?.aborted) reject(new NodeDoctorError('cancelled', `${argv[0]} cancelled.`));
        else reject(new NodeDoctorError('runtime-error', `Could not run ${argv[0]}: ${error.message}`, { cause: error }));
      });
      child.on('close', (code, signal) => {
        if (signal === 'SIGKILL' && !options.signal?.aborted) {
          reject(new NodeDoctorError('timeout', `${argv[0]} did not finish within ${options.timeoutMs} ms.`));
          return;
        }
        resolve({ exitCode: code ?? 128, stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
      });
      child.stdin.on('error', () => undefined); // the command may exit before reading its input
      child.stdin.end(options.stdin ?? Buffer.alloc(0));
    });
  }

  async openCriEndpoint(endpoint: string, signal?: AbortSignal): Promise<CriEndpointLease> {
    throwIfAborted(signal);
    const socket = socketPath(endpoint);
    if (!socket) {
      throw new NodeDoctorError('bad-input', `Unsupported runtime endpoint "${endpoint}".`, { hint: 'Use unix:///path/to/the.sock.' });
    }
    const resolved = await this.within(socket);
    try {
      await fs.access(resolved);
    } catch (error) {
      throw new NodeDoctorError('unreachable', `No runtime socket at ${resolved}.`, {
        cause: error, hint: 'Check that the container runtime is running, or set the runtime endpoint explicitly.',
      });
    }
    return { address: `unix://${resolved}`, close: async () => undefined };
  }

  async dispose(): Promise<void> {
    // nothing held open
  }
}

/** A normalised directory path with exactly one trailing '/'. */
function dirPrefix(dir: string): string {
  return dir.endsWith('/') ? dir : `${dir}/`;
}

function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
