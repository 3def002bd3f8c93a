import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import * as path from 'node:path';
import { errnoOf, NodeDoctorError, throwIfAborted } from '../errors';

/**
 * The node's processes, as the last-resort repairs need them (a stuck sandbox's shim): read from the host's `/proc`
 * and killed only after a re-check of the same process. Locally that needs the host's `/proc` under the host root and
 * this process in the host's PID namespace; through the bridge, the host-pid profile.
 */

/** One process, from `/proc/<pid>/stat`; `argv` only for the processes a scan asked about. */
export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  /** `comm` (at most 15 bytes), e.g. `pause`, `containerd-shim`. */
  readonly comm: string;
  /** `R`, `S`, `D`, `Z`, … */
  readonly state: string;
  /** Field 22 of `/proc/<pid>/stat` (clock ticks since boot): with the PID, it names one process for its lifetime. */
  readonly startTime: string;
  readonly argv?: readonly string[];
}

/** A process as planned: what the re-check before a kill compares. */
export interface ProcessIdentity {
  readonly pid: number;
  readonly startTime: string;
  readonly argv: readonly string[];
}

export type KillOutcome =
  | { readonly kind: 'killed' }
  /** No such PID any more (or only its zombie with the same start time). */
  | { readonly kind: 'gone' }
  /** The PID is another process now (start time or command line differ): nothing was signalled. */
  | { readonly kind: 'changed'; readonly detail: string };

export interface ProcessAccess {
  /** Where the processes are read, for plans and errors: `host /proc under /host`, `bridge pod (host PID namespace)`. */
  readonly description: string;
  /** Every process with its stat fields; `argv` for those whose command line contains `needle` (non-empty). */
  scan(needle: string, signal?: AbortSignal): Promise<ProcessInfo[]>;
  /** SIGKILL `expect.pid` only if it still has the same start time and command line; the check and the kill are back to back. */
  killIfSame(expect: ProcessIdentity, signal?: AbortSignal): Promise<KillOutcome>;
}

/** `/proc/<pid>/cmdline` bytes → argv (NUL-separated, trailing NUL dropped). */
export function parseCmdline(data: Buffer): string[] {
  if (data.length === 0) return [];
  const end = data[data.length - 1] === 0 ? data.length - 1 : data.length;
  return data.subarray(0, end).toString('utf8').split('\0');
}

/**
 * One `/proc/<pid>/stat` line. `comm` sits in parentheses and may itself hold `)` or spaces, so the fields after it are
 * split from the last `)`. Undefined for anything else.
 */
export function parseStat(line: string): Omit<ProcessInfo, 'argv'> | undefined {
  const open = line.indexOf(' (');
  const close = line.lastIndexOf(')');
  if (open <= 0 || close < open) return undefined;
  const pid = Number(line.slice(0, open));
  const rest = line.slice(close + 1).trim().split(/\s+/);
  // rest[0] is field 3 (state), so field n is rest[n - 3]: ppid is 4, starttime is 22.
  if (!Number.isSafeInteger(pid) || pid <= 0 || rest.length < 20) return undefined;
  const ppid = Number(rest[1]);
  const startTime = rest[19];
  if (!Number.isSafeInteger(ppid) || !/^\d+$/.test(startTime)) return undefined;
  return { pid, ppid, comm: line.slice(open + 2, close), state: rest[0], startTime };
}

/**
 * Every stat line of a `cat /proc/[0-9]*\/stat`: one per process, except that a `comm` holding a newline continues on
 * the next line (a line that does not start like a stat line is joined to the one before).
 */
export function parseStatLines(text: string): Omit<ProcessInfo, 'argv'>[] {
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    if (/^\d+ \(/.test(line) || lines.length === 0) lines.push(line);
    else lines[lines.length - 1] += `\n${line}`;
  }
  return lines.map(parseStat).filter((p): p is Omit<ProcessInfo, 'argv'> => p !== undefined);
}

