import { NodeDoctorError, throwIfAborted } from '../errors';
import { identityChange, parseCmdline, parseStatLines } from '../node/processes';
import type { KillOutcome, ProcessAccess, ProcessIdentity, ProcessInfo } from '../node/processes';
import type { BridgeExecutor } from './bridgeNodeAccess';

/**
 * Scan in one exec (busybox sh in the host-pid bridge pod, whose `/proc` is the node's): every stat line, then
 * `C <pid> <hex of cmdline>` for each process whose command line holds $1. The command line is compared with NULs
 * turned into \001 (a shell variable cannot hold NUL) and sent as hex, so any byte survives.
 */
export const SCAN_SCRIPT = [
  'needle=$1',
  'cat /proc/[0-9]*/stat 2>/dev/null',
  'echo "--knd-cmdlines--"',
  'for d in /proc/[0-9]*; do',
  '  c=$(tr "\\000" "\\001" < "$d/cmdline" 2>/dev/null) || continue',
  '  case $c in *"$needle"*) printf "C %s " "${d#/proc/}"; od -An -v -tx1 "$d/cmdline" 2>/dev/null | tr -d " \\n"; echo;; esac',
  'done',
].join('\n');

/**
 * Kill in one exec, right after the re-check: prints `gone`, `changed <what>` or `killed`. $1 PID, $2 planned start
 * time, $3 planned command line in hex. Field 22 of the stat line is the start time (the 20th word after `comm)`).
 */
export const KILL_SCRIPT = [
  'pid=$1 start=$2 hex=$3',
  's=$(cat "/proc/$pid/stat" 2>/dev/null) || { echo gone; exit 0; }',
  'rest=${s##*) }',
  'set -- $rest',
  'state=$1 now=${20}',
  '[ "$state" = Z ] && [ "$now" = "$start" ] && { echo gone; exit 0; }',
  '[ "$now" = "$start" ] || { echo "changed start $now"; exit 0; }',
  'c=$(od -An -v -tx1 "/proc/$pid/cmdline" 2>/dev/null | tr -d " \\n")',
  '[ "$c" = "$hex" ] || { echo "changed cmdline $c"; exit 0; }',
  'kill -KILL "$pid" && echo killed',
].join('\n');

function hexOf(argv: readonly string[]): string {
  return Buffer.from(argv.map((a) => `${a}\0`).join(''), 'utf8').toString('hex');
}

/** Parses SCAN_SCRIPT's output. */
export function parseScanOutput(text: string): ProcessInfo[] {
  const marker = text.indexOf('--knd-cmdlines--\n');
  const stats = parseStatLines(marker < 0 ? text : text.slice(0, marker));
  const argvs = new Map<number, string[]>();
  for (const line of marker < 0 ? [] : text.slice(marker).split('\n').slice(1)) {
    const m = /^C (\d+) ([0-9a-f]*)$/.exec(line.trim());
    if (m) argvs.set(Number(m[1]), parseCmdline(Buffer.from(m[2], 'hex')));
  }
  return stats.map((p) => (argvs.has(p.pid) ? { ...p, argv: argvs.get(p.pid) } : p));
}

/** The node's processes through a bridge pod in the host-pid profile (its `/proc` is the node's). */
export class BridgeProcessAccess implements ProcessAccess {
  readonly description = 'the bridge pod\'s /proc (host PID namespace)';

  constructor(private readonly executor: BridgeExecutor, private readonly timeoutMs: number) {}

  async scan(needle: string, signal?: AbortSignal): Promise<ProcessInfo[]> {
    throwIfAborted(signal);
    if (needle === '' || needle.includes('\0')) throw new NodeDoctorError('bad-input', 'Bad process search string.');
    const result = await this.executor.exec(['sh', '-c', SCAN_SCRIPT, 'knd-ps', needle], { timeoutMs: this.timeoutMs, signal });
    const processes = parseScanOutput(result.stdout.toString('utf8'));
    if (processes.length === 0) {
      throw new NodeDoctorError('forbidden', `The bridge pod sees no process in /proc (exit code ${result.exitCode}: ${result.stderr.toString('utf8').trim().slice(0, 200)}).`, {
        hint: 'The host-pid profile is needed to see the node\'s processes.',
      });
    }
    return processes;
  }

  async killIfSame(expect: ProcessIdentity, signal?: AbortSignal): Promise<KillOutcome> {
    throwIfAborted(signal);
    const hex = hexOf(expect.argv);
    const result = await this.executor.exec(['sh', '-c', KILL_SCRIPT, 'knd-kill', String(expect.pid), expect.startTime, hex], { timeoutMs: this.timeoutMs, signal });
    const out = result.stdout.toString('utf8').trim();
    if (out === 'killed') return { kind: 'killed' };
    if (out === 'gone') return { kind: 'gone' };
    const changed = /^changed (start|cmdline) ?(.*)$/.exec(out);
    if (changed) {
      const now = changed[1] === 'start' ? { startTime: changed[2], argv: expect.argv } : { startTime: expect.startTime, argv: parseCmdline(Buffer.from(changed[2], 'hex')) };
      return { kind: 'changed', detail: identityChange(expect, now) ?? `PID ${expect.pid} changed` };
    }
    throw new NodeDoctorError('runtime-error', `Could not SIGKILL PID ${expect.pid} in the bridge pod: ${result.stderr.toString('utf8').trim().slice(0, 300) || `exit code ${result.exitCode}`}.`);
  }
}
