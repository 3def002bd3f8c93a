import type { Inventory } from '../core/inventory/types';
import { shortId } from '../core/model/ids';
import { discoverShim, planForceStop, resolveSandboxId, stuckFindingId } from '../core/repair/stuckSandbox';
import type { RepairPlan } from '../core/repair/types';
import type { NodeTarget } from '../core/session/nodeTarget';

/**
 * `repair --stuck-sandbox ID`: the user asserts the pod is meant to be gone. The ID is resolved against the runtime's
 * sandboxes (full or unique prefix), the shim looked for on the node, and the force-stop planned. When the API also
 * says the pod is gone (a `sandbox-stop-timeout` finding of the inventory), the plan cites it.
 */
export async function planStuckSandbox(target: NodeTarget, inventory: Inventory, given: string, options: { stopTimeoutMs?: number; quarantineDir?: string; signal?: AbortSignal }): Promise<RepairPlan> {
  const sandboxId = resolveSandboxId(inventory.sandboxes, given);
  const finding = inventory.findings.find((f) => f.id === stuckFindingId(sandboxId));
  const discovery = await discoverShim(target.access, sandboxId, { endpoint: target.endpoint, signal: options.signal });
  const reason = finding
    ? finding.detail
    : `asserted by the user (--stuck-sandbox ${given}): the pod of sandbox ${shortId(sandboxId)} is meant to be gone.`;
  return planForceStop(inventory, { sandboxId, reason, findingId: finding?.id, stopTimeoutMs: options.stopTimeoutMs, endpoint: target.endpoint, quarantineDir: options.quarantineDir }, discovery);
}
