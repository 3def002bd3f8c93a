// The texts of the repair history (what, when, result, backup per run) for its quick pick and its read-only document.
// No vscode import, so test/unit/ui runs it in plain Node.
import { plural } from '../../core/model/plural';
import { relativeTime } from '../../core/model/relativeTime';
import type { HistoryEntry, HistoryStep } from '../../core/repair/history';
import { isoTime, joinAnd, outcomeTally, shortenIds } from './repairDialogText';

export interface HistoryItemText {
  readonly label: string;
  readonly description: string;
  readonly detail: string;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function countOf(steps: readonly HistoryStep[], ...actions: HistoryStep['action'][]): number {
  return steps.filter((s) => actions.includes(s.action)).length;
}

/** What a run changed, from its done steps: `released 1 network, quarantined 2 files, removed 1 container and 1 sandbox`. */
export function whatWasDone(entry: HistoryEntry): string {
  const done = entry.steps.filter((s) => s.result === 'done');
  if (entry.kind === 'undo') return done.length > 0 ? `restored ${plural(done.length, 'file')} from quarantine (Undo)` : 'Undo restored nothing';
  if (done.length === 0) return 'changed nothing';
  const files = countOf(done, 'remove-cache-file', 'remove-checkpoint');
  const releases = countOf(done, 'cni-del');
  const containers = countOf(done, 'remove-container', 'docker-remove-container');
  const sandboxes = countOf(done, 'remove-sandbox', 'docker-remove-sandbox');
  const forceStops = countOf(done, 'force-stop-sandbox');
  const removed = joinAnd([containers > 0 ? plural(containers, 'container') : '', sandboxes > 0 ? plural(sandboxes, 'sandbox', 'sandboxes') : ''].filter((p) => p !== ''));
  return joinAnd([
    releases > 0 ? `released ${plural(releases, 'network')}` : '',
    files > 0 ? `quarantined ${plural(files, 'file')}` : '',
    removed !== '' ? `removed ${removed}` : '',
    forceStops > 0 ? `force-stopped ${plural(forceStops, 'sandbox', 'sandboxes')}` : '',
  ].filter((p) => p !== ''));
}

/** The result of a run: `2 done`, `1 done, 1 refused, 1 interrupted`. */
export function resultOf(entry: HistoryEntry): string {
  return outcomeTally(entry.counts);
}

/** The backup state of a run: what Undo can still restore, and what it already did. */
export function backupOf(entry: HistoryEntry): string {
  if (entry.kind === 'undo') return '';
  const parts = [
    entry.undoable.length > 0 ? `${plural(entry.undoable.length, 'file')} backed up (Undo available)` : '',
    entry.restored.length > 0 ? `${plural(entry.restored.length, 'file')} restored by Undo` : '',
    entry.removed.released > 0 ? `${plural(entry.removed.released, 'released network file')} kept in quarantine` : '',
  ].filter((p) => p !== '');
  return parts.length > 0 ? parts.join(' · ') : 'no file backup';
}

/** Whether Undo can act: `2 files backed up (Undo available)`, `1 file restored by Undo`, `no file backup`. */
function undoState(entry: HistoryEntry): string {
  if (entry.undoable.length > 0) return `${plural(entry.undoable.length, 'file')} backed up (Undo available)`;
  if (entry.restored.length > 0) return `${plural(entry.restored.length, 'file')} restored by Undo`;
  return 'no file to restore';
}

/**
 * One quick-pick row per run. The label says what (it may be cut at the picker's width); the detail line, which has
 * room, when (relative and absolute), the result and whether Undo can act; the description is left to the caller.
 */
export function historyItem(entry: HistoryEntry, nowMs: number): HistoryItemText {
  const ok = entry.counts.refused + entry.counts.failed + entry.counts.interrupted === 0;
  return {
    label: `${ok ? '$(check)' : '$(warning)'} ${capitalize(whatWasDone(entry))}`,
    description: '',
    detail: [`${relativeTime(Date.parse(entry.startedAt), nowMs)} (${isoTime(entry.startedAt)})`, resultOf(entry), ...(entry.kind === 'repair' ? [undoState(entry)] : [])].join(' · '),
  };
}

function stepLine(step: HistoryStep): string {
  const why = step.error ?? (step.result === 'done' ? '' : step.detail);
  return `- ${step.result}: ${step.action} \`${step.object}\`${why ? ` (${why})` : ''}${step.backup ? `; backup \`${step.backup.quarantinePath}\`` : ''}`;
}

/** The history of a node as a read-only Markdown document: every run with each step's object, result and backup. */
export function historyDocument(entries: readonly HistoryEntry[], node: string, nowMs: number, skipped = 0): string {
  const lines = [`# Repair history of ${node}`, '', `${plural(entries.length, 'run')} in the audit log, newest first.`];
  if (skipped > 0) lines.push(`${plural(skipped, 'line')} of the audit log could not be read and ${skipped === 1 ? 'is' : 'are'} left out.`);
  lines.push('Undo restores backed-up files only: Node Doctor: Show Repair History, or Undo Last Repair… in the Command Palette.');
  for (const e of entries) {
    lines.push('', `## ${capitalize(whatWasDone(e))}`, '',
      `- When: ${relativeTime(Date.parse(e.startedAt), nowMs)} (${isoTime(e.startedAt)})`,
      `- Result: ${resultOf(e)}`,
      ...(e.kind === 'repair' ? [`- Backup: ${backupOf(e)}`] : []),
      `- By: ${e.actor}, through ${e.access}`,
      '', ...e.steps.map(stepLine));
  }
  return `${lines.join('\n')}\n`;
}

/** The palette's "Undo Last Repair…" when nothing can be undone. */
export function nothingToUndo(runs: number): string {
  return runs === 0
    ? 'No repair is recorded in the audit log of this window\'s profile, so there is nothing to undo.'
    : `${runs === 1 ? 'The one recorded repair has no' : `None of the ${plural(runs, 'recorded repair')} has a`} backed-up file left to restore (removed sandboxes and containers cannot be put back).`;
}

/** The title of the Undo quick pick / modal for a run. */
export function undoSubject(entry: HistoryEntry, nowMs: number): string {
  return shortenIds(`${whatWasDone(entry)} on ${entry.node}, ${relativeTime(Date.parse(entry.startedAt), nowMs)}`);
}
