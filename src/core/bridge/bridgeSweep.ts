import { describeError, NodeDoctorError } from '../errors';
import type { KubeRequester } from '../cluster/kubeApi';
import { checkAccess, describeCheck } from '../cluster/rbac';
import type { RunResult } from '../node/nodeAccess';
import type { ExecTransport, PodRef } from './podExec';
import { ANNOTATION_CLIENT, ANNOTATION_CREATED, ANNOTATION_HEARTBEAT, ANNOTATION_NODE, BRIDGE_CONTAINER, BRIDGE_SELECTOR, LABEL_SESSION, STATE_DIR } from './podSpec';
import { podsPath } from './podStatus';
import type { WirePod } from './podStatus';
import { mapLimit } from '../model/concurrency';

/** A bridge pod no live client uses, as found by `sweepLeftovers`. */
export interface LeftoverPod {
  readonly name: string;
  readonly node: string;
  readonly session: string;
  readonly client: string;
  /**
   * `finished`: Failed or Succeeded (deadline passed, evicted); `expired`: older than its activeDeadlineSeconds;
   * `abandoned`: still not running long after any client stops waiting; `stale`: its client stopped the heartbeat.
   */
  readonly reason: 'finished' | 'expired' | 'abandoned' | 'stale';
  readonly detail: string;
  /** Whether it was deleted (false in a dry run, or when the delete failed). */
  readonly deleted: boolean;
}

/** A bridge pod of another client that is kept (in use, starting, or not checkable). */
export interface KeptPod {
  readonly name: string;
  readonly node: string;
  readonly session: string;
  readonly client: string;
  readonly detail: string;
}

export interface SweepReport {
  readonly leftovers: readonly LeftoverPod[];
  readonly kept: readonly KeptPod[];
}

export interface SweepOptions {
  readonly dryRun?: boolean;
  readonly signal?: AbortSignal;
  /** Heartbeat age that counts as "client gone" (default: three of the pod's own heartbeat intervals). */
  readonly staleAfterMs?: number;
}


/** Prints the pod's clock, then the mtimes of the state dir (pod start) and of the heartbeat file (when present). */
export const PROBE_SCRIPT = 'date +%s; stat -c %Y "$1" "$1/heartbeat" 2>/dev/null; exit 0';
/** A client waits for its pod to start for 120 s by default; a pod Pending far longer has been given up. */
const ABANDONED_AFTER_MS = 10 * 60_000;
const PROBE_CONCURRENCY = 8;

/** `42 s`, `12 min`, `3 h`. */
function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

/** What the sweep needs of the manager that runs it: its API, namespace and exec transport, its own pods, and its delete. */
export interface SweepPool {
  readonly api: KubeRequester;
  readonly namespace: string;
  readonly transport: ExecTransport;
  /** The pods this client uses (never swept). */
  livePods(): Promise<Set<string>>;
  /** Deletes a pod of another client; true when it is gone. */
  deletePod(name: string, node: string): Promise<boolean>;
}

/**
 * Reviews every bridge pod in the namespace (label selector, page by page) that this manager does not use, and deletes
 * (unless `dryRun`) those no live client uses: finished (Failed/Succeeded: deadline passed, evicted), older than their
 * own activeDeadlineSeconds, Pending for more than 10 minutes, or Running with a heartbeat older than three of the
 * owner's intervals (read in the pod: the pod's clock against the mtimes of its state dir and heartbeat file).
 * A pod whose heartbeat cannot be read is kept and reported. Needs list and delete pods and create pods/exec.
 */
export async function sweepLeftovers(pool: SweepPool, options: SweepOptions = {}): Promise<SweepReport> {
  await checkSweepAccess(pool, options.signal);
  const live = await pool.livePods();
  const candidates: WirePod[] = [];
  let token: string | undefined;
  do {
    const page = await pool.api.request<{ items?: WirePod[]; metadata?: { continue?: string } }>({
      method: 'GET', path: podsPath(pool.namespace), query: { labelSelector: BRIDGE_SELECTOR, limit: 500, continue: token }, signal: options.signal,
    });
    for (const pod of page.items ?? []) {
      const name = pod.metadata?.name;
      if (name && !live.has(name) && !pod.metadata?.deletionTimestamp) candidates.push(pod);
    }
    token = page.metadata?.continue || undefined;
  } while (token);
  const verdicts = await mapLimit(candidates, PROBE_CONCURRENCY, async (pod) => ({ pod, ...(await judge(pool, pod, options)) }), options.signal);
  const leftovers: LeftoverPod[] = [];
  const kept: KeptPod[] = [];
  await Promise.all(verdicts.map(async ({ pod, reason, detail }) => {
    const who = {
      name: pod.metadata?.name ?? '', node: pod.metadata?.annotations?.[ANNOTATION_NODE] ?? '',
      session: pod.metadata?.labels?.[LABEL_SESSION] ?? '', client: pod.metadata?.annotations?.[ANNOTATION_CLIENT] ?? '',
    };
    if (reason === undefined) { kept.push({ ...who, detail }); return; }
    const deleted = options.dryRun ? false : await pool.deletePod(who.name, who.node);
    leftovers.push({ ...who, reason, detail, deleted });
  }));
  const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return { leftovers: leftovers.sort(byName), kept: kept.sort(byName) };
}

