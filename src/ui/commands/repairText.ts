// The pure half of the repair commands: which findings a command on a tree element (or a report / log request) maps to,
// and every text the confirmed repair flow shows. No vscode import, so test/unit/ui runs it in plain Node.
import type { Inventory } from '../../core/inventory/types';
import { shortId } from '../../core/model/ids';
import { repairableFindingsOn, selectFindings as selectOnNode } from '../../core/repair/selection';
import type { FindingSelection, RepairCommand, RepairObject } from '../../core/repair/selection';
import type { RemovableObject } from '../../core/repair/removeObject';
import type { AuditEntry, Backup, PlanStep, RepairPlan, StepOutcome, StepResult } from '../../core/repair/types';
import { isNodeRef } from '../../core/session/nodeRef';
import type { NodeRef } from '../../core/session/nodeRef';
import type { NodeElement, TreeElement } from '../tree/treeModel';
import { plural } from '../../core/model/plural';
import { joinAnd, outcomeTally, shortenIds } from './repairDialogText';
import type { Confirmation } from './repairDialogText';

export type { Confirmation, PlanConfirmation } from './repairDialogText';
export { buttonLabel, confirmation, dryRunSummary, emptyPlanMessage, fullPlanText, SHOW_FULL_PLAN } from './repairDialogText';

export type { RepairCommand } from '../../core/repair/selection';
export { COMMAND_TITLES } from '../../core/repair/selection';

/** What a repair command was invoked on: a tree element, a finding (report, lens), or a sandbox (Repair on node from a log). */
export type RepairTarget =
  | { readonly kind: 'element'; readonly ref: NodeRef; readonly element: NodeElement }
  | { readonly kind: 'finding'; readonly ref: NodeRef; readonly findingId: string }
  | { readonly kind: 'sandbox'; readonly ref: NodeRef; readonly sandboxId: string };

export type { FindingSelection } from '../../core/repair/selection';

export interface ExecutionSummary {
  /** Every step done or already done. */
  readonly ok: boolean;
  /** One notification: the headline and the first problems. */
  readonly message: string;
  /** One line per step that did not complete (for the log). */
  readonly problems: readonly string[];
  /** Files the run backed up that Undo restores (not those of released networks). */
  readonly backups: readonly Backup[];
  /** Cache files of networks the run released (CNI DEL): kept in quarantine, not restored by Undo. */
  readonly released: readonly Backup[];
  readonly counts: Readonly<Record<StepOutcome, number>>;
  /** Sandboxes and containers the run removed (Undo does not recreate them). */
  readonly removedSandboxes: number;
  readonly removedContainers: number;
}

const NODE_ELEMENT_KINDS = new Set(['node', 'group', 'finding', 'sandbox', 'container', 'cniCache', 'inspect']);
const HEX_ID = /^[0-9a-f]{12,64}$/;
/** Narrows a command argument: a tree element of a node, `{ref, findingId}` (report, lens) or `{ref, sandboxId}`. */
export function repairTargetOf(arg: unknown): RepairTarget | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const value = arg as Record<string, unknown>;
  if (!isNodeRef(value.ref)) return undefined;
  const ref = value.ref;
  if (typeof value.kind === 'string' && NODE_ELEMENT_KINDS.has(value.kind) && typeof value.id === 'string') {
    return { kind: 'element', ref, element: arg as NodeElement };
  }
  if (typeof value.findingId === 'string' && value.findingId.length > 0 && value.findingId.length < 512) {
    return { kind: 'finding', ref, findingId: value.findingId };
  }
  if (typeof value.sandboxId === 'string' && HEX_ID.test(value.sandboxId.toLowerCase())) {
    return { kind: 'sandbox', ref, sandboxId: value.sandboxId.toLowerCase() };
  }
  return undefined;
}

/** How an element is named in messages. */
export function subjectOf(element: TreeElement, node: string): string {
  switch (element.kind) {
    case 'finding': return `"${element.finding.title}"`;
    case 'sandbox': return `sandbox ${shortId(element.sandbox.id)} (${element.sandbox.namespace}/${element.sandbox.name})`;
    case 'container': return `container ${element.container.name} (${shortId(element.container.id)})`;
    case 'cniCache': return `cache file ${element.entry.name}`;
    case 'group': return `${element.label} on ${node}`;
    default: return node;
  }
}

