// In-memory NodeAccess for unit tests: a flat map of node-absolute paths to bytes and mtimes, plus a recorder for
// `run` whose answers the test decides. Real behaviour lives in test/integration against the real runtime.
import * as path from 'node:path';
import { NodeDoctorError, throwIfAborted } from '../../src/core/errors';
import type { CriEndpointLease, FileEntry, NodeAccess, RunOptions, RunResult } from '../../src/core/node/nodeAccess';

interface FakeFile {
  data: Buffer;
  mtimeMs: number;
  mode: number;
}

export interface RunCall {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly stdin: string;
}

export type RunHandler = (call: RunCall) => RunResult | Promise<RunResult>;

export class FakeNodeAccess implements NodeAccess {
  readonly description = 'fake node';
  readonly files = new Map<string, FakeFile>();
  readonly dirs = new Set<string>(['/']);
  readonly runs: RunCall[] = [];
  /** Every mutating call, in order: `write <path>`, `move <from> <to>`, `remove <path>`, `mkdir <path>`. */
  readonly log: string[] = [];
  runHandler: RunHandler = () => ({ exitCode: 0, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) });
  private clock = 1_700_000_000_000;

  /** Creates (or replaces) a file and its parent directories; mtime advances on every write. */
  put(nodePath: string, data: Buffer | string, mtimeMs?: number): void {
    this.addDirs(path.posix.dirname(nodePath));
    this.clock += 1000;
    this.files.set(nodePath, { data: Buffer.isBuffer(data) ? data : Buffer.from(data), mtimeMs: mtimeMs ?? this.clock, mode: 0o600 });
  }

  content(nodePath: string): Buffer | undefined {
    return this.files.get(nodePath)?.data;
  }

  private addDirs(dir: string): void {
    for (let d = dir; !this.dirs.has(d); d = path.posix.dirname(d)) this.dirs.add(d);
  }

  private entry(nodePath: string): FileEntry | undefined {
    const file = this.files.get(nodePath);
    if (file) return { name: path.posix.basename(nodePath), path: nodePath, size: file.data.length, mtimeMs: file.mtimeMs, isFile: true, isDirectory: false };
    if (this.dirs.has(nodePath)) return { name: path.posix.basename(nodePath), path: nodePath, size: 4096, mtimeMs: 0, isFile: false, isDirectory: true };
    return undefined;
  }

  async listDir(dir: string, signal?: AbortSignal): Promise<FileEntry[] | undefined> {
    throwIfAborted(signal);
    if (!this.dirs.has(dir)) return undefined;
    const children = new Set<string>();
    for (const p of [...this.files.keys(), ...this.dirs]) {
      if (p !== dir && path.posix.dirname(p) === dir) children.add(p);
    }
    return [...children].sort().map((p) => this.entry(p)).filter((e): e is FileEntry => e !== undefined);
  }

  async stat(nodePath: string, signal?: AbortSignal): Promise<FileEntry | undefined> {
    throwIfAborted(signal);
    return this.entry(nodePath);
  }

  async readFile(nodePath: string, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
    throwIfAborted(signal);
    const file = this.files.get(nodePath);
    if (!file) throw new NodeDoctorError('not-found', `${nodePath} does not exist.`);
    if (file.data.length > maxBytes) throw new NodeDoctorError('bad-input', `${nodePath} is larger than ${maxBytes} bytes; not read.`);
    return Buffer.from(file.data);
  }

  async writeFile(nodePath: string, data: Buffer, mode: number, signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    if (this.files.has(nodePath)) throw new NodeDoctorError('precondition-changed', `${nodePath} already exists; not overwritten.`);
    if (!this.dirs.has(path.posix.dirname(nodePath))) throw new NodeDoctorError('not-found', `${path.posix.dirname(nodePath)} does not exist.`);
    this.log.push(`write ${nodePath}`);
    this.put(nodePath, data);
    const file = this.files.get(nodePath);
    if (file) file.mode = mode;
  }

  async makeDir(nodePath: string, _mode: number, signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    this.log.push(`mkdir ${nodePath}`);
    this.addDirs(nodePath);
  }

  async moveFile(from: string, to: string, signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    const file = this.files.get(from);
    if (!file) throw new NodeDoctorError('not-found', `${from} does not exist.`);
    if (!this.dirs.has(path.posix.dirname(to))) throw new NodeDoctorError('not-found', `${path.posix.dirname(to)} does not exist.`);
    if (this.files.has(to)) throw new NodeDoctorError('precondition-changed', `${to} already exists; not overwritten.`);
    this.log.push(`move ${from} ${to}`);
    this.files.delete(from);
    this.files.set(to, file);
  }

  async removeFile(nodePath: string, signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    this.log.push(`remove ${nodePath}`);
    this.files.delete(nodePath);
  }

  async run(argv: readonly string[], options: RunOptions): Promise<RunResult> {
    throwIfAborted(options.signal);
    const call: RunCall = { argv: [...argv], env: { ...(options.env ?? {}) }, stdin: options.stdin?.toString('utf8') ?? '' };
    this.runs.push(call);
    return this.runHandler(call);
  }

  async openCriEndpoint(endpoint: string): Promise<CriEndpointLease> {
    return { address: endpoint, close: async () => undefined };
  }

  async dispose(): Promise<void> {
    // nothing held
  }
}
