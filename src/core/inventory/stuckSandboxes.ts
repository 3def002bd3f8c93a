import type { NodePod } from '../cluster/podsOnNode';
import { shortId } from '../model/ids';
import { stuckFindingId } from '../repair/stuckSandbox';
import type { Finding, Inventory, SandboxItem } from './types';

export interface StuckSandboxOptions {
  readonly nowMs?: number;
  /** How long past its deletion time (delete + grace period) a pod may stay before its Ready sandbox counts as stuck (default 60 s). */
  readonly marginMs?: number;
}

export const DEFAULT_STUCK_MARGIN_MS = 60_000;

function seconds(ms: number): string {
  return ms >= 120_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}

/**
 * Joins the node's Ready sandboxes with the API's pods on that node (by pod UID; a static pod's sandbox by its mirror
 * pod's `kubernetes.io/config.mirror`): a sandbox is stuck when its pod is deleted and past its deletion time (delete +
 * grace period) plus `marginMs`, or gone from the API while the sandbox, older than `marginMs`, is still Ready.
 * `pods` must be the complete list of pods on the node. Pure.
 */
export function stuckSandboxFindings(sandboxes: readonly SandboxItem[], pods: readonly NodePod[], options: StuckSandboxOptions = {}): Finding[] {
  const now = options.nowMs ?? Date.now();
  const margin = options.marginMs ?? DEFAULT_STUCK_MARGIN_MS;
  const byUid = new Map<string, NodePod>();
  for (const p of pods) {
    if (p.uid) byUid.set(p.uid, p);
    if (p.mirrorOf) byUid.set(p.mirrorOf, p);
  }
  const findings: Finding[] = [];
  for (const s of sandboxes) {
    if (s.state !== 'SANDBOX_READY' || !s.uid) continue;
    const pod = byUid.get(s.uid);
    const podName = `${s.namespace}/${s.name}`;
    const base = {
      id: stuckFindingId(s.id), category: 'sandbox-stop-timeout' as const, severity: 'error' as const,
      repair: 'force-stop-stuck-sandbox' as const, sandboxId: s.id, pod: podName, state: s.state,
    };
    if (pod?.deletionTimestamp) {
      const due = Date.parse(pod.deletionTimestamp);
      if (!Number.isFinite(due) || now - due <= margin) continue;
      findings.push({
        ...base, rule: 'pod-terminating-sandbox-ready',
        title: `Pod ${podName} is Terminating ${seconds(now - due)} past its grace period, its sandbox ${shortId(s.id)} still Ready`,
        detail: `The API deleted pod ${podName} (uid ${s.uid}; due to be gone at ${pod.deletionTimestamp}${pod.deletionGracePeriodSeconds !== undefined ? `, grace ${pod.deletionGracePeriodSeconds} s` : ''}), `
          + `but the runtime still lists its sandbox ${s.id} as SANDBOX_READY: the sandbox's stop does not finish, and the pod stays Terminating.`,
      });
    } else if (!pod && now - s.createdAtMs > margin) {
      findings.push({
        ...base, rule: 'pod-deleted-sandbox-ready',
        title: `Pod ${podName} is gone from the API, its sandbox ${shortId(s.id)} still Ready`,
        detail: `The API has no pod with uid ${s.uid} on this node any more, but the runtime still lists its sandbox ${s.id} (created ${new Date(s.createdAtMs).toISOString()}) as SANDBOX_READY: `
          + 'kubelet could not stop it.',
      });
    }
  }
  return findings;
}

/** The inventory with the stuck-sandbox findings added (replacing earlier ones of the same IDs). */
export function withStuckSandboxFindings(inventory: Inventory, pods: readonly NodePod[], options: StuckSandboxOptions = {}): Inventory {
  const found = stuckSandboxFindings(inventory.sandboxes, pods, options);
  const ids = new Set(found.map((f) => f.id));
  return { ...inventory, findings: [...inventory.findings.filter((f) => !ids.has(f.id)), ...found] };
}

/**
 * Through the bridge: reads the API's pods on the node and adds the stuck-sandbox findings. When the pods cannot be
 * read, the inventory says so in its notes and no sandbox is called stuck.
 */
export async function addStuckSandboxFindings(inventory: Inventory, podsOnNode: ((signal?: AbortSignal) => Promise<NodePod[]>) | undefined, signal?: AbortSignal): Promise<Inventory> {
  if (!podsOnNode) return inventory;
  let pods: NodePod[];
  try {
    pods = await podsOnNode(signal);
  } catch (error) {
    if (error instanceof Error && 'reason' in error && (error as { reason: unknown }).reason === 'cancelled') throw error;
    const note = `stuck sandboxes not checked: the API's pods on ${inventory.node} could not be listed (${error instanceof Error ? error.message : String(error)})`;
    return { ...inventory, listStrategy: { ...inventory.listStrategy, notes: [...inventory.listStrategy.notes, note] } };
  }
  return withStuckSandboxFindings(inventory, pods);
}
