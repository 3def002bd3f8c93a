import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { describeError, NodeDoctorError } from '../../core/errors';
import type { Backup, RepairPlan, StepResult } from '../../core/repair/types';
import { describeNode, isNodeRef } from '../../core/session/nodeRef';
import type { NodeRef } from '../../core/session/nodeRef';
import { needsHostProcesses } from '../../core/repair/stuckSandbox';
import { readRepairSettings } from '../config';
import type { EngineHost } from '../nodeEngineHost';
import type { ErrorReporter } from '../errors';
import type { TreeController } from '../tree/treeModel';
import { findSandboxForLog, sandboxPrefixOf } from './findSandboxForLog';
import { hostPidConfirmation, isStopTimeoutLogFinding } from './stuckSandboxText';
import { forceStopStuckSandbox } from './stuckSandboxCommands';
import { withProgress } from '../progress';
import { ReadOnlyDocuments } from './readOnlyDocuments';
import { registerDryRunCommands, TURN_OFF_DRY_RUN } from './repairDryRun';
import { registerRepairHistoryCommands } from './repairHistoryCommands';
import { registerRemoveObjectCommands } from './repairRemoveObject';
import {
  auditEntriesOfRun, COMMAND_TITLES, confirmation, dryRunSummary, emptyPlanMessage, executionSummary, fullPlanText, isBackup, manualCommandsText,
  planLogLines, repairTargetOf, selectFindings, SHOW_FULL_PLAN, undoConfirmation, undoSummary,
} from './repairText';
import { shortenIds } from './repairDialogText';
import type { ExecutionSummary, RepairCommand, RepairTarget } from './repairText';

export const AUDIT_SCHEME = 'kube-node-doctor-audit';
export const PLAN_SCHEME = 'kube-node-doctor-plan';
/** The most of the audit file one run's lookup reads (a run appends one short line per step). */
const MAX_AUDIT_READ = 16 * 1024 * 1024;

export interface RepairCommandDeps {
  readonly engine: EngineHost;
  readonly tree: TreeController;
  /** An open report of the node is re-rendered after a repair or an undo. */
  readonly reports: { updateOpen(ref: NodeRef): void };
  readonly errors: ErrorReporter;
  readonly log: vscode.LogOutputChannel;
  /** Read-only documents of the full plans ("Show Full Plan"); made by registerRepairCommands. */
  readonly plans?: ReadOnlyDocuments;
}

/** Arguments of kubeNodeDoctor.showAuditEntry: the entries one run appended after byte `since`. */
interface AuditQuery {
  readonly node: string;
  readonly stepIds: readonly string[];
  readonly since: number;
}

/** Arguments of kubeNodeDoctor.undoRepair. */
export interface UndoRequest {
  readonly ref: NodeRef;
  readonly backups: readonly Backup[];
  readonly removed?: { readonly sandboxes: number; readonly containers: number; readonly released?: number };
}

function isAuditQuery(value: unknown): value is AuditQuery {
  if (typeof value !== 'object' || value === null) return false;
  const q = value as Record<string, unknown>;
  return typeof q.node === 'string' && Array.isArray(q.stepIds) && q.stepIds.every((s) => typeof s === 'string')
    && typeof q.since === 'number' && Number.isSafeInteger(q.since) && q.since >= 0;
}

function isUndoRequest(value: unknown): value is UndoRequest {
  if (typeof value !== 'object' || value === null) return false;
  const u = value as Record<string, unknown>;
  return isNodeRef(u.ref) && Array.isArray(u.backups) && u.backups.length > 0 && u.backups.every(isBackup);
}

async function fileSize(file: string): Promise<number> {
  try {
    return (await fs.stat(file)).size;
  } catch {
    return 0;
  }
}

async function readFrom(file: string, offset: number): Promise<string> {
  const handle = await fs.open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    const length = Math.min(Math.max(0, size - offset), MAX_AUDIT_READ);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, offset);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}

/** Re-reads the node so the tree (and an open report) show the verified state. */
async function refreshAfter(deps: RepairCommandDeps, ref: NodeRef): Promise<void> {
  try {
    await deps.tree.refreshNode(ref);
  } catch (error) {
    deps.log.warn(`refreshing ${describeNode(ref)} after the repair failed: ${describeError(error)}`);
  }
  deps.reports.updateOpen(ref);
}

