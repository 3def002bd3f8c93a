// The confirmation of a repair plan: a short modal that fits a 700 px window (the node, the steps counted per kind, the
// risk, the first steps, the buttons with a non-destructive default) and the whole plan as a read-only document.
// No vscode import, so test/unit/ui runs it in plain Node.
import { absoluteTime } from '../../core/model/relativeTime';
import { plural } from '../../core/model/plural';
import type { PlanStep, RepairPlan, Risk, StepOutcome } from '../../core/repair/types';

export interface Confirmation {
  readonly message: string;
  readonly detail: string;
  /** The verb-labelled button of the modal; anything else (Cancel, Escape) declines. */
  readonly button: string;
}

/** The repair modal: `buttons` in order; the first (the default, focused) is never the destructive one. */
export interface PlanConfirmation extends Confirmation {
  readonly buttons: readonly string[];
}

/** The modal's first (default) button: opens every step in a read-only editor, then asks again. */
export const SHOW_FULL_PLAN = 'Show Full Plan';
/** At most this many step lines in the modal; the full plan has every step. */
export const MODAL_STEP_LINES = 6;
/** Up to this many steps, each gets its exact object on a second line. */
const WITH_OBJECTS_UP_TO = 3;
const MODAL_NOTES = 2;
/** The dialog is about 75 characters wide: a step title or a note gets one line (IDs shortened), the full plan has all. */
const LINE_CHARS = 76;

/** The outcomes of a run's steps, in this order: `2 done, 1 refused`, or `no step ran`. */
const TALLY: readonly (readonly [StepOutcome | 'interrupted', string])[] = [
  ['done', 'done'], ['already-done', 'already done'], ['refused', 'refused'], ['failed', 'failed'], ['skipped', 'skipped'], ['interrupted', 'interrupted'],
];

export function outcomeTally(counts: Readonly<Partial<Record<StepOutcome | 'interrupted', number>>>): string {
  const parts = TALLY.filter(([outcome]) => (counts[outcome] ?? 0) > 0).map(([outcome, words]) => `${counts[outcome]} ${words}`);
  return parts.length > 0 ? parts.join(', ') : 'no step ran';
}

/** An ISO time as the tree shows absolute times (`2026-12-06 07:10:26 UTC`), or as it is when it does not parse. */
export function isoTime(iso: string): string {
  return absoluteTime(Date.parse(iso)) ?? iso;
}

