import { createHash } from 'node:crypto';
import { describeError, isNodeDoctorError, NodeDoctorError } from '../core/errors';
import { CACHE_KIND, CACHE_VERSION, NpdCache, sharedAnswers } from '../core/npd/npdCache';
import type { BuiltAnswers, CacheRecord, SharedAnswers } from '../core/npd/npdCache';
import { exitCodeOf, isNpdCondition, NPD_CONDITIONS, unknownAnswers } from '../core/npd/protocol';
import type { NpdAnswer, NpdCondition } from '../core/npd/protocol';
import { summaryLine } from '../core/npd/summary';
import { formatDuration, parseDuration } from '../core/repair/duration';
import type * as NpdInventoryModule from './npdInventory';

/**
 * `kube-node-doctor npd-check CONDITION`: a node-problem-detector custom plugin. This part lives in dist/cli.js and
 * answers from the shared cache file alone; reading the node (client-node, gRPC: dist/cliNode.js) is loaded only by
 * the check that reads the inventory for the interval.
 */

export const DEFAULT_NPD_TIMEOUT_MS = 4_000;
export const DEFAULT_NPD_CACHE_DIR = '/run/kube-node-doctor';
export const DEFAULT_NPD_CACHE_TTL_MS = 20_000;

function help(nodeFlagsHelp: string): string {
  return `usage: kube-node-doctor npd-check CONDITION [options]

A node-problem-detector custom plugin: answers one node condition (True = problem)
from this node's inventory, in NPD's protocol. CONDITION is one of:
  CNICacheCorrupt   CNI result cache files the runtime reads on teardown and cannot decode,
                    blocking their sandboxes' teardown (not raised on containerd >= 2.0,
                    whose libcni >= 1.2.0 deletes such a file and goes on)
  SandboxBacklog    dead sandboxes/containers piling up, or a list at >= 75 % of the 4 MiB
                    client / 16 MiB send limits, or a list the runtime refused to send whole
  OrphanContainers  containers whose sandbox is gone
  StuckSandbox      Ready sandboxes of pods the API shows deleted past their grace period, or
                    gone (needs the API: in-cluster service account or --kubeconfig, and the
                    node name from NODE_NAME or --node-name; RBAC: list pods)

Exit status and stdout (NPD's custom-plugin protocol):
  0  OK       condition False
  1  problem  condition True
  2  Unknown  the answer cannot be proven (runtime unreachable, inventory incomplete where it
              matters, no API access for StuckSandbox, bad usage); the reason is in the summary
stdout is one line of at most 200 bytes, the condition's message; a few short notes go to stderr.

The conditions of a node share one inventory per interval: the first check reads it and writes
the four answers to a small cache file (lock file, atomic rename); the others answer from it.

  --timeout DURATION               answer within this (default ${formatDuration(DEFAULT_NPD_TIMEOUT_MS)}; keep it below the NPD rule's
                                   timeout, 5s by default): a runtime that does not answer is Unknown
  --cache-dir DIR|off              where the shared answers live (default ${DEFAULT_NPD_CACHE_DIR}); off: read the
                                   inventory on every check
  --cache-ttl DURATION             how long an inventory answers (default ${formatDuration(DEFAULT_NPD_CACHE_TTL_MS)}; keep it below NPD's
                                   invoke_interval, 30s by default)
  --node-name NAME                 this node's name in the API, for StuckSandbox (default: $NODE_NAME)
${nodeFlagsHelp}
`;
}

export interface NpdCheckArgs {
  readonly condition: NpdCondition;
  /** The node flags of `inspect`, as given (parsed by the reader, only when the inventory is read). */
  readonly nodeArgs: readonly string[];
  readonly timeoutMs: number;
  /** undefined: no cache. */
  readonly cacheDir?: string;
  readonly cacheTtlMs: number;
  readonly nodeName?: string;
}

function duration(name: string, value: string | undefined, min: number, max: number): number {
  const ms = value === undefined ? undefined : parseDuration(value);
  if (ms === undefined || ms < min || ms > max) {
    throw new NodeDoctorError('bad-input', `${name} needs a duration between ${formatDuration(min)} and ${formatDuration(max)} (e.g. 4s, 1500ms), got "${value ?? ''}"`);
  }
  return ms;
}

/**
 * Parses npd-check's own flags; every other `--flag` is a node flag (each takes a value, as `--flag V` or `--flag=V`)
 * passed on unparsed. The first other word is the condition.
 */
