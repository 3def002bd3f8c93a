import * as vscode from 'vscode';
import { stuckFindingId } from '../../core/repair/stuckSandbox';
import type { RepairPlan } from '../../core/repair/types';
import { describeNode } from '../../core/session/nodeRef';
import type { NodeRef } from '../../core/session/nodeRef';
import { shortId } from '../../core/model/ids';
import { withProgress } from '../progress';
import { runPlan } from './repairCommands';
import type { RepairCommandDeps } from './repairCommands';
import { repairTargetOf } from './repairText';
import { assertionConfirmation, reasonFromLog } from './stuckSandboxText';
import type { StopTimeoutLogFinding } from './stuckSandboxText';

export interface ForceStopTarget {
  readonly ref: NodeRef;
  readonly sandboxId: string;
  /** From the log lens: the stop timeout that says kubelet is stopping the pod. */
  readonly logFinding?: StopTimeoutLogFinding;
}

/**
 * "Force-Stop Stuck Sandbox…": why the pod is meant to be gone (a node finding, the log, or the user's word, asked
 * for), the shim looked for on the node with progress, then the one confirmed repair flow (`runPlan`), which switches
 * the bridge to the host-pid profile first when it must (asked too).
 */
export async function forceStopStuckSandbox(deps: RepairCommandDeps, target: ForceStopTarget): Promise<void> {
  const { engine, tree, log } = deps;
  const { ref, sandboxId } = target;
  const node = describeNode(ref);
  const doctor = await engine.nodeDoctor();
  const inventory = doctor.inventory(ref) ?? (await tree.inspect(ref));
  if (!inventory) return;
  const sandbox = inventory.sandboxes.find((s) => s.id === sandboxId);
  if (!sandbox) {
    void vscode.window.showInformationMessage(`The last inspection of ${node} (${inventory.generatedAt}) lists no sandbox ${shortId(sandboxId)}: it may be gone already. Refresh the node to check.`);
    return;
  }
  const finding = inventory.findings.find((f) => f.id === stuckFindingId(sandboxId));
  let reason: string;
  if (finding) reason = finding.detail;
  else if (target.logFinding) reason = reasonFromLog(target.logFinding);
  else {
    const ask = assertionConfirmation(sandbox, node);
    const choice = await vscode.window.showWarningMessage(ask.message, { modal: true, detail: ask.detail }, ask.button);
    if (choice !== ask.button) return;
    reason = `asserted in VS Code: the pod ${sandbox.namespace}/${sandbox.name} is meant to be gone.`;
  }
  const plan = (): Promise<RepairPlan> => withProgress(`Looking for the shim of sandbox ${shortId(sandboxId)} on ${node}`,
    (signal) => doctor.planForceStop(ref, sandboxId, reason, signal));
  log.info(`force-stop of sandbox ${sandboxId} on ${node}: ${reason}`);
  await runPlan(deps, ref, await plan(), `sandbox ${sandboxId.slice(0, 12)}`, inventory.generatedAt, plan);
}

/** The tree's and the report's entry: a sandbox element, a stuck-sandbox finding, or `{ref, sandboxId}`. */
export function registerStuckSandboxCommands(deps: RepairCommandDeps): vscode.Disposable {
  return vscode.commands.registerCommand('kubeNodeDoctor.forceStopStuckSandbox', deps.errors.command('Force-Stop Stuck Sandbox', async (arg: unknown) => {
    const target = repairTargetOf(arg);
    const sandboxId = target?.kind === 'sandbox' ? target.sandboxId
      : target?.kind === 'element' && target.element.kind === 'sandbox' ? target.element.sandbox.id
        : target?.kind === 'element' && target.element.kind === 'finding' ? target.element.finding.sandboxId
          : target?.kind === 'finding' ? /^sandbox-stop-timeout:([0-9a-f]{64})$/.exec(target.findingId)?.[1] : undefined;
    if (!target || !sandboxId) {
      void vscode.window.showInformationMessage('Force-Stop Stuck Sandbox… runs on a sandbox or a stuck-sandbox finding of the Node Doctor view.');
      return;
    }
    await forceStopStuckSandbox(deps, { ref: target.ref, sandboxId });
  }));
}
