import { summaryLine } from './summary';

/**
 * node-problem-detector's custom-plugin protocol for the node conditions this tool answers. NPD's polarity: a
 * condition is True when the problem is there. Each answer is what a plugin says: OK (exit 0, condition False),
 * problem (exit 1, True) or unknown (exit 2, Unknown) — unknown whenever the answer cannot be proven, with the reason.
 * This file stays free of the inventory and the runtime clients: a check answered from the cache loads only it.
 */
export const NPD_CONDITIONS = ['CNICacheCorrupt', 'SandboxBacklog', 'OrphanContainers', 'StuckSandbox'] as const;

export type NpdCondition = (typeof NPD_CONDITIONS)[number];

export type NpdStatus = 'ok' | 'problem' | 'unknown';

export interface NpdAnswer {
  readonly status: NpdStatus;
  /** The first (and only) stdout line: self-contained, at most 200 bytes. */
  readonly summary: string;
  /** A few short lines for stderr (NPD only logs them). */
  readonly notes: readonly string[];
}

export type NpdAnswers = Readonly<Record<NpdCondition, NpdAnswer>>;

export function isNpdCondition(value: string): value is NpdCondition {
  return (NPD_CONDITIONS as readonly string[]).includes(value);
}

/** NPD's custom-plugin exit codes: 0 OK, 1 NonOK, 2 Unknown. */
export function exitCodeOf(status: NpdStatus): 0 | 1 | 2 {
  return status === 'ok' ? 0 : status === 'problem' ? 1 : 2;
}

const MAX_NOTES = 4;
const MAX_NOTE_BYTES = 400;

/** An answer with its summary made one line of at most 200 bytes and its notes bounded. */
export function npdAnswer(status: NpdStatus, summary: string, notes: readonly string[] = []): NpdAnswer {
  return { status, summary: summaryLine(summary), notes: notes.slice(0, MAX_NOTES).map((n) => summaryLine(n, MAX_NOTE_BYTES)) };
}

/** Every condition Unknown for the same reason (the runtime did not answer, the inventory timed out). */
export function unknownAnswers(reason: string, notes: readonly string[] = []): NpdAnswers {
  const one = npdAnswer('unknown', `Unknown: ${reason}`, notes);
  return { CNICacheCorrupt: one, SandboxBacklog: one, OrphanContainers: one, StuckSandbox: one };
}
