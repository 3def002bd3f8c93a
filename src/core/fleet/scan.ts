import { setMaxListeners } from 'node:events';
import type { KubeRequester } from '../cluster/kubeApi';
import { listNodes } from '../cluster/nodes';
import type { NodeSummary } from '../cluster/nodes';
import { describeError, isNodeDoctorError, NodeDoctorError } from '../errors';
import type { ErrorReason } from '../errors';
import { incompleteText } from '../inventory/completeness';
import type { Finding, Inventory } from '../inventory/types';

/** Which nodes a scan inspects. The label selector goes to the API server (`labelSelector`), which filters. */
export type NodeSelection =
  | { readonly kind: 'all' }
  | { readonly kind: 'notReady' }
  | { readonly kind: 'labelSelector'; readonly selector: string };

export const DEFAULT_SCAN_CONCURRENCY = 8;

export function describeSelection(selection: NodeSelection): string {
  switch (selection.kind) {
    case 'all': return 'all nodes';
    case 'notReady': return 'NotReady nodes';
    case 'labelSelector': return `label selector ${selection.selector}`;
  }
}

/**
 * Checks a label selector's shape before it is sent (the API server is the judge of its meaning): comma-separated
 * requirements `key`, `!key`, `key=v`, `key==v`, `key!=v`, `key in (a,b)`, `key notin (a,b)`. Returns the trimmed selector.
 */
export function requireLabelSelector(selector: string): string {
  const key = String.raw`(?:[a-z0-9A-Z.-]{1,253}/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]{0,61}[a-z0-9A-Z])?`;
  const value = String.raw`(?:[a-z0-9A-Z]([-a-z0-9A-Z_.]{0,61}[a-z0-9A-Z])?)?`;
  const requirement = new RegExp(String.raw`^\s*(?:!\s*${key}|${key}\s*(?:(?:==?|!=)\s*${value}|\s(?:in|notin)\s*\(\s*${value}(?:\s*,\s*${value})*\s*\))?)\s*$`);
  const trimmed = selector.trim();
  // Split on commas outside parentheses.
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < trimmed.length; i += 1) {
    if (trimmed[i] === '(') depth += 1;
    else if (trimmed[i] === ')') depth -= 1;
    else if (trimmed[i] === ',' && depth === 0) { parts.push(trimmed.slice(start, i)); start = i + 1; }
  }
  parts.push(trimmed.slice(start));
  if (trimmed === '' || trimmed.length > 2000 || depth !== 0 || parts.some((p) => !requirement.test(p))) {
    throw new NodeDoctorError('bad-input', `Not a label selector: ${JSON.stringify(selector.slice(0, 200))}.`, {
      hint: 'Use key=value, key!=value, key in (a,b), key or !key, separated by commas (e.g. node-role.kubernetes.io/worker,pool=gpu).',
    });
  }
  return trimmed;
}

/** The nodes a selection names, from one paginated list (server-side label selector; NotReady: Ready False or Unknown). */
export async function selectNodes(api: KubeRequester, selection: NodeSelection, options: { pageSize?: number; signal?: AbortSignal } = {}): Promise<NodeSummary[]> {
  const labelSelector = selection.kind === 'labelSelector' ? requireLabelSelector(selection.selector) : undefined;
  const { nodes } = await listNodes(api, { ...options, labelSelector });
  return selection.kind === 'notReady' ? nodes.filter((n) => n.ready !== true) : nodes;
}

/** A bridge pod that outlived the scan. */
export interface LeftPod {
  readonly name: string;
  readonly node: string;
  /** Why it is still there (the failed DELETE), when known. */
  readonly error?: string;
}

/** Bridge pods after the scan's cleanup: `count` 0 is proven by a list of the session's pods; undefined when unproven. */
export interface PodsLeft {
  readonly count: number | undefined;
  readonly pods: readonly LeftPod[];
  /** Why `count` is unknown (the check failed), or the command that removes the pods left. */
  readonly detail?: string;
}