function showSummary(deps: RepairCommandDeps, ref: NodeRef, plan: RepairPlan, summary: ExecutionSummary, auditFrom: number): void {
  // Undo stays reachable after this notification is gone: Show Repair History lists the run with its own Undo.
  const actions = [...(summary.backups.length > 0 ? ['Undo'] : []), 'Show Repair History', 'Show Audit Entry'];
  const shown = summary.ok ? vscode.window.showInformationMessage(summary.message, ...actions) : vscode.window.showWarningMessage(summary.message, ...actions);
  void shown.then(async (choice) => {
    try {
      if (choice === 'Show Audit Entry') {
        const query: AuditQuery = { node: plan.node, stepIds: plan.steps.map((s) => s.id), since: auditFrom };
        await vscode.commands.executeCommand('kubeNodeDoctor.showAuditEntry', query);
      } else if (choice === 'Show Repair History') {
        await vscode.commands.executeCommand('kubeNodeDoctor.showRepairHistory', { ref });
      } else if (choice === 'Undo') {
        const request: UndoRequest = { ref, backups: summary.backups, removed: { sandboxes: summary.removedSandboxes, containers: summary.removedContainers, released: summary.released.length } };
        await vscode.commands.executeCommand('kubeNodeDoctor.undoRepair', request);
      }
    } catch (error) {
      await deps.errors.report(choice ?? 'Repair summary', error);
    }
  });
}

/**
 * The modal of a plan, short enough for the window: "Show Full Plan" is its first (default) button and opens every
 * step in a read-only editor, then the same modal asks again; only the explicitly named button runs the plan.
 */
async function confirmPlan(deps: RepairCommandDeps, plan: RepairPlan, node: string, options: { dryRun: boolean; inspectedAt: string }): Promise<boolean> {
  const ask = confirmation(plan, node, options);
  for (;;) {
    const choice = await vscode.window.showWarningMessage(ask.message, { modal: true, detail: ask.detail }, ...ask.buttons);
    if (choice === ask.button) return true;
    if (choice !== SHOW_FULL_PLAN) return false;
    const stamp = plan.createdAt.replace(/[:.]/g, '-');
    if (deps.plans) await deps.plans.show(`plan-${plan.node}-${stamp}.md`, fullPlanText(plan, node, options), 'markdown');
    else for (const line of planLogLines(plan, node)) deps.log.info(line);
  }
}

/**
 * The one confirmed repair flow, for the tree, the report and the log lens: findings → plan → (nothing to do: why) →
 * modal with every step → dry run: what would be done / else execute with progress and cancellation → summary with
 * Show Audit Entry and Undo → re-read the node. Errors propagate to the caller's ErrorReporter wrapper.
 */
export async function runRepair(deps: RepairCommandDeps, command: RepairCommand, target: RepairTarget): Promise<void> {
  const { engine, tree, log } = deps;
  const ref = target.ref;
  const node = describeNode(ref);
  const doctor = await engine.nodeDoctor();
  const inventory = doctor.inventory(ref) ?? (await tree.inspect(ref));
  if (!inventory) return; // cancelled, or the failure is shown in the tree

  const selection = selectFindings(command, target, inventory, node);
  if (selection.findingIds.length === 0) {
    log.info(`${COMMAND_TITLES[command]} on ${node}: ${selection.nothing ?? 'nothing selected'}`);
    void vscode.window.showInformationMessage(shortenIds(selection.nothing ?? `Nothing to repair on ${node}.`));
    return;
  }
  const planned = async (): Promise<RepairPlan | undefined> => (await doctor.plan(ref, { kind: 'findings', findingIds: selection.findingIds })).plan;
  const plan = await planned();
  if (!plan) return;
  await runPlan(deps, ref, plan, selection.subject, inventory.generatedAt, async () => {
    await tree.refreshNode(ref); // re-inspects through the new bridge pod, which sees the node's processes
    return (await planned()) ?? plan;
  });
}

/**
 * The confirmed half of every repair: log the plan, (nothing to do: why), switch the bridge to the host-pid profile when
 * the plan needs the node's processes (asked first; `replan` plans again through it), the modal with every step, then
 * dry run or execute with progress, the summary, and a re-read of the node.
 */