/** The core's name for the object a command was invoked on. */
export function objectOf(target: RepairTarget): RepairObject {
  if (target.kind === 'finding') return { kind: 'finding', findingId: target.findingId };
  if (target.kind === 'sandbox') return { kind: 'sandbox', sandboxId: target.sandboxId };
  return objectOfElement(target.element);
}

function objectOfElement(element: TreeElement): RepairObject {
  switch (element.kind) {
    case 'finding': return { kind: 'finding', findingId: element.finding.id };
    case 'sandbox': return { kind: 'sandbox', sandboxId: element.sandbox.id };
    case 'container': return { kind: 'container', containerId: element.container.id };
    case 'cniCache': return { kind: 'cacheFile', path: element.entry.path };
    case 'group': return { kind: 'group' };
    default: return { kind: 'node' };
  }
}

/**
 * The findings a repair command acts on, from the node's last inventory (never from the element's own copy, which may
 * be older): the core's one selection (src/core/repair/selection.ts), named for messages with the element's subject.
 */
export function selectFindings(command: RepairCommand, target: RepairTarget, inventory: Inventory, node: string): FindingSelection {
  const subject = target.kind === 'element' ? subjectOf(target.element, node) : undefined;
  return selectOnNode({ kind: 'object', command, object: objectOf(target), subject }, inventory, node);
}

/** The findings with a repair about one object of the tree (Copy Manual Commands), and those they need. */
export function findingsAbout(element: TreeElement, inventory: Inventory): string[] {
  return repairableFindingsOn(objectOfElement(element), inventory);
}

function problemLine(step: PlanStep | undefined, result: StepResult): string | undefined {
  const title = step?.title ?? result.stepId;
  switch (result.outcome) {
    case 'refused': return `Refused "${title}": the state changed since the plan (${result.detail}).`;
    case 'failed': return `Failed "${title}": ${result.error ?? result.detail}`;
    case 'skipped': return `Skipped "${title}": ${result.detail}.`;
    default: return undefined;
  }
}

/**
 * The summary of a run from its step results (all of them, or those before a cancellation): done, already done,
 * refused (state changed since the plan), failed (the runtime's exact error), skipped.
 */
export function executionSummary(plan: RepairPlan, results: readonly StepResult[], node: string, options: { interrupted?: 'cancelled' | 'error' } = {}): ExecutionSummary {
  const counts: Record<StepOutcome, number> = { done: 0, 'already-done': 0, refused: 0, failed: 0, skipped: 0 };
  for (const r of results) counts[r.outcome] += 1;
  const steps = new Map(plan.steps.map((s) => [s.id, s]));
  const problems = results.map((r) => problemLine(steps.get(r.stepId), r)).filter((l): l is string => l !== undefined);
  const all = results.map((r) => r.backup).filter((b): b is Backup => b !== undefined);
  const backups = all.filter((b) => b.released !== true);
  const released = all.filter((b) => b.released === true);
  const doneKinds = results.filter((r) => r.outcome === 'done').map((r) => steps.get(r.stepId)?.action.kind);
  const removedSandboxes = doneKinds.filter((k) => k === 'remove-sandbox' || k === 'force-stop-sandbox' || k === 'docker-remove-sandbox').length;
  const removedContainers = doneKinds.filter((k) => k === 'remove-container' || k === 'docker-remove-container').length;
  const docker = doneKinds.some((k) => k === 'docker-remove-container' || k === 'docker-remove-sandbox');
  const tally = outcomeTally(counts);
  const ok = options.interrupted === undefined && results.length === plan.steps.length && problems.length === 0;
  let headline: string;
  if (options.interrupted === 'cancelled') headline = `Repair on ${node} cancelled after ${results.length} of ${plural(plan.steps.length, 'step')} (${tally}).`;
  else if (options.interrupted === 'error') headline = `Repair on ${node} stopped by an error after ${results.length} of ${plural(plan.steps.length, 'step')} (${tally}).`;
  else if (ok) headline = `Repaired ${node}: ${plural(plan.steps.length, 'step')}, ${tally}.`;
  else headline = `Repair on ${node} did not complete: ${tally}.`;
  const shown = problems.slice(0, 2);
  const more = problems.length > shown.length ? ` (${plural(problems.length - shown.length, 'more problem')} in the log.)` : '';
  const notUndone = [
    removedSandboxes + removedContainers > 0 ? 'removed sandboxes and containers are not recreated' : '',
    released.length > 0 ? `the ${plural(released.length, 'cache file')} of released networks stay in quarantine (their IPs were given back; restoring a file would not take them back and would only show a false leak)` : '',
  ].filter((p) => p !== '');
  const undo = backups.length > 0 && notUndone.length > 0 ? ` Undo restores the backed-up files only; ${joinAnd(notUndone)}.` : '';
  const dockerNote = docker ? ' A removed Docker container cannot be put back; its inspect JSON is in the audit log.' : '';
  return {
    ok, problems, backups, released, counts, removedSandboxes, removedContainers,
    message: shortenIds([headline, ...shown].join(' ') + more + undo + dockerNote),
  };
}

