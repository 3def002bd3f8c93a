import { createHash } from 'node:crypto';
import { KubeApi } from '../core/cluster/kubeApi';
import type { KubeRequester } from '../core/cluster/kubeApi';
import { loadClientNode } from '../core/cluster/clientNode';
import { loadKubeconfigs } from '../core/cluster/kubeconfig';
import { listPodsOnNode } from '../core/cluster/podsOnNode';
import type { NodePod } from '../core/cluster/podsOnNode';
import { describeError, isNodeDoctorError, NodeDoctorError } from '../core/errors';
import { evaluateConditions, exitCodeOf, isNpdCondition, NPD_CONDITIONS, unknownAnswers } from '../core/npd/conditions';
import type { NpdAnswer, NpdAnswers, NpdCondition, PodsOnNode } from '../core/npd/conditions';
import { CACHE_KIND, CACHE_VERSION, NpdCache, sharedAnswers } from '../core/npd/npdCache';
import type { BuiltAnswers, CacheRecord, SharedAnswers } from '../core/npd/npdCache';
import { summaryLine } from '../core/npd/summary';
import { formatDuration, parseDuration } from '../core/repair/duration';
import { connectRuntime, inspectTarget } from '../core/session/nodeTarget';
import type { RuntimeConnection } from '../core/session/nodeTarget';
import { NODE_FLAGS_HELP, parseNodeFlag, resolveNodeTarget } from './nodeFlags';
import type { NodeFlags, NodeTarget } from './nodeFlags';

export const DEFAULT_NPD_TIMEOUT_MS = 4_000;
export const DEFAULT_NPD_CACHE_DIR = '/run/kube-node-doctor';
export const DEFAULT_NPD_CACHE_TTL_MS = 20_000;

const HELP = `usage: kube-node-doctor npd-check CONDITION [options]

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
                    node name from NODE_NAME or --node-name; list pods on the node)

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
  --cache-ttl DURATION             how long an inventory answers (default ${formatDuration(DEFAULT_NPD_CACHE_TTL_MS)}; below NPD's invoke_interval)
  --node-name NAME                 this node's name in the API, for StuckSandbox (default: $NODE_NAME)
${NODE_FLAGS_HELP}
`;

export interface NpdCheckArgs {
  readonly condition: NpdCondition;
  readonly flags: NodeFlags;
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

export function parseNpdArgs(args: readonly string[], env: NodeJS.ProcessEnv = process.env): NpdCheckArgs | 'help' {
  const flags: { -readonly [K in keyof NodeFlags]: NodeFlags[K] } = {};
  let condition: string | undefined;
  let timeoutMs = DEFAULT_NPD_TIMEOUT_MS;
  let cacheDir: string | undefined = DEFAULT_NPD_CACHE_DIR;
  let cacheTtlMs = DEFAULT_NPD_CACHE_TTL_MS;
  let nodeName = env.NODE_NAME || undefined;
  for (let i = 0; i < args.length;) {
    const arg = args[i];
    if (arg === '--help' || arg === '-h') return 'help';
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = inline ?? args[i + 1];
    const used = inline !== undefined ? 1 : 2;
    if (name === '--timeout') { timeoutMs = duration(name, value, 500, 600_000); i += used; continue; }
    if (name === '--cache-ttl') { cacheTtlMs = duration(name, value, 0, 3_600_000); i += used; continue; }
    if (name === '--cache-dir') {
      if (value === undefined || (value !== 'off' && !value.startsWith('/'))) throw new NodeDoctorError('bad-input', `--cache-dir needs an absolute directory or "off", got "${value ?? ''}"`);
      cacheDir = value === 'off' ? undefined : value;
      i += used;
      continue;
    }
    if (name === '--node-name') {
      if (!value) throw new NodeDoctorError('bad-input', '--node-name needs a value');
      nodeName = value;
      i += used;
      continue;
    }
    if (!arg.startsWith('-') && condition === undefined) { condition = arg; i += 1; continue; }
    const nodeUsed = parseNodeFlag(args, i, flags);
    if (nodeUsed === 0) throw new NodeDoctorError('bad-input', `unknown option "${arg}"`);
    i += nodeUsed;
  }
  if (condition === undefined) throw new NodeDoctorError('bad-input', `name the condition (${NPD_CONDITIONS.join(', ')})`);
  if (!isNpdCondition(condition)) throw new NodeDoctorError('bad-input', `unknown condition "${condition.slice(0, 60)}" (${NPD_CONDITIONS.join(', ')})`);
  return { condition, flags, timeoutMs, cacheDir, cacheTtlMs: cacheDir === undefined ? 0 : cacheTtlMs, nodeName };
}

/** Checks with the same answers-deciding flags share one cache file. */
export function cacheKey(parsed: NpdCheckArgs, env: NodeJS.ProcessEnv = process.env): string {
  const api = parsed.flags.kubeconfig ?? (env.KUBERNETES_SERVICE_HOST ? `in-cluster ${env.KUBERNETES_SERVICE_HOST}` : env.KUBECONFIG ?? '');
  const identity = JSON.stringify({ flags: Object.entries(parsed.flags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)), node: parsed.nodeName ?? '', api });
  return createHash('sha256').update(identity).digest('hex').slice(0, 16);
}

