// The repair history of a node, read back from the audit log (JSON lines, see audit.ts): the records of one run grouped
// into one entry (what was done, when, the result, the backups), newest first, with the backups that Undo can still
// restore. Pure: the caller reads the file.
import type { NodeRef } from '../session/nodeRef';
import type { AuditEntry, Backup, StepOutcome } from './types';

/** A step of a run: its intent and outcome records merged. `interrupted`: an intent whose outcome was never written. */
export interface HistoryStep {
  readonly stepId: string;
  readonly action: AuditEntry['action'];
  readonly object: string;
  readonly result: StepOutcome | 'interrupted';
  readonly at: string;
  readonly detail: string;
  readonly error?: string;
  readonly backup?: Backup;
}

export interface HistoryEntry {
  /** Stable for a given log: `<node>@<time of the first record>#<index of the first record>`. */
  readonly id: string;
  readonly node: string;
  readonly actor: string;
  /** How the node was reached (`local`, `bridge pod in kube-system on node n1 (context prod)`). */
  readonly access: string;
  /** `repair`: steps of a plan; `undo`: files restored from their backups. */
  readonly kind: 'repair' | 'undo';
  readonly startedAt: string;
  readonly endedAt: string;
  readonly steps: readonly HistoryStep[];
  readonly counts: Readonly<Record<StepOutcome | 'interrupted', number>>;
  /** Files this run backed up that Undo can restore: done, not of a released network, not restored since. */
  readonly undoable: readonly Backup[];
  /** Files this run backed up that a later Undo restored. */
  readonly restored: readonly Backup[];
  /** What the run removed or released (not undone by Undo). */
  readonly removed: { readonly sandboxes: number; readonly containers: number; readonly released: number };
}

export interface ParsedAuditLog {
  readonly records: readonly AuditEntry[];
  /** Lines that are not audit records (cut by a concurrent append, or not ours). */
  readonly skipped: number;
}

/** Records further apart than this belong to different runs, whatever their step numbers. */
const RUN_GAP_MS = 10 * 60 * 1000;
/** Restores further apart than this are different Undos. */
const UNDO_GAP_MS = 60 * 1000;

function isAuditEntry(value: unknown): value is AuditEntry {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Record<string, unknown>;
  return typeof e.at === 'string' && !Number.isNaN(Date.parse(e.at)) && typeof e.node === 'string' && typeof e.stepId === 'string'
    && typeof e.action === 'string' && typeof e.object === 'string' && typeof e.result === 'string';
}

/** Parses the audit log's lines; a line that is not a record is counted, not fatal. */
export function parseAuditLog(text: string): ParsedAuditLog {
  const records: AuditEntry[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const value: unknown = JSON.parse(line);
      if (isAuditEntry(value)) records.push(value);
      else skipped += 1;
    } catch {
      skipped += 1;
    }
  }
  return { records, skipped };
}

function stepNumber(stepId: string): number | undefined {
  const m = /^(\d+)-/.exec(stepId);
  return m ? Number(m[1]) : undefined;
}

interface OpenRun {
  readonly first: number;
  readonly kind: 'repair' | 'undo';
  readonly records: AuditEntry[];
  lastMs: number;
  lastStep: number;
  lastStepId: string;
  /** Step IDs with an outcome already (a second intent for one of them starts a new run). */
  readonly finished: Set<string>;
}

const REMOVED_SANDBOX = new Set(['remove-sandbox', 'force-stop-sandbox', 'docker-remove-sandbox']);
const REMOVED_CONTAINER = new Set(['remove-container', 'docker-remove-container']);

function toEntry(run: OpenRun): Omit<HistoryEntry, 'undoable' | 'restored'> & { readonly backups: readonly Backup[] } {
  const byStep = new Map<string, { intent?: AuditEntry; outcome?: AuditEntry }>();
  for (const r of run.records) {
    const slot = byStep.get(r.stepId) ?? {};
    if (r.phase === 'intent') slot.intent ??= r;
    else slot.outcome = r;
    byStep.set(r.stepId, slot);
  }
  const counts: Record<StepOutcome | 'interrupted', number> = { done: 0, 'already-done': 0, refused: 0, failed: 0, skipped: 0, interrupted: 0 };
  const steps: HistoryStep[] = [];
  for (const [stepId, { intent, outcome }] of byStep) {
    const r = outcome ?? intent;
    if (!r) continue;
    const result: HistoryStep['result'] = outcome && outcome.result !== 'intended' ? outcome.result : 'interrupted';
    counts[result] += 1;
    steps.push({
      stepId, action: r.action, object: r.object, result, at: r.at, detail: r.detail,
      ...(r.error !== undefined ? { error: r.error } : {}), ...(outcome?.backup ? { backup: outcome.backup } : {}),
    });
  }
  const done = steps.filter((s) => s.result === 'done');
  const first = run.records[0];
  const last = run.records[run.records.length - 1];
  return {
    id: `${first.node}@${first.at}#${run.first}`,
    node: first.node, actor: first.actor, access: first.access, kind: run.kind, startedAt: first.at, endedAt: last.at, steps, counts,
    backups: done.map((s) => s.backup).filter((b): b is Backup => b !== undefined),
    removed: {
      sandboxes: done.filter((s) => REMOVED_SANDBOX.has(s.action)).length,
      containers: done.filter((s) => REMOVED_CONTAINER.has(s.action)).length,
      released: done.filter((s) => s.action === 'cni-del').length,
    },
  };
}

