import { NodeDoctorError } from '../errors';
import { mapLimit } from '../model/concurrency';
import { plural } from '../model/plural';
import { isNotFound, isSendLimitError } from './criError';
import type { IncompleteReason } from './listing';

/* IDs found on disk but in no list answer, looked up one by one: the lookups, and what they add to a listing's proof. */

const LOOKUP_CONCURRENCY = 16;

/** What looking IDs up one by one found. */
export interface LookupOutcome<T> {
  readonly found: T[];
  readonly gone: string[];
  readonly tooLarge: string[];
  readonly failed: { id: string; error: string }[];
}

/** Looks IDs up one by one (bounded parallel); NOT_FOUND means the runtime does not know the ID. */
export async function lookUp<T>(ids: readonly string[], get: (id: string) => Promise<T>, signal?: AbortSignal): Promise<LookupOutcome<T>> {
  const out: LookupOutcome<T> = { found: [], gone: [], tooLarge: [], failed: [] };
  await mapLimit(ids, LOOKUP_CONCURRENCY, async (id) => {
    try {
      out.found.push(await get(id));
    } catch (error) {
      if (error instanceof NodeDoctorError && error.reason === 'cancelled') throw error;
      if (isNotFound(error)) out.gone.push(id);
      else if (isSendLimitError(error)) out.tooLarge.push(id);
      else out.failed.push({ id, error: error instanceof Error ? error.message : String(error) });
    }
  }, signal);
  return out;
}

/** Lookup outcomes as reasons and notes. */
export function account<T>(kind: 'sandbox' | 'container', outcome: LookupOutcome<T>, reasons: IncompleteReason[], notes: string[]): void {
  if (outcome.found.length + outcome.gone.length + outcome.tooLarge.length + outcome.failed.length === 0) return;
  notes.push(`looked up ${outcome.found.length + outcome.gone.length + outcome.tooLarge.length + outcome.failed.length} ${kind} IDs found on disk but in no list answer, one by one: ${outcome.found.length} found${outcome.gone.length ? `, ${outcome.gone.length} unknown to the runtime (leftover directories)` : ''}`);
  if (outcome.tooLarge.length > 0) {
    reasons.push({ code: 'part-too-large', count: outcome.tooLarge.length, message: `${plural(outcome.tooLarge.length, kind, kind === 'sandbox' ? 'sandboxes' : 'containers')} too large for the runtime to send even on its own (${outcome.tooLarge.slice(0, 3).map((id) => id.slice(0, 13)).join(', ')}${outcome.tooLarge.length > 3 ? ', …' : ''})` });
  }
  if (outcome.failed.length > 0) {
    reasons.push({ code: 'lookup-failed', count: outcome.failed.length, message: `${outcome.failed.length} ${kind} lookup${outcome.failed.length === 1 ? '' : 's'} failed (first: ${outcome.failed[0].error})` });
  }
}

export function boundReason(kind: 'sandbox' | 'container', missing: number, bound: number): IncompleteReason {
  return {
    code: 'lookup-bound', count: missing - bound,
    message: `${missing} ${kind} IDs found on disk were in no list answer; ${bound} were looked up one by one (the bound), ${missing - bound} were not`,
  };
}