export function parseNpdArgs(args: readonly string[], env: NodeJS.ProcessEnv = process.env): NpdCheckArgs | 'help' {
  let condition: string | undefined;
  let timeoutMs = DEFAULT_NPD_TIMEOUT_MS;
  let cacheDir: string | undefined = DEFAULT_NPD_CACHE_DIR;
  let cacheTtlMs = DEFAULT_NPD_CACHE_TTL_MS;
  let nodeName = env.NODE_NAME || undefined;
  const nodeArgs: string[] = [];
  for (let i = 0; i < args.length;) {
    const arg = args[i];
    if (arg === '--help' || arg === '-h') return 'help';
    if (!arg.startsWith('-')) {
      if (condition !== undefined) throw new NodeDoctorError('bad-input', `one condition per check, got "${condition}" and "${arg.slice(0, 60)}"`);
      condition = arg;
      i += 1;
      continue;
    }
    if (!arg.startsWith('--')) throw new NodeDoctorError('bad-input', `unknown option "${arg.slice(0, 60)}"`);
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = eq > 0 ? arg.slice(eq + 1) : args[i + 1];
    i += eq > 0 ? 1 : 2;
    if (name === '--timeout') timeoutMs = duration(name, value, 500, 600_000);
    else if (name === '--cache-ttl') cacheTtlMs = duration(name, value, 0, 3_600_000);
    else if (name === '--cache-dir') {
      if (value === undefined || (value !== 'off' && !value.startsWith('/'))) throw new NodeDoctorError('bad-input', `--cache-dir needs an absolute directory or "off", got "${value ?? ''}"`);
      cacheDir = value === 'off' ? undefined : value;
    } else if (name === '--node-name') {
      if (!value) throw new NodeDoctorError('bad-input', '--node-name needs a value');
      nodeName = value;
    } else {
      if (value === undefined) throw new NodeDoctorError('bad-input', `${name} needs a value`);
      nodeArgs.push(name, value);
    }
  }
  if (condition === undefined) throw new NodeDoctorError('bad-input', `name the condition (${NPD_CONDITIONS.join(', ')})`);
  if (!isNpdCondition(condition)) throw new NodeDoctorError('bad-input', `unknown condition "${condition.slice(0, 60)}" (${NPD_CONDITIONS.join(', ')})`);
  return { condition, nodeArgs, timeoutMs, cacheDir, cacheTtlMs, nodeName };
}

/** Checks whose answers-deciding flags agree (node flags in any order, node name, API access) share one cache file. */
export function cacheKey(parsed: Pick<NpdCheckArgs, 'nodeArgs' | 'nodeName'>, env: NodeJS.ProcessEnv = process.env): string {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < parsed.nodeArgs.length; i += 2) pairs.push([parsed.nodeArgs[i], parsed.nodeArgs[i + 1]]);
  pairs.sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  const api = env.KUBERNETES_SERVICE_HOST ? `in-cluster ${env.KUBERNETES_SERVICE_HOST}` : env.KUBECONFIG ?? '';
  const identity = JSON.stringify({ flags: pairs, node: parsed.nodeName ?? '', api });
  return createHash('sha256').update(identity).digest('hex').slice(0, 16);
}

/** A record for answers read by this check alone (no cache). */
function ownRecord(built: BuiltAnswers, started: number): CacheRecord {
  return {
    kind: CACHE_KIND, version: CACHE_VERSION, key: '0'.repeat(16), generation: 1, readAt: started, readMs: Date.now() - started,
    pid: process.pid, source: built.source, answers: built.answers,
  };
}