async function checkSweepAccess(pool: SweepPool, signal?: AbortSignal): Promise<void> {
  const report = await checkAccess(pool.api, [
    { verb: 'list', resource: 'pods', namespace: pool.namespace },
    { verb: 'delete', resource: 'pods', namespace: pool.namespace },
    { verb: 'create', resource: 'pods', subresource: 'exec', namespace: pool.namespace },
  ], signal);
  if (report.denied.length > 0) {
    throw new NodeDoctorError('forbidden', `RBAC in context "${pool.api.context}" does not allow ${report.denied.map(describeCheck).join(', ')}.`, {
      cluster: pool.api.context, hint: 'Bind the kube-node-doctor Role from the README to your user.',
    });
  }
}

/** Why a pod of another client is left over (reason set), or why it is kept. */
async function judge(pool: SweepPool, pod: WirePod, options: SweepOptions): Promise<{ reason?: LeftoverPod['reason']; detail: string }> {
  const phase = pod.status?.phase;
  if (phase === 'Failed' || phase === 'Succeeded') {
    return { reason: 'finished', detail: `${phase}${pod.status?.reason ? ` (${pod.status.reason})` : ''}` };
  }
  const createdText = pod.metadata?.creationTimestamp ?? pod.metadata?.annotations?.[ANNOTATION_CREATED];
  const created = createdText ? Date.parse(createdText) : NaN;
  const age = Number.isNaN(created) ? undefined : Date.now() - created;
  const deadline = pod.spec?.activeDeadlineSeconds;
  if (age !== undefined && deadline !== undefined && age > deadline * 1000) {
    return { reason: 'expired', detail: `created ${formatDuration(age)} ago, past its ${deadline} s deadline` };
  }
  if (phase !== 'Running') {
    if (age !== undefined && age > ABANDONED_AFTER_MS) return { reason: 'abandoned', detail: `${phase ?? 'no phase'} for ${formatDuration(age)}` };
    return { detail: `${phase ?? 'no phase'}, created ${age === undefined ? 'at an unknown time' : `${formatDuration(age)} ago`}` };
  }
  const interval = Number(pod.metadata?.annotations?.[ANNOTATION_HEARTBEAT] ?? 60);
  const staleAfter = options.staleAfterMs ?? 3 * (Number.isFinite(interval) && interval > 0 ? interval : 60) * 1000;
  const ref: PodRef = { namespace: pool.namespace, name: pod.metadata?.name ?? '', container: BRIDGE_CONTAINER };
  let probe: RunResult;
  try {
    probe = await pool.transport.exec(ref, ['sh', '-c', PROBE_SCRIPT, 'knd-alive', STATE_DIR], { timeoutMs: 10_000, signal: options.signal });
  } catch (error) {
    if (error instanceof NodeDoctorError && error.reason === 'cancelled') throw error;
    return { detail: `heartbeat not readable (${describeError(error)})` };
  }
  const [now, ...stamps] = probe.stdout.toString('utf8').split('\n').filter((l) => /^\d+$/.test(l.trim())).map(Number);
  if (now === undefined) return { detail: `heartbeat not readable (exit code ${probe.exitCode})` };
  if (stamps.length === 0) {
    // No state dir: a pod from a version without heartbeat; judge by age alone.
    if (age !== undefined && age > staleAfter) return { reason: 'stale', detail: `no heartbeat, created ${formatDuration(age)} ago` };
    return { detail: `no heartbeat yet, created ${age === undefined ? 'at an unknown time' : `${formatDuration(age)} ago`}` };
  }
  const quiet = Math.max(0, now - Math.max(...stamps)) * 1000;
  if (quiet > staleAfter) return { reason: 'stale', detail: `last heartbeat ${formatDuration(quiet)} ago` };
  return { detail: `in use (last heartbeat ${formatDuration(quiet)} ago)` };
}