export function joinAnd(parts: readonly string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** `cbr0-055b221e44a2…-eth0`: 64-hex IDs cut to the 12 characters crictl shows, for notifications (the log keeps them whole). */
export function shortenIds(text: string): string {
  return text.replace(/[0-9a-f]{64}/g, (id) => `${id.slice(0, 12)}…`);
}

interface StepCounts {
  readonly files: number;
  readonly sandboxes: number;
  readonly containers: number;
  readonly releases: number;
  readonly forceStops: number;
}

function countSteps(steps: readonly PlanStep[]): StepCounts {
  const count = (...kinds: PlanStep['action']['kind'][]): number => steps.filter((s) => kinds.includes(s.action.kind)).length;
  return {
    files: count('remove-cache-file', 'remove-checkpoint'), sandboxes: count('remove-sandbox', 'docker-remove-sandbox'),
    containers: count('remove-container', 'docker-remove-container'), releases: count('cni-del'), forceStops: count('force-stop-sandbox'),
  };
}

/** The steps counted per kind: `2 files moved to quarantine, 1 network released (CNI DEL) and 1 sandbox removed`. */
export function stepKinds(plan: RepairPlan): string {
  const c = countSteps(plan.steps);
  return joinAnd([
    c.files > 0 ? `${plural(c.files, 'file')} moved to quarantine` : '',
    c.releases > 0 ? `${plural(c.releases, 'network')} released (CNI DEL)` : '',
    c.containers > 0 ? `${plural(c.containers, 'container')} removed` : '',
    c.sandboxes > 0 ? `${plural(c.sandboxes, 'sandbox', 'sandboxes')} removed` : '',
    c.forceStops > 0 ? `${plural(c.forceStops, 'stuck sandbox', 'stuck sandboxes')} force-stopped` : '',
  ].filter((p) => p !== ''));
}

const RISK_ORDER: readonly Risk[] = ['low', 'medium', 'high'];

/** The highest risk of the plan's steps. */
export function highestRisk(plan: RepairPlan): Risk {
  return plan.steps.reduce<Risk>((top, s) => (RISK_ORDER.indexOf(s.risk) > RISK_ORDER.indexOf(top) ? s.risk : top), 'low');
}

/** The modal's destructive button: what will happen, counted (`Remove 1 file and 1 sandbox`, `Prune 240 objects`). */
export function buttonLabel(plan: RepairPlan): string {
  const steps = plan.steps;
  if (steps.length > 0 && steps.every((s) => s.repair === 'prune-dead-objects')) return `Prune ${plural(steps.length, 'object')}`;
  if (steps.length > 0 && steps.every((s) => s.action.kind === 'force-stop-sandbox')) return `Force-Stop ${plural(steps.length, 'Sandbox', 'Sandboxes')}`;
  const c = countSteps(steps);
  const removals = [
    c.files > 0 ? plural(c.files, 'file') : '',
    c.containers > 0 ? plural(c.containers, 'container') : '',
    c.sandboxes > 0 ? plural(c.sandboxes, 'sandbox', 'sandboxes') : '',
  ].filter((p) => p !== '');
  const parts = [
    c.releases > 0 ? `release ${plural(c.releases, 'network')}` : '',
    removals.length > 0 ? `remove ${joinAnd(removals)}` : '',
  ].filter((p) => p !== '');
  return parts.length > 0 ? capitalize(joinAnd(parts)) : `Run ${plural(steps.length, 'step')}`;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;
}

/**
 * The modal confirmation of a plan, short enough for a 700 px window: (the node is in the question) the steps counted
 * per kind and the highest risk, at most MODAL_STEP_LINES one-line steps (each step's exact object when there are only
 * a few), the first notes on one line each, what is backed up and audited. Buttons: "Show Full Plan" first (the
 * default), then the explicit verb.
 */
export function confirmation(plan: RepairPlan, node: string, options: { dryRun: boolean; inspectedAt?: string }): PlanConfirmation {
  const label = buttonLabel(plan);
  const steps = plan.steps;
  const lines: string[] = [
    `${plural(steps.length, 'step')}: ${stepKinds(plan) || 'nothing to change'}. Risk: ${highestRisk(plan)}${steps.length > 1 ? ' at most' : ''}.`,
  ];
  if (options.inspectedAt) lines.push(`Inspected ${isoTime(options.inspectedAt)}; each step is re-checked before it runs.`);
  lines.push('');
  if (steps.length <= WITH_OBJECTS_UP_TO) {
    steps.forEach((s, i) => lines.push(`${i + 1}. ${s.title}`, `    ${s.object}`));
  } else {
    const shown = steps.slice(0, MODAL_STEP_LINES - 1);
    shown.forEach((s, i) => lines.push(clip(`${i + 1}. ${shortenIds(s.title)}`, LINE_CHARS)));
    lines.push(`… and ${plural(steps.length - shown.length, 'more step')}: Show Full Plan lists each one.`);
  }
  if (plan.notes.length > 0) {
    // A short plan has room for its notes whole-ish and with full IDs (a force-stop's note names the exact process it
    // would kill); a long one gets one line per note.
    const short = steps.length <= WITH_OBJECTS_UP_TO;
    const shown = short ? MODAL_NOTES + 1 : MODAL_NOTES;
    lines.push('', ...plan.notes.slice(0, shown).map((n) => (short ? clip(`• ${n}`, 4 * LINE_CHARS) : clip(`• ${shortenIds(n)}`, LINE_CHARS))));
    if (plan.notes.length > shown) lines.push(`• and ${plural(plan.notes.length - shown, 'more note')} in the full plan.`);
  }
  lines.push('');
  if (options.dryRun) {
    lines.push('Dry run (setting kubeNodeDoctor.repair.dryRun): nothing will be changed.');
  } else {
    const c = countSteps(steps);
    lines.push(`${c.files > 0 ? 'Files are backed up first (Undo restores them). ' : ''}Every step is audited.`);
  }
  const button = options.dryRun ? `${label} (Dry Run)` : label;
  return {
    message: options.dryRun ? `Dry run: ${lowerFirst(label)} on ${node}? Nothing will be changed.` : `${label} on ${node}?`,
    detail: lines.join('\n'),
    button,
    buttons: [SHOW_FULL_PLAN, button],
  };
}

/** The whole plan, for the read-only editor behind "Show Full Plan": every step with its object, risk, check and command. */
export function fullPlanText(plan: RepairPlan, node: string, options: { dryRun: boolean; inspectedAt?: string }): string {
  const lines = [
    `# Repair plan for ${node}`,
    '',
    `- ${plural(plan.steps.length, 'step')}: ${stepKinds(plan) || 'nothing to change'}; risk ${highestRisk(plan)}${plan.steps.length > 1 ? ' at most' : ''}.`,
    `- Planned ${isoTime(plan.createdAt)}${options.inspectedAt ? ` from the inspection of ${isoTime(options.inspectedAt)}` : ''}; each step's check runs again right before it acts.`,
    `- Runtime: \`${plan.endpoint}\`; removed files are moved to \`${plan.quarantineDir}\` on the node (Undo restores them).`,
    options.dryRun ? '- **Dry run is on** (setting `kubeNodeDoctor.repair.dryRun`): confirming changes nothing.' : '- Confirming runs these steps in this order; every step is recorded in the audit log.',
    '',
    'Close this tab and answer the dialog to run or cancel the repair.',
  ];
  plan.steps.forEach((s, i) => {
    lines.push('', `## ${i + 1}. ${s.title}`, '', `- Object: \`${s.object}\``, `- Risk: ${s.risk}`, `- Runs only if ${s.precondition}`, '- By hand, on the node as root:', '', '```sh', s.manualCommand, '```');
  });
  if (plan.notes.length > 0) lines.push('', '## Notes', '', ...plan.notes.map((n) => `- ${n}`));
  if (plan.findingIds.length > 0) lines.push('', '## Findings', '', ...plan.findingIds.map((id) => `- \`${id}\``));
  return `${lines.join('\n')}\n`;
}

/** Why there is nothing to confirm: the plan has no step. */
export function emptyPlanMessage(plan: RepairPlan, subject: string, node: string): string {
  const notes = plan.notes.length > 0 ? ` ${plan.notes.join(' ')}` : '';
  return shortenIds(`Nothing to repair on ${node} for ${subject}.${notes}`);
}

function listTitles(steps: readonly PlanStep[], max: number): string {
  const shown = steps.slice(0, max).map((s, i) => `${i + 1}) ${s.title}`).join('; ');
  return steps.length > max ? `${shown}; and ${plural(steps.length - max, 'more step')}` : shown;
}

/** The summary of a dry run: nothing was changed, and what a real run would do. */
export function dryRunSummary(plan: RepairPlan, node: string): string {
  return shortenIds(`Dry run: nothing was changed on ${node}. A real run would ${lowerFirst(buttonLabel(plan))} in ${plural(plan.steps.length, 'step')}: ${listTitles(plan.steps, 3)}.`);
}
