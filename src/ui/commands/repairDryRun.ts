import * as vscode from 'vscode';
import { SECTION } from '../config';
import type { RepairCommandDeps } from './repairCommands';
import { dryRunSetAt, dryRunWrite, scopeName } from './repairDryRunScope';
import type { DryRunValues } from './repairDryRunScope';

export const TURN_OFF_DRY_RUN = 'Turn Off Dry Run';
const KEY = 'repair.dryRun';

function values(): DryRunValues {
  const inspected = vscode.workspace.getConfiguration(SECTION).inspect<boolean>(KEY);
  return { defaultValue: inspected?.defaultValue, globalValue: inspected?.globalValue, workspaceValue: inspected?.workspaceValue };
}

async function setDryRun(deps: RepairCommandDeps, want: boolean): Promise<void> {
  const now = values();
  const write = dryRunWrite(now, want);
  if (!write) {
    void vscode.window.showInformationMessage(`Dry run is already ${want ? 'on' : 'off'}.`);
    return;
  }
  if (!want) {
    // Turning it off lets repairs change nodes again: ask first (each repair still shows its plan and asks).
    const where = dryRunSetAt(now);
    const choice = await vscode.window.showWarningMessage('Turn off dry run? Repairs will change the node once you confirm their plan.', {
      modal: true,
      detail: `kubeNodeDoctor.repair.dryRun is on${where ? ` in ${scopeName(where)}` : ''}; it is turned off there. Every repair still shows its plan and asks before it runs, and backs files up for Undo.`,
    }, TURN_OFF_DRY_RUN);
    if (choice !== TURN_OFF_DRY_RUN) return;
  }
  await vscode.workspace.getConfiguration(SECTION).update(KEY, write.value, write.scope === 'workspace' ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global);
  deps.log.info(`dry run turned ${want ? 'on' : 'off'} (${KEY} ${write.value === undefined ? 'removed from' : `set to ${String(write.value)} in`} ${scopeName(write.scope)})`);
  void vscode.window.showInformationMessage(want ? 'Dry run is on: repairs show their plan and change nothing.' : 'Dry run is off: a confirmed repair changes the node.');
}

/** "Turn Off Dry Run" (asks first) and "Turn On Dry Run": they change the setting where it is in effect. */
export function registerDryRunCommands(deps: RepairCommandDeps): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand('kubeNodeDoctor.turnOffDryRun', deps.errors.command(TURN_OFF_DRY_RUN, () => setDryRun(deps, false))),
    vscode.commands.registerCommand('kubeNodeDoctor.turnOnDryRun', deps.errors.command('Turn On Dry Run', () => setDryRun(deps, true))),
  );
}
