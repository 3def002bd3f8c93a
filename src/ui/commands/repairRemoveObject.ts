import * as vscode from 'vscode';
import type { RemovableObject } from '../../core/repair/removeObject';
import type { RepairPlan } from '../../core/repair/types';
import { describeNode } from '../../core/session/nodeRef';
import type { NodeRef } from '../../core/session/nodeRef';
import { runPlan } from './repairCommands';
import type { RepairCommandDeps } from './repairCommands';
import { shortenIds } from './repairDialogText';
import { removalTargetOf } from './repairText';

const TITLES = { sandbox: 'Remove Sandbox', container: 'Remove Container' } as const;

/**
 * Remove one sandbox or container: plan it from the node's last inventory (a Ready sandbox or a running container is
 * refused, with the reason), then the one confirmed repair flow (`runPlan`): show, ask, act with each step re-checked,
 * verify, audit, summary with Undo for backed-up files.
 */
export async function removeObject(deps: RepairCommandDeps, ref: NodeRef, object: RemovableObject): Promise<void> {
  const { engine, tree, log } = deps;
  const node = describeNode(ref);
  const doctor = await engine.nodeDoctor();
  const inventory = doctor.inventory(ref) ?? (await tree.inspect(ref));
  if (!inventory) return; // cancelled, or the failure is shown in the tree
  const planned = async (): Promise<{ plan?: RepairPlan; subject: string; nothing?: string }> => {
    const { plan, selection } = await doctor.plan(ref, { kind: 'remove', object });
    return { plan, subject: selection.subject, nothing: selection.nothing };
  };
  const first = await planned();
  if (!first.plan) {
    log.info(`${TITLES[object.kind]} on ${node}: ${first.nothing ?? 'nothing planned'}`);
    void vscode.window.showWarningMessage(shortenIds(first.nothing ?? `Nothing to remove on ${node}.`));
    return;
  }
  await runPlan(deps, ref, first.plan, first.subject, inventory.generatedAt, async () => {
    await tree.refreshNode(ref);
    return (await planned()).plan ?? first.plan as RepairPlan;
  });
}

/** kubeNodeDoctor.removeSandbox / removeContainer, on a tree element or `{ref, id}` (see removalTargetOf). */
export function registerRemoveObjectCommands(deps: RepairCommandDeps): vscode.Disposable {
  const register = (kind: 'sandbox' | 'container'): vscode.Disposable =>
    vscode.commands.registerCommand(`kubeNodeDoctor.remove${kind === 'sandbox' ? 'Sandbox' : 'Container'}`, deps.errors.command(TITLES[kind], async (arg: unknown) => {
      const target = removalTargetOf(arg, kind);
      if (!target) {
        void vscode.window.showInformationMessage(`${TITLES[kind]}… runs on a ${kind} of the Node Doctor view.`);
        return;
      }
      await removeObject(deps, target.ref, target.object);
    }));
  return vscode.Disposable.from(register('sandbox'), register('container'));
}
