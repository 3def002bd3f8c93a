// Removing one sandbox or container that the user picked (the tree's Remove Sandbox… / Remove Container…): which are
// refused and why, and the request as a finding the planner turns into the same steps as every repair (re-checked,
// backed up, audited). A Ready sandbox and a running container are refused here, and re-checked again before acting.
import type { Finding, Inventory } from '../inventory/types';
import { shortId } from '../model/ids';
import { plural } from '../model/plural';

export type RemovableObject =
  | { readonly kind: 'sandbox'; readonly sandboxId: string }
  | { readonly kind: 'container'; readonly containerId: string };

export interface RemovalSelection {
  /** The request's own finding first when it can be planned; with a sandbox, the bad cache files that block its stop. */
  readonly findingIds: readonly string[];
  /** `sandbox 055b221e44a2 (prod/web)`, `container nginx (9f86d081884c)`. */
  readonly subject: string;
  /** Why it is refused (set when `findingIds` is empty). */
  readonly nothing?: string;
  readonly notes: readonly string[];
}

/** The finding ID that stands for the request (never an ID of the inventory's own findings). */
export function removalFindingId(object: RemovableObject): string {
  return object.kind === 'sandbox' ? `remove-object:sandbox:${object.sandboxId}` : `remove-object:container:${object.containerId}`;
}

function subjectOf(object: RemovableObject, inventory: Inventory): string {
  if (object.kind === 'sandbox') {
    const s = inventory.sandboxes.find((x) => x.id === object.sandboxId);
    return s ? `sandbox ${shortId(s.id)} (${s.namespace}/${s.name})` : `sandbox ${shortId(object.sandboxId)}`;
  }
  const c = inventory.containers.find((x) => x.id === object.containerId);
  return c ? `container ${c.name} (${shortId(c.id)})` : `container ${shortId(object.containerId)}`;
}

/** What removing `object` acts on, from the node's last inventory, or why it is refused. */
export function selectRemoval(object: RemovableObject, inventory: Inventory, node: string): RemovalSelection {
  const subject = subjectOf(object, inventory);
  const refuse = (why: string): RemovalSelection => ({ findingIds: [], subject, nothing: why, notes: [] });
  const inspection = `the last inspection of ${node} (${inventory.generatedAt})`;
  if (object.kind === 'container') {
    const c = inventory.containers.find((x) => x.id === object.containerId);
    if (!c) return refuse(`${capitalize(inspection)} lists no ${subject}: it may be gone already. Refresh the node to check.`);
    if (c.state === 'CONTAINER_RUNNING') {
      return refuse(`${capitalize(subject)} is running, so it is not removed. Stop it first (or delete its pod and let kubelet remove it); Remove Container… removes only exited containers.`);
    }
    if (c.state !== 'CONTAINER_EXITED') {
      return refuse(`${capitalize(subject)} is ${c.state.replace(/^CONTAINER_/, '').toLowerCase()}, not exited, so it is not removed: the check right before removal accepts only an exited container.`);
    }
    return { findingIds: [removalFindingId(object)], subject, notes: [] };
  }
  const s = inventory.sandboxes.find((x) => x.id === object.sandboxId);
  if (!s) return refuse(`${capitalize(inspection)} lists no ${subject}: it may be gone already. Refresh the node to check.`);
  if (s.state === 'SANDBOX_READY') {
    return refuse(`${capitalize(subject)} is Ready: its pod is running, so it is not removed. Delete the pod (kubelet then stops and removes its sandbox); Remove Sandbox… removes only NotReady sandboxes.`);
  }
  const running = inventory.containers.filter((c) => c.sandboxId === s.id && c.state === 'CONTAINER_RUNNING');
  if (running.length > 0) {
    return refuse(`${capitalize(subject)} is NotReady but ${plural(running.length, 'container')} of it still ${running.length === 1 ? 'runs' : 'run'} (${running.map((c) => c.name).join(', ')}), so it is not removed.`);
  }
  // A bad cache file of the sandbox makes its StopPodSandbox fail: those files go first, as their repair does.
  const blocking = inventory.findings.filter((f) => f.repair === 'remove-cache-file-and-sandbox' && f.sandboxId === s.id && f.path !== undefined);
  const containers = inventory.containers.filter((c) => c.sandboxId === s.id).length;
  const notes = containers > 0 ? [`Removing ${subject} also removes its ${plural(containers, 'exited container')} (RemovePodSandbox removes a sandbox's containers).`] : [];
  return { findingIds: [...blocking.map((f) => f.id), removalFindingId(object)], subject, notes };
}

/** The inventory with the request as a finding (repair `remove-object`), which the planner turns into its step. */
export function withRemovalFinding(inventory: Inventory, object: RemovableObject): Inventory {
  const finding: Finding = {
    id: removalFindingId(object), category: 'dead-objects-piling-up', rule: 'remove-object', severity: 'info',
    title: `Remove ${subjectOf(object, inventory)} (asked for)`, detail: 'Requested from the Node Doctor view.', repair: 'remove-object',
    ...(object.kind === 'sandbox' ? { sandboxId: object.sandboxId } : { containerId: object.containerId }),
  };
  return { ...inventory, findings: [...inventory.findings, finding] };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