function sameArgv(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Compares a freshly read process with the planned one: undefined when it is the same process, else what differs. */
export function identityChange(expect: ProcessIdentity, now: { startTime: string; argv: readonly string[] }): string | undefined {
  if (now.startTime !== expect.startTime) return `PID ${expect.pid} has start time ${now.startTime} now, not ${expect.startTime}: it is another process`;
  if (!sameArgv(now.argv, expect.argv)) return `PID ${expect.pid} runs "${now.argv.join(' ').slice(0, 300)}" now, not the planned command line`;
  return undefined;
}


/**
 * Processes from a `/proc` this process can read: `<hostRoot>/proc`. Killing needs that `/proc` to be of this process's
 * own PID namespace (its `self` link names this process), else a PID read there would name another process here.
 */
export class LocalProcessAccess implements ProcessAccess {
  readonly description: string;
  private readonly procDir: string;

  constructor(hostRoot: string) {
    this.procDir = path.join(path.resolve(hostRoot), 'proc');
    this.description = this.procDir;
  }

  private pids(): number[] {
    let names: string[];
    try {
      names = readdirSync(this.procDir);
    } catch (error) {
      throw new NodeDoctorError('forbidden', `The node's processes are not visible here: ${this.procDir} cannot be read (${errnoOf(error) ?? String(error)}).`, {
        cause: error, hint: 'Run on the node (or in a pod with hostPID and the host\'s / at --host-root).',
      });
    }
    const pids = names.filter((n) => /^\d+$/.test(n)).map(Number);
    if (pids.length === 0) {
      throw new NodeDoctorError('forbidden', `${this.procDir} lists no process: the host's /proc is not mounted there.`, { hint: 'Run on the node, or mount the host\'s /proc.' });
    }
    return pids;
  }

  private read(pid: number, file: string): Buffer | undefined {
    try {
      return readFileSync(path.join(this.procDir, String(pid), file));
    } catch {
      return undefined; // exited meanwhile, or not ours to read
    }
  }

  scan(needle: string, signal?: AbortSignal): Promise<ProcessInfo[]> {
    try {
      return Promise.resolve(this.scanSync(needle, signal));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private scanSync(needle: string, signal?: AbortSignal): ProcessInfo[] {
    throwIfAborted(signal);
    if (needle === '') throw new NodeDoctorError('bad-input', 'Empty process search string.');
    const out: ProcessInfo[] = [];
    // Synchronous reads of small procfs files: a few hundred to a few thousand processes take milliseconds.
    for (const pid of this.pids()) {
      const stat = this.read(pid, 'stat');
      const info = stat ? parseStat(stat.toString('utf8').trimEnd()) : undefined;
      if (!info) continue;
      const cmdline = this.read(pid, 'cmdline');
      const matches = cmdline !== undefined && cmdline.includes(needle);
      out.push(matches ? { ...info, argv: parseCmdline(cmdline) } : info);
    }
    return out;
  }

  /** True when `<procDir>/self` is this process: the PIDs read there are the PIDs `kill` here acts on. */
  private samePidNamespace(): boolean {
    try {
      return readlinkSync(path.join(this.procDir, 'self')) === String(process.pid);
    } catch {
      return false;
    }
  }

  killIfSame(expect: ProcessIdentity, signal?: AbortSignal): Promise<KillOutcome> {
    throwIfAborted(signal);
    if (!this.samePidNamespace()) {
      return Promise.reject(new NodeDoctorError('forbidden', `${this.procDir} belongs to another PID namespace than this process: PID ${expect.pid} there is not PID ${expect.pid} here, so nothing was killed.`, {
        hint: 'Run in the node\'s PID namespace (on the node, or in a pod with hostPID).',
      }));
    }
    const stat = this.read(expect.pid, 'stat');
    const info = stat ? parseStat(stat.toString('utf8').trimEnd()) : undefined;
    if (!info || (info.state === 'Z' && info.startTime === expect.startTime)) return Promise.resolve({ kind: 'gone' });
    const cmdline = this.read(expect.pid, 'cmdline') ?? Buffer.alloc(0);
    const change = identityChange(expect, { startTime: info.startTime, argv: parseCmdline(cmdline) });
    if (change) return Promise.resolve({ kind: 'changed', detail: change });
    try {
      process.kill(expect.pid, 'SIGKILL');
    } catch (error) {
      if (errnoOf(error) === 'ESRCH') return Promise.resolve({ kind: 'gone' });
      return Promise.reject(new NodeDoctorError(errnoOf(error) === 'EPERM' ? 'forbidden' : 'internal', `Could not SIGKILL PID ${expect.pid}: ${errnoOf(error) ?? String(error)}.`, { cause: error }));
    }
    return Promise.resolve({ kind: 'killed' });
  }
}

/** Whether an argv is a containerd shim (`containerd-shim-runc-v2`, `containerd-shim-runsc-v1`, `containerd-shim-kata-v2`, …). */
export function isContainerdShim(argv: readonly string[]): boolean {
  return argv.length > 0 && /^containerd-shim(-|$)/.test(path.posix.basename(argv[0]));
}

/** A Go-flag value from an argv: `-name v`, `--name v`, `-name=v`, `--name=v`. */
export function flagValue(argv: readonly string[], name: string): string | undefined {
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === `-${name}` || arg === `--${name}`) return argv[i + 1];
    if (arg.startsWith(`-${name}=`)) return arg.slice(name.length + 2);
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
    if (arg === '--') return undefined;
  }
  return undefined;
}

/** The sandbox/group ID a shim serves (`-id <id>`), when the argv is a containerd shim's. */
export function shimIdOf(argv: readonly string[]): string | undefined {
  return isContainerdShim(argv) ? flagValue(argv, 'id') : undefined;
}