function elapsed(ms: number): string {
  return ms < 1000 ? `${Math.max(0, Math.round(ms))} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** One stdout line, then a provenance line and the answer's notes on stderr; returns the exit code. */
function emit(condition: NpdCondition, answer: NpdAnswer, provenance: string): number {
  process.stdout.write(`${answer.summary}\n`);
  process.stderr.write(`npd-check ${condition}: ${provenance}\n${answer.notes.map((n) => `  ${n}\n`).join('')}`);
  return exitCodeOf(answer.status);
}

function provenanceOf(shared: SharedAnswers, cached: boolean, now: number): string {
  const r = shared.record;
  const what = shared.from === 'read' ? `read the inventory in ${elapsed(r.readMs)}` : `answered from the inventory pid ${r.pid} read ${elapsed(now - r.readAt)} ago`;
  return `${what} (${cached ? `inventory #${r.generation} of this cache` : 'no cache'}; ${r.source})${shared.ignored ? `; ignored a cache file: ${shared.ignored}` : ''}`
    + `${shared.notWritten ? `; could not write the cache file (${shared.notWritten})` : ''}`;
}

export interface NpdCheckOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** The node reader (dist/cliNode.js), required on first use. */
  readonly reader: () => typeof NpdInventoryModule;
  /**
   * The CLI's own process (not a test calling in): exit with Unknown at the timeout whatever still runs, and do not let
   * a handle left open keep the process alive after the answer.
   */
  readonly ownProcess?: boolean;
}

export async function npdCheckCommand(args: readonly string[], options: NpdCheckOptions): Promise<number> {
  const env = options.env ?? process.env;
  let parsed: NpdCheckArgs | 'help';
  try {
    parsed = parseNpdArgs(args, env);
  } catch (error) {
    // NPD shows stdout as the condition's message: say what is wrong there too.
    process.stdout.write(`${summaryLine(`Unknown: bad usage of kube-node-doctor npd-check: ${describeError(error)}`)}\n`);
    process.stderr.write('Run "kube-node-doctor npd-check --help".\n');
    return 2;
  }
  if (parsed === 'help') {
    process.stdout.write(help(options.reader().NODE_FLAGS_HELP));
    return 0;
  }
  const check = parsed;
  const started = Date.now();
  const deadlineMs = started + check.timeoutMs;
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, onSignal);
  let answered = false;
  let cache: NpdCache | undefined;
  // The last guard: whatever still runs (a call that ignores its abort signal), the plugin answers before NPD's timeout.
  const guard = setTimeout(() => {
    if (answered || !options.ownProcess) return;
    answered = true;
    cache?.release();
    process.stdout.write(`${summaryLine(`Unknown: no answer within ${formatDuration(check.timeoutMs)} (the node inventory did not finish)`)}\n`);
    process.exit(2);
  }, Math.max(50, check.timeoutMs - 100));
  // The read stops this long before the deadline, leaving time to close the runtime client, write the cache and answer
  // (on a loaded node a process needs a few hundred milliseconds for that, too).
  const reserveMs = Math.min(1_000, Math.round(check.timeoutMs * 0.25));
  const build = (): Promise<BuiltAnswers> => options.reader().npdReadAnswers({
    nodeArgs: check.nodeArgs, nodeName: check.nodeName, env, stop: stop.signal, endAt: deadlineMs - reserveMs,
  });
  try {
    let shared: SharedAnswers | undefined;
    let cached = false;
    if (check.cacheDir !== undefined && check.cacheTtlMs > 0) {
      cache = new NpdCache({ dir: check.cacheDir, key: cacheKey(check, env), ttlMs: check.cacheTtlMs, staleLockMs: Math.max(10_000, check.timeoutMs * 2) });
      try {
        shared = await sharedAnswers(cache, deadlineMs, build);
        cached = true;
      } catch (error) {
        if (stop.signal.aborted || isNodeDoctorError(error)) throw error;
        // The cache directory cannot be used (read-only, permissions): answer without it, and say so.
        process.stderr.write(`npd-check: cache ${check.cacheDir} not usable (${describeError(error)}); reading the inventory for this check alone\n`);
        shared = { from: 'read', record: ownRecord(await build(), started) };
      }
      if (!shared) {
        answered = true;
        return emit(check.condition, unknownAnswers(`the inventory another check is reading did not finish within ${formatDuration(check.timeoutMs)}`)[check.condition], `waited for ${cache.lockFile}`);
      }
    } else {
      shared = { from: 'read', record: ownRecord(await build(), started) };
    }
    answered = true;
    return emit(check.condition, shared.record.answers[check.condition], provenanceOf(shared, cached, Date.now()));
  } catch (error) {
    if (answered) throw error;
    answered = true;
    const why = stop.signal.aborted ? 'stopped by a signal before the inventory was read'
      : isNodeDoctorError(error) && error.reason === 'bad-input' ? `bad usage of kube-node-doctor npd-check: ${describeError(error)}`
        : `internal error: ${describeError(error)}`;
    process.stdout.write(`${summaryLine(`Unknown: ${why}`)}\n`);
    return 2;
  } finally {
    clearTimeout(guard);
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(s, onSignal);
    // The answer is out: a handle left open (a gRPC channel closing) must not keep the process past NPD's timeout.
    if (options.ownProcess) setTimeout(() => process.exit(), 500).unref();
  }
}