/** What a scan needs of the cluster: inspect one node through its bridge pod, and delete every bridge pod at the end. */
export interface FleetInspector {
  inspect(node: string, signal: AbortSignal): Promise<Inventory>;
  /** Deletes every bridge pod of the scan (reused ones included) and says what is left. Called once, after all inspections. */
  release(): Promise<PodsLeft>;
}

export type NodeScanResult =
  | { readonly node: string; readonly status: 'inspected'; readonly findings: readonly Finding[]; readonly incomplete?: string; readonly ms: number }
  | { readonly node: string; readonly status: 'failed'; readonly reason: ErrorReason; readonly error: string; readonly ms: number }
  | { readonly node: string; readonly status: 'cancelled' };

export interface ScanProgress {
  readonly done: number;
  readonly total: number;
  readonly result: NodeScanResult;
}

export interface ScanOptions {
  /** Inspections at once (default 8; at least 1). */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: ScanProgress) => void;
  readonly now?: () => number;
}

export interface ScanOutcome {
  /** In the order of the nodes given. */
  readonly results: readonly NodeScanResult[];
  readonly cancelled: boolean;
  readonly concurrency: number;
  /** From the first inspection's start to the end of the cleanup. */
  readonly wallMs: number;
  readonly podsLeft: PodsLeft;
}

/**
 * Inspects the nodes, at most `concurrency` at once. A node's failure is kept as its result and the scan goes on; a
 * cancel stops starting new inspections, aborts the running ones, and marks the rest cancelled. Whatever happens, the
 * inspector's `release` runs at the end, so every bridge pod is deleted (or named as left).
 */
export async function scanNodes(nodes: readonly string[], inspector: FleetInspector, options: ScanOptions = {}): Promise<ScanOutcome> {
  const now = options.now ?? Date.now;
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_SCAN_CONCURRENCY));
  const started = now();
  const controller = new AbortController();
  // Every running inspection listens on this one signal (its requests, execs and gRPC calls): more than Node's default
  // of 10 listeners is expected, not a leak, and each inspection removes its own when it ends.
  setMaxListeners(concurrency * 16, controller.signal);
  const onAbort = (): void => controller.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) controller.abort();
  const results: (NodeScanResult | undefined)[] = new Array<NodeScanResult | undefined>(nodes.length);
  let next = 0;
  let done = 0;
  const record = (index: number, result: NodeScanResult): void => {
    results[index] = result;
    done += 1;
    try {
      options.onProgress?.({ done, total: nodes.length, result });
    } catch {
      // a progress listener's failure is not the scan's
    }
  };
  const worker = async (): Promise<void> => {
    while (next < nodes.length && !controller.signal.aborted) {
      const index = next;
      next += 1;
      const node = nodes[index];
      const t0 = now();
      try {
        const inventory = await inspector.inspect(node, controller.signal);
        const incomplete = incompleteText(inventory);
        record(index, { node, status: 'inspected', findings: inventory.findings, ms: now() - t0, ...(incomplete ? { incomplete } : {}) });
      } catch (error) {
        if (controller.signal.aborted) record(index, { node, status: 'cancelled' });
        else record(index, { node, status: 'failed', reason: isNodeDoctorError(error) ? error.reason : 'internal', error: describeError(error), ms: now() - t0 });
      }
    }
  };
  let podsLeft: PodsLeft;
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, nodes.length) }, () => worker()));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    try {
      podsLeft = await inspector.release();
    } catch (error) {
      podsLeft = { count: undefined, pods: [], detail: `the cleanup failed: ${describeError(error)}` };
    }
  }
  const cancelled = controller.signal.aborted;
  for (let i = 0; i < nodes.length; i += 1) if (!results[i]) results[i] = { node: nodes[i], status: 'cancelled' };
  return { results: results as NodeScanResult[], cancelled, concurrency, wallMs: now() - started, podsLeft };
}