/** Files listed one by one in the Undo modal (one line each), so it fits the window. */
const UNDO_LISTED = 6;

function dirOf(file: string): string {
  return file.slice(0, file.lastIndexOf('/')) || '/';
}

/** The modal confirmation of Undo: which files come back from where, and what is not undone; one line per file. */
export function undoConfirmation(backups: readonly Backup[], node: string, removed: { sandboxes: number; containers: number; released?: number }): Confirmation {
  const files = plural(backups.length, 'file');
  const lines: string[] = [];
  backups.slice(0, UNDO_LISTED).forEach((b, i) => lines.push(`${i + 1}. ${shortenIds(b.original.slice(b.original.lastIndexOf('/') + 1))} (${plural(b.size, 'byte')}, sha256 ${b.sha256.slice(0, 12)})`));
  if (backups.length > UNDO_LISTED) lines.push(`… and ${plural(backups.length - UNDO_LISTED, 'more file')} (Show Repair History lists every one).`);
  const into = [...new Set(backups.map((b) => dirOf(b.original)))];
  const from = [...new Set(backups.map((b) => dirOf(b.quarantinePath)))];
  lines.push(into.length === 1 ? `Back into ${into[0]} from ${from.length === 1 ? from[0] : 'the quarantine directory'}.` : 'Back to their original paths from the quarantine directory.');
  lines.push('', 'Only files come back: never over a file that exists again, nor from a backup whose bytes changed.');
  const gone = [removed.sandboxes > 0 ? plural(removed.sandboxes, 'sandbox', 'sandboxes') : '', removed.containers > 0 ? plural(removed.containers, 'container') : ''].filter((p) => p !== '');
  if (gone.length > 0) lines.push(`The ${joinAnd(gone)} the repair removed ${removed.sandboxes + removed.containers === 1 ? 'is' : 'are'} not recreated (kubelet creates new sandboxes for pods that still exist).`);
  if ((removed.released ?? 0) > 0) {
    lines.push(`The ${plural(removed.released ?? 0, 'cache file')} of released networks ${removed.released === 1 ? 'stays' : 'stay'} in quarantine: their IPs and veths were given back by the CNI DEL.`);
  }
  lines.push('A restored bad CNI cache file blocks its sandbox\'s teardown again.');
  return { message: `Restore ${files} on ${node}?`, detail: lines.join('\n'), button: `Restore ${files}` };
}

/** The summary of Undo: restored files, and each refusal's reason. */
export function undoSummary(outcomes: readonly { readonly backup: Backup; readonly error?: string }[], node: string): { ok: boolean; message: string } {
  const restored = outcomes.filter((o) => o.error === undefined).length;
  const failed = outcomes.filter((o) => o.error !== undefined);
  if (failed.length === 0) return { ok: true, message: `Restored ${plural(restored, 'file')} on ${node}. Removed sandboxes and containers were not recreated.` };
  const first = failed[0];
  return {
    ok: false,
    message: shortenIds(`Restored ${restored} of ${plural(outcomes.length, 'file')} on ${node}. ${first.backup.original}: ${first.error ?? ''}${failed.length > 1 ? ` (${plural(failed.length - 1, 'more failure')} in the log.)` : ''}`),
  };
}