export async function runPlan(deps: RepairCommandDeps, ref: NodeRef, planned: RepairPlan, subject: string, inspectedAt: string, replan: () => Promise<RepairPlan>): Promise<void> {
  const { engine, log } = deps;
  const node = describeNode(ref);
  const doctor = await engine.nodeDoctor();
  let plan = planned;
  for (const line of planLogLines(plan, node)) log.info(line);
  if (plan.steps.length === 0) {
    void vscode.window.showInformationMessage(emptyPlanMessage(plan, subject, node));
    return;
  }
  if (needsHostProcesses(plan)) {
    if (ref.kind !== 'bridge') throw new NodeDoctorError('forbidden', `${node}: this repair needs the node's processes, which are not visible here.`, { hint: 'Run VS Code on the node as root, or reach it through the bridge.' });
    const ask = hostPidConfirmation(plan, node, doctor.bridgeProfile(ref.context));
    const switchChoice = await vscode.window.showWarningMessage(ask.message, { modal: true, detail: ask.detail }, ask.button);
    if (switchChoice !== ask.button) {
      log.info(`repair on ${node}: switching to the host-pid bridge profile declined; nothing done`);
      return;
    }
    await doctor.useBridgeProfile(ref.context, 'host-pid');
    plan = await replan();
    for (const line of planLogLines(plan, node)) log.info(line);
    if (plan.steps.length === 0 || needsHostProcesses(plan)) {
      void vscode.window.showInformationMessage(emptyPlanMessage(plan, subject, node));
      return;
    }
  }

  const { dryRun } = readRepairSettings();
  if (!(await confirmPlan(deps, plan, node, { dryRun, inspectedAt }))) {
    log.info(`repair on ${node} declined (${plan.steps.length} steps)`);
    return;
  }
  if (dryRun) {
    const text = dryRunSummary(plan, node);
    log.info(text);
    void vscode.window.showInformationMessage(text, 'Copy Manual Commands', TURN_OFF_DRY_RUN).then(async (action) => {
      if (action === 'Copy Manual Commands') await vscode.env.clipboard.writeText(manualCommandsText(plan, node));
      if (action === TURN_OFF_DRY_RUN) await vscode.commands.executeCommand('kubeNodeDoctor.turnOffDryRun');
    });
    return;
  }

  const auditFrom = await fileSize(engine.auditLogPath);
  const results: StepResult[] = [];
  const total = plan.steps.length;
  log.info(`repair on ${node}: running ${total} steps`);
  let failure: unknown;
  try {
    await withProgress(`Repairing ${node}`, async (signal, report) => {
      report(`step 1/${total}: ${plan.steps[0].title}`);
      await doctor.execute(ref, plan, {
        signal,
        onStep: (step, result) => {
          results.push(result);
          log.info(`repair ${node} ${step.id} → ${result.outcome}: ${step.title} · ${step.object} · ${result.detail}${result.error ? ` · error: ${result.error}` : ''}`);
          const next = plan.steps[results.length];
          report(next ? `step ${results.length + 1}/${total}: ${next.title}` : `${total}/${total} steps run`, 100 / total);
        },
      });
    });
  } catch (error) {
    failure = error;
  }

  const interrupted = failure === undefined ? undefined : failure instanceof NodeDoctorError && failure.reason === 'cancelled' ? 'cancelled' : 'error';
  if (failure === undefined || results.length > 0) {
    const summary = executionSummary(plan, results, node, { interrupted });
    log.info(summary.message);
    for (const problem of summary.problems) log.warn(`  ${problem}`);
    showSummary(deps, ref, plan, summary, auditFrom);
  }
  if (results.length > 0) await refreshAfter(deps, ref);
  if (failure !== undefined) throw failure;
}

async function showAuditEntry(deps: RepairCommandDeps, documents: ReadOnlyDocuments, arg: unknown): Promise<void> {
  if (!isAuditQuery(arg)) {
    await vscode.commands.executeCommand('kubeNodeDoctor.openAuditLog');
    return;
  }
  const file = deps.engine.auditLogPath;
  const text = await readFrom(file, arg.since).catch(() => '');
  const entries = auditEntriesOfRun(text, arg.node, arg.stepIds);
  if (entries.length === 0) {
    deps.log.show(true);
    void vscode.window.showInformationMessage(`No audit entry of this run was found in ${file}; the Kube Node Doctor output shows each step as it was logged.`);
    return;
  }
  const stamp = entries[0].at.replace(/[:.]/g, '-');
  await documents.show(`audit-${arg.node}-${stamp}.json`, `${JSON.stringify(entries, null, 2)}\n`, 'json');
}

/**
 * Undo: asks (which files, what is not undone), then copies each backed-up file back; the engine refuses over a file
 * that exists again or from a changed backup. Used by the summary's Undo and by the repair history.
 */