/** The API the stuck-sandbox check asks: --kubeconfig, else the in-cluster service account, else KUBECONFIG; undefined when none. */
async function apiFor(flags: NodeFlags, env: NodeJS.ProcessEnv): Promise<KubeRequester | undefined> {
  if (flags.kubeconfig || (!env.KUBERNETES_SERVICE_HOST && env.KUBECONFIG)) {
    const configs = await loadKubeconfigs({ explicitPath: flags.kubeconfig, env });
    const config = configs.forContext(flags.context);
    return new KubeApi(config.getCurrentContext(), config, 3_000);
  }
  if (env.KUBERNETES_SERVICE_HOST) {
    const k8s = await loadClientNode();
    const config = new k8s.KubeConfig();
    config.loadFromCluster();
    return new KubeApi('in-cluster', config, 3_000);
  }
  return undefined;
}

/** The API's pods on this node, or why they are not known (never throws but for cancellation). */
async function podsOnNode(target: NodeTarget, parsed: NpdCheckArgs, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<PodsOnNode> {
  let list: (() => Promise<NodePod[]>) | undefined;
  let node = parsed.flags.node;
  if (target.podsOnNode) {
    const bridgePods = target.podsOnNode;
    list = () => bridgePods(signal);
  } else {
    node = parsed.nodeName;
    if (!node) return { checked: false, reason: 'no node name to ask the API which pods are gone (NPD\'s DaemonSet sets NODE_NAME; or --node-name)' };
    let api: KubeRequester | undefined;
    try {
      api = await apiFor(parsed.flags, env);
    } catch (error) {
      return { checked: false, reason: `no API access to tell which pods are gone: ${describeError(error)}` };
    }
    if (!api) return { checked: false, reason: 'no API access to tell which pods are gone (no in-cluster service account, no --kubeconfig)' };
    const client = api;
    const name = node;
    list = () => listPodsOnNode(client, name, { signal });
  }
  try {
    return { checked: true, pods: await list() };
  } catch (error) {
    if (isNodeDoctorError(error) && error.reason === 'cancelled') throw error;
    return { checked: false, reason: `the API's pods on ${node ?? 'this node'} could not be listed: ${describeError(error)}` };
  }
}

/**
 * Reads the inventory and answers all four conditions before `timeLeftMs` runs out. Whatever goes wrong becomes an
 * Unknown answer with the reason (they are cached like any other: the next checks of the interval learn it at once),
 * except a stop by signal, which propagates and is not cached.
 */
async function readAnswers(parsed: NpdCheckArgs, env: NodeJS.ProcessEnv, stop: AbortSignal, timeLeftMs: number): Promise<BuiltAnswers> {
  const budget = Math.max(100, timeLeftMs - Math.min(500, Math.round(parsed.timeoutMs * 0.15)));
  const deadline = AbortSignal.timeout(budget);
  const signal = AbortSignal.any([stop, deadline]);
  const opened: { target?: NodeTarget; runtime?: RuntimeConnection } = {};
  try {
    opened.target = await resolveNodeTarget(parsed.flags, signal);
    const target = opened.target;
    const pods = podsOnNode(target, parsed, env, signal);
    pods.catch(() => undefined);
    opened.runtime = await connectRuntime(target, signal);
    const runtime = opened.runtime;
    const inventory = await inspectTarget(target, runtime, { signal, maxIdLookups: parsed.flags.maxIdLookups, node: parsed.flags.node ?? parsed.nodeName });
    const answers = evaluateConditions(inventory, await pods);
    return { answers, source: `${inventory.runtime.runtimeName} ${inventory.runtime.runtimeVersion} at ${runtime.endpoint}` };
  } catch (error) {
    if (stop.aborted) throw error;
    const where = opened.target?.endpoint ?? parsed.flags.runtimeEndpoint ?? 'the runtime socket';
    if (deadline.aborted) {
      return { answers: unknownAnswers(`no inventory within ${formatDuration(budget)}: the container runtime at ${where} did not answer in time`), source: `timed out at ${where}` };
    }
    const reason = isNodeDoctorError(error) && error.reason === 'unreachable' ? describeError(error) : `the inventory failed: ${describeError(error)}`;
    return { answers: unknownAnswers(reason, isNodeDoctorError(error) && error.hint ? [error.hint] : []), source: `failed at ${where}` };
  } finally {
    await opened.runtime?.close().catch(() => undefined);
    await opened.target?.access.dispose().catch(() => undefined);
  }
}

function secondsAgo(ms: number): string {
  return ms < 1000 ? `${Math.max(0, Math.round(ms))} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** One stdout line, the answer's notes on stderr; returns the exit code. */
function emit(condition: NpdCondition, answer: NpdAnswer, provenance: string): number {
  process.stdout.write(`${answer.summary}\n`);
  process.stderr.write(`npd-check ${condition}: ${provenance}\n${answer.notes.map((n) => `  ${n}\n`).join('')}`);
  return exitCodeOf(answer.status);
}

function provenanceOf(shared: SharedAnswers & { cached?: boolean }, now: number): string {
  const r = shared.record;
  const what = shared.from === 'read' ? `read the inventory in ${secondsAgo(r.readMs)}` : `answered from the inventory pid ${r.pid} read ${secondsAgo(now - r.readAt)} ago`;
  const cache = shared.cached === false ? 'no cache' : `inventory #${r.generation} of this cache`;
  return `${what} (${cache}; ${r.source})${shared.ignored ? `; ignored a cache file: ${shared.ignored}` : ''}`;
}

/** A record for answers read by this check alone (no cache). */
function ownRecord(built: BuiltAnswers, started: number): CacheRecord {
  return {
    kind: CACHE_KIND, version: CACHE_VERSION, key: '0'.repeat(16), generation: 1, readAt: started, readMs: Date.now() - started,
    pid: process.pid, source: built.source, answers: built.answers,
  };
}

export interface NpdCheckOptions {
  readonly env?: NodeJS.ProcessEnv;
  /**
   * The CLI's own process (not a test calling in): exit with Unknown at the timeout whatever still runs, and do not let
   * a handle left open keep the process alive after the answer.
   */
  readonly ownProcess?: boolean;
}

export async function npdCheckCommand(args: readonly string[], options: NpdCheckOptions = {}): Promise<number> {
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
    process.stdout.write(HELP);
    return 0;
  }
  const args_ = parsed;
  const started = Date.now();
  const deadlineMs = started + args_.timeoutMs;
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
    process.stdout.write(`${summaryLine(`Unknown: no answer within ${formatDuration(args_.timeoutMs)} (the node inventory did not finish)`)}\n`);
    process.exit(2);
  }, Math.max(50, args_.timeoutMs - 100));
  try {
    const build = (timeLeftMs: number): Promise<BuiltAnswers> => readAnswers(args_, env, stop.signal, timeLeftMs);
    let shared: (SharedAnswers & { cached?: boolean }) | undefined;
    if (args_.cacheDir !== undefined && args_.cacheTtlMs > 0) {
      cache = new NpdCache({ dir: args_.cacheDir, key: cacheKey(args_, env), ttlMs: args_.cacheTtlMs, staleLockMs: Math.max(10_000, args_.timeoutMs * 2) });
      try {
        shared = await sharedAnswers(cache, deadlineMs, build);
      } catch (error) {
        if (stop.signal.aborted) throw error;
        // The cache directory cannot be used (read-only, permissions): answer without it, and say so.
        process.stderr.write(`npd-check: cache ${args_.cacheDir} not usable (${describeError(error)}); reading the inventory for this check alone\n`);
        shared = { from: 'read', cached: false, record: ownRecord(await build(deadlineMs - Date.now()), started) };
      }
      if (!shared) {
        answered = true;
        return emit(args_.condition, unknownAnswers(`the inventory another check is reading did not finish within ${formatDuration(args_.timeoutMs)}`)[args_.condition], `waited for ${cache.lockFile}`);
      }
    } else {
      shared = { from: 'read', cached: false, record: ownRecord(await build(deadlineMs - Date.now()), started) };
    }
    const answers: NpdAnswers = shared.record.answers;
    answered = true;
    return emit(args_.condition, answers[args_.condition], provenanceOf(shared, Date.now()));
  } catch (error) {
    if (answered) throw error;
    answered = true;
    const why = stop.signal.aborted ? 'stopped by a signal before the inventory was read' : `internal error: ${describeError(error)}`;
    process.stdout.write(`${summaryLine(`Unknown: ${why}`)}\n`);
    return 2;
  } finally {
    clearTimeout(guard);
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(s, onSignal);
    // The answer is out: a handle left open (a gRPC channel closing) must not keep the process past NPD's timeout.
    if (options.ownProcess) setTimeout(() => process.exit(), 500).unref();
  }
}