/** The key of a backup as a restore record names it: `undo-<sha256 prefix>` on the original path. */
function restoreKey(original: string, sha256Prefix: string): string {
  return `${original}\0${sha256Prefix}`;
}

/**
 * Groups audit records into runs, newest first. Records with a run ID (written since the executor and the restore stamp
 * one) are grouped by it, exactly. Older records have none: for them a run is the records of one node and actor
 * in file order until the step number does not go on (a new plan starts again at 01: a lower number, or the same number
 * for another step), a step that already has its outcome starts again, a record of the other kind (repair / undo) comes, or more than 10 minutes (1 minute between restores) pass.
 * `node` keeps only that node's runs.
 */
export function repairHistory(records: readonly AuditEntry[], options: { readonly node?: string } = {}): HistoryEntry[] {
  const runs: OpenRun[] = [];
  const open = new Map<string, OpenRun>();
  records.forEach((r, index) => {
    if (options.node !== undefined && r.node !== options.node) return;
    const key = r.runId !== undefined ? `run\0${r.runId}` : `${r.node}\0${r.actor}`;
    const kind = r.repair === 'undo' || r.action === 'restore-file' ? 'undo' : 'repair';
    const ms = Date.parse(r.at);
    const number = stepNumber(r.stepId) ?? 0;
    const current = open.get(key);
    const continues = current !== undefined && (r.runId !== undefined || (current.kind === kind && ms - current.lastMs <= (kind === 'undo' ? UNDO_GAP_MS : RUN_GAP_MS)
      && (kind === 'undo' || (number > current.lastStep || (number === current.lastStep && r.stepId === current.lastStepId)) && !(current.finished.has(r.stepId) && r.phase === 'intent'))));
    const run: OpenRun = continues ? current : { first: index, kind, records: [], lastMs: ms, lastStep: number, lastStepId: r.stepId, finished: new Set() };
    if (!continues) {
      runs.push(run);
      open.set(key, run);
    }
    run.records.push(r);
    run.lastMs = ms;
    run.lastStep = number;
    run.lastStepId = r.stepId;
    if (r.phase !== 'intent') run.finished.add(r.stepId);
  });

  // Restores that succeeded, by original path and backup hash prefix (NodeDoctor.restore's step ID is `undo-<sha12>`).
  const restoredAt = new Map<string, number>();
  for (const run of runs) {
    if (run.kind !== 'undo') continue;
    for (const r of run.records) {
      if (r.result === 'done') restoredAt.set(restoreKey(r.object, r.stepId.replace(/^undo-/, '')), Date.parse(r.at));
    }
  }
  const entries = runs.map((run) => {
    const { backups, ...entry } = toEntry(run);
    const wasRestored = (b: Backup): boolean => {
      const at = restoredAt.get(restoreKey(b.original, b.sha256.slice(0, 12)));
      return at !== undefined && at >= Date.parse(entry.startedAt);
    };
    return {
      ...entry,
      undoable: backups.filter((b) => b.released !== true && !wasRestored(b)),
      restored: backups.filter((b) => b.released !== true && wasRestored(b)),
    };
  });
  return entries.reverse();
}

/** The newest entry of the history that Undo can still act on. */
export function lastUndoable(history: readonly HistoryEntry[]): HistoryEntry | undefined {
  return history.find((e) => e.kind === 'repair' && e.undoable.length > 0);
}

/**
 * The node an entry was made on, from its `access` (`local…`, or `bridge pod in <ns> on node <n> (context <c>)`), so Undo
 * works from the history even when the node is not open. Undefined when the access is not one of those.
 */
export function nodeRefOf(entry: Pick<HistoryEntry, 'node' | 'access'>): NodeRef | undefined {
  if (entry.access === 'local' || entry.access.startsWith('local (')) return { kind: 'local', name: entry.node };
  const m = /^bridge pod in \S+ on node (\S+) \(context (.+)\)$/.exec(entry.access);
  if (m && m[1] === entry.node) return { kind: 'bridge', context: m[2], node: m[1] };
  return undefined;
}