export async function undoBackups(deps: RepairCommandDeps, request: UndoRequest): Promise<void> {
  const { ref, backups } = request;
  // Backups of released networks never come back (see undoConfirmation); the summary only offers Undo for the others.
  const node = describeNode(ref);
  const restorable = backups.filter((b) => b.released !== true);
  if (restorable.length === 0) {
    void vscode.window.showInformationMessage(`Nothing to undo on ${node}: the files this repair moved are cache files of released networks, which stay in quarantine.`);
    return;
  }
  const ask = undoConfirmation(restorable, node, request.removed ?? { sandboxes: 0, containers: 0 });
  const choice = await vscode.window.showWarningMessage(ask.message, { modal: true, detail: ask.detail }, ask.button);
  if (choice !== ask.button) return;
  const doctor = await deps.engine.nodeDoctor();
  const outcomes: { backup: Backup; error?: string }[] = [];
  let failure: unknown;
  try {
    await withProgress(`Restoring files on ${node}`, async (signal, report) => {
      for (const [i, backup] of restorable.entries()) {
        report(`${i + 1}/${restorable.length}: ${backup.original}`, 100 / restorable.length);
        try {
          await doctor.restore(ref, backup, signal);
          deps.log.info(`undo on ${node}: restored ${backup.original} from ${backup.quarantinePath}`);
          outcomes.push({ backup });
        } catch (error) {
          if (error instanceof NodeDoctorError && error.reason === 'cancelled') throw error;
          deps.log.warn(`undo on ${node}: ${backup.original} not restored: ${describeError(error)}`);
          outcomes.push({ backup, error: describeError(error) });
        }
      }
    });
  } catch (error) {
    failure = error;
  }
  if (outcomes.length > 0) {
    const summary = undoSummary(outcomes, node);
    if (summary.ok) void vscode.window.showInformationMessage(summary.message);
    else void vscode.window.showWarningMessage(summary.message, 'Show Log').then((c) => { if (c) deps.log.show(true); });
    await refreshAfter(deps, ref);
  }
  if (failure !== undefined) throw failure;
}

async function undoRepair(deps: RepairCommandDeps, arg: unknown): Promise<void> {
  if (!isUndoRequest(arg)) {
    await vscode.commands.executeCommand('kubeNodeDoctor.undoLastRepair');
    return;
  }
  await undoBackups(deps, arg);
}

/** The repair commands of the tree, the report and the log lens; all of them run `runRepair`. */
export function registerRepairCommands(base: RepairCommandDeps): vscode.Disposable {
  const plans = new ReadOnlyDocuments(PLAN_SCHEME);
  const deps: RepairCommandDeps = { ...base, plans };
  const { errors } = deps;
  const audit = new ReadOnlyDocuments(AUDIT_SCHEME);
  const repair = (id: string, command: RepairCommand): vscode.Disposable =>
    vscode.commands.registerCommand(id, errors.command(COMMAND_TITLES[command], async (arg: unknown) => {
      const target = repairTargetOf(arg);
      if (!target) {
        void vscode.window.showInformationMessage(`${COMMAND_TITLES[command]} runs on an item of the Node Doctor view or a finding of a node report.`);
        return;
      }
      await runRepair(deps, command, target);
    }));
  return vscode.Disposable.from(
    audit, plans,
    registerRepairHistoryCommands(deps),
    registerDryRunCommands(deps),
    registerRemoveObjectCommands(deps),
    repair('kubeNodeDoctor.repairFinding', 'repairFinding'),
    repair('kubeNodeDoctor.repairAllOnNode', 'repairAllOnNode'),
    repair('kubeNodeDoctor.removeCacheFileAndSandbox', 'removeCacheFileAndSandbox'),
    repair('kubeNodeDoctor.releaseLeakedCacheFile', 'releaseLeakedCacheFile'),
    repair('kubeNodeDoctor.removeOrphanContainers', 'removeOrphanContainers'),
    repair('kubeNodeDoctor.pruneDeadObjects', 'pruneDeadObjects'),
    vscode.commands.registerCommand('kubeNodeDoctor.repairOnNode', errors.command('Repair on Node', async (sandboxId: unknown, logFinding?: unknown) => {
      const direct = repairTargetOf(sandboxId);
      if (direct) {
        await runRepair(deps, 'repairOnNode', direct);
        return;
      }
      const prefix = sandboxPrefixOf(sandboxId);
      if (!prefix) {
        void vscode.window.showInformationMessage('Repair on Node runs from the code lens of a log finding that names a sandbox ID.');
        return;
      }
      const match = await findSandboxForLog(await deps.engine.nodeDoctor(), deps.tree, prefix, deps.log);
      if (!match) return;
      // A log's "sandbox stop timed out" on a sandbox still listed: the force-stop, with the log as the reason.
      if (isStopTimeoutLogFinding(logFinding)) await forceStopStuckSandbox(deps, { ref: match.ref, sandboxId: match.sandboxId, logFinding });
      else await runRepair(deps, 'repairOnNode', { kind: 'sandbox', ref: match.ref, sandboxId: match.sandboxId });
    })),
    vscode.commands.registerCommand('kubeNodeDoctor.showAuditEntry', errors.command('Show Audit Entry', (arg: unknown) => showAuditEntry(deps, audit, arg))),
    vscode.commands.registerCommand('kubeNodeDoctor.undoRepair', errors.command('Undo Repair', (arg: unknown) => undoRepair(deps, arg))),
  );
}
