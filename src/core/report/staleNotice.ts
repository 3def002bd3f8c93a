import type { StoredInventory } from '../session/inventoryStore';

/** A clock time for notices, e.g. `14:05:09` (local time of the machine running VS Code). */
export function clockTime(epochMs: number): string {
  const d = new Date(epochMs);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/**
 * Why a report made from the read at `reportReadAt` no longer shows the node, or undefined while it still does:
 * the store's entry was marked stale (a repair or a restore ran since), the node was read again after the report, or
 * its inventory was dropped. The text ends with what Refresh does.
 */
export function staleNotice(reportReadAt: number, current: StoredInventory | undefined, time: (epochMs: number) => string = clockTime): string | undefined {
  if (!current) return 'This node\'s inventory was dropped after this report was made. Refresh reads the node again.';
  if (current.readAt > reportReadAt) {
    const why = current.staleReason ? ` and since then ${current.staleReason.replace(/ after this inventory was read$/, '')}` : '';
    return `The node was read again at ${time(current.readAt)}, after this report (read at ${time(reportReadAt)})${why}. Refresh shows the current state.`;
  }
  if (current.readAt === reportReadAt && current.staleReason) {
    return `Out of date: ${current.staleReason} (read at ${time(reportReadAt)}). Refresh reads the node again.`;
  }
  return undefined;
}
