import type { IncompleteReason } from '../cri/listing';
import type { Inventory } from './types';

/** Why the inventory is not proven complete; empty when it is. */
export function incompleteReasons(inventory: Pick<Inventory, 'listStrategy'>): readonly IncompleteReason[] {
  const ls = inventory.listStrategy;
  if (ls.complete) return [];
  if (ls.reasons && ls.reasons.length > 0) return ls.reasons;
  return [{ code: 'part-too-large', message: ls.notes.length > 0 ? ls.notes.join('; ') : 'some part of the lists could not be fetched' }];
}

/**
 * `inventory incomplete: <reason>; <reason>` — the one line the CLI, the tree and the report show where the counts
 * are; undefined when the inventory is proven complete.
 */
export function incompleteText(inventory: Pick<Inventory, 'listStrategy'>): string | undefined {
  const reasons = incompleteReasons(inventory);
  if (reasons.length === 0) return undefined;
  return `inventory incomplete: ${reasons.map((r) => r.message).join('; ')}`;
}
