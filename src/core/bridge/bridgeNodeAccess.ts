import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';
import { socketPath } from '../cri/endpoints';
import { NodeDoctorError, throwIfAborted } from '../errors';
import type { CriEndpointLease, FileEntry, NodeAccess, RunOptions, RunResult } from '../node/nodeAccess';
import type { ExecOptions } from './podExec';
import { podPathFor } from './podSpec';
import type { BridgeMount, BridgeProfile } from './podSpec';

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

/** `stat -c` format understood by busybox and GNU stat: raw mode (hex), size, mtime (s), name. */
const STAT_FORMAT = '%f\t%s\t%Y\t%n';
const S_IFMT = 0o170000;

function classify(stderr: string): 'missing' | 'denied' | 'other' {
  if (/No such file or directory|Not a directory/.test(stderr)) return 'missing';
  if (/Permission denied|Operation not permitted|Read-only file system/.test(stderr)) return 'denied';
  return 'other';
}

/**
 * NodeAccess through a bridge pod: every file operation is one argv exec'd in the pod, on the node's directories
 * mounted under `/host`; the CRI socket is reached through a local unix socket whose each connection is carried by
 * `socat - UNIX-CONNECT:/host/<socket>` in the pod. Tools relied on in the image: sleep, stat, find, head, tee, chmod,
 * ln, mv, rm, mkdir, socat (and env, nsenter for `run` in the host-pid profile).
 */
export class BridgeNodeAccess implements NodeAccess {
  readonly description: string;
  private readonly leases = new Set<CriEndpointLease>();

  constructor(private readonly executor: BridgeExecutor, private readonly options: BridgeNodeAccessOptions) {
    this.description = options.description;
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

  private parseStat(line: string, dir: string | undefined): FileEntry | undefined {
    const parts = line.split('\t');
    if (parts.length < 4) return undefined;
    const mode = parseInt(parts[0], 16);
    const name = path.posix.basename(parts.slice(3).join('\t'));
    return {
      name,
      path: dir === undefined ? '' : path.posix.join(dir, name),
      size: Number(parts[1]),
      mtimeMs: Number(parts[2]) * 1000,
      isFile: (mode & S_IFMT) === 0o100000,
      isDirectory: (mode & S_IFMT) === 0o040000,
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
    const entry = this.parseStat(result.stdout.toString('utf8').split('\n')[0], undefined);
    return entry && { ...entry, name: path.posix.basename(nodePath), path: path.posix.normalize(nodePath) };
  }

  async listDir(dir: string, signal?: AbortSignal): Promise<FileEntry[] | undefined> {
    const mapped = podPathFor(this.options.mounts, dir);
    if (!mapped) return undefined;
    // One exec: the directory itself comes first (find's pre-order), then each child; a missing directory prints nothing.
    const result = await this.call(['find', mapped.podPath, '-maxdepth', '1', '-exec', 'stat', '-c', STAT_FORMAT, '{}', '+'], signal);
    const lines = result.stdout.toString('utf8').split('\n').filter((l) => l !== '');
    if (lines.length === 0) {
      if (result.exitCode === 0 || classify(result.stderr.toString('utf8')) === 'missing') return undefined;
      throw this.failure('list', dir, result);
    }
    const self = this.parseStat(lines[0], undefined);
    if (!self?.isDirectory) throw new NodeDoctorError('bad-input', `${dir} is not a directory.`);
    const normal = path.posix.normalize(dir);
    const entries = lines.slice(1).map((l) => this.parseStat(l, normal)).filter((e): e is FileEntry => e !== undefined);
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async readFile(nodePath: string, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
    const result = await this.call(['head', '-c', String(maxBytes + 1), this.require(nodePath)], signal);
    if (result.exitCode !== 0) throw this.failure('read', nodePath, result);
    if (result.stdout.length > maxBytes) throw new NodeDoctorError('bad-input', `${nodePath} is larger than ${maxBytes} bytes; not read.`);
    return result.stdout;
  }

  async writeFile(nodePath: string, data: Buffer, mode: number, signal?: AbortSignal): Promise<void> {
    const target = this.require(nodePath);
    const temp = `${target}.knd-${randomBytes(4).toString('hex')}`;
    try {
      const written = await this.call(['tee', temp], signal, data);
      if (written.exitCode !== 0) throw this.failure('write', nodePath, written);
      const chmod = await this.call(['chmod', (mode & 0o7777).toString(8), temp], signal);
      if (chmod.exitCode !== 0) throw this.failure('write', nodePath, chmod);
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
    const result = await this.call(['mv', this.require(from), this.require(to)], signal);
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
    return this.executor.exec(wrapped, { timeoutMs: options.timeoutMs, signal: options.signal, stdin: options.stdin });
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