/** The plan as commands to run by hand on the node, each under its step title; notes as comments. */
export function manualCommandsText(plan: RepairPlan, node: string): string {
  const lines = [
    `# ${node}: ${plural(plan.steps.length, 'step')} of the repair plan; run on the node as root, in this order.`,
    `# Runtime ${plan.endpoint}; removed files go to ${plan.quarantineDir}. Every value is quoted: paste as is.`,
  ];
  plan.steps.forEach((s, i) => lines.push(`# ${i + 1}. ${s.title} (risk: ${s.risk}; only if ${s.precondition})`, s.manualCommand));
  for (const note of plan.notes) lines.push(`# Note: ${note}`);
  return `${lines.join('\n')}\n`;
}

/** Log lines for a plan (the confirmation may count steps; the log has every one). */
export function planLogLines(plan: RepairPlan, node: string): string[] {
  return [
    `plan for ${node}: ${plural(plan.steps.length, 'step')}, findings ${plan.findingIds.join(', ') || '(none)'}`,
    ...plan.steps.map((s) => `  ${s.id} [${s.risk}] ${s.title} · ${s.object} · only if ${s.precondition} · by hand: ${s.manualCommand}`),
    ...plan.notes.map((n) => `  note: ${n}`),
  ];
}

/**
 * The audit entries one run appended: `text` is what the audit file gained since the run started (other windows may
 * append too, so entries are matched by node and step ID). Unparseable lines are skipped.
 */
export function auditEntriesOfRun(text: string, node: string, stepIds: readonly string[]): AuditEntry[] {
  const wanted = new Set(stepIds);
  const entries: AuditEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const entry = JSON.parse(line) as AuditEntry;
      if (entry.node === node && wanted.has(entry.stepId)) entries.push(entry);
    } catch {
      // a line cut by a concurrent append, or not ours
    }
  }
  return entries;
}

/** Backups from an untrusted command argument (Undo from a notification button). */
export function isBackup(value: unknown): value is Backup {
  if (typeof value !== 'object' || value === null) return false;
  const b = value as Record<string, unknown>;
  return typeof b.original === 'string' && b.original.startsWith('/') && typeof b.quarantinePath === 'string' && b.quarantinePath.startsWith('/')
    && typeof b.size === 'number' && typeof b.sha256 === 'string' && /^[0-9a-f]{64}$/.test(b.sha256);
}

/**
 * The object of Remove Sandbox… / Remove Container…, from the command argument. Accepted shapes (the tree's elements
 * change with the tree; these all carry `ref`, a NodeRef):
 * - a tree element: `{kind: 'sandbox', ref, sandbox: {id}}` / `{kind: 'container', ref, container: {id}}`;
 * - `{ref, sandboxId}` / `{ref, containerId}`;
 * - `{ref, id}` where `id` is the 64-hex object ID, or a tree item ID ending in `:<64-hex>` (`…#sandbox:<id>`).
 * IDs are lower-cased; anything else is undefined.
 */
export function removalTargetOf(arg: unknown, kind: 'sandbox' | 'container'): { ref: NodeRef; object: RemovableObject } | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const value = arg as Record<string, unknown>;
  if (!isNodeRef(value.ref)) return undefined;
  const nested = value[kind];
  const candidates = [
    typeof nested === 'object' && nested !== null ? (nested as { id?: unknown }).id : undefined,
    kind === 'sandbox' ? value.sandboxId : value.containerId,
    value.kind === undefined || value.kind === kind ? value.id : undefined,
  ];
  for (const candidate of candidates) {
    if (typeof candidate !== 'string') continue;
    const m = /(?:^|:)([0-9a-fA-F]{64})$/.exec(candidate);
    if (!m) continue;
    const id = m[1].toLowerCase();
    return { ref: value.ref, object: kind === 'sandbox' ? { kind, sandboxId: id } : { kind, containerId: id } };
  }
  return undefined;
}
