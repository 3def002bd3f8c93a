import type { Inventory } from '../inventory/types';
import type { ShimDiscovery } from '../repair/stuckSandbox';
import { nodeKey } from './nodeRef';
import type { NodeRef } from './nodeRef';

/** One node's last inventory, when it was read, and why it no longer matches the node (a repair acted since). */
export interface StoredInventory {
  readonly ref: NodeRef;
  readonly inventory: Inventory;
  /** Epoch milliseconds of the read. */
  readonly readAt: number;
  /** Set when the node changed after the read (e.g. a repair ran): views say the data is stale and offer Refresh. */
  readonly staleReason?: string;
  /** The shims of the stuck sandboxes, found while the node was open (force-stop plans name their PIDs). */
  readonly shims?: ReadonlyMap<string, ShimDiscovery>;
}

export type InventoryChange =
  | { readonly kind: 'set'; readonly key: string; readonly entry: StoredInventory }
  | { readonly kind: 'stale'; readonly key: string; readonly entry: StoredInventory }
  | { readonly kind: 'delete'; readonly key: string; readonly ref: NodeRef };

export interface Subscription {
  dispose(): void;
}

/**
 * The one store of node inventories in a process: the inspection writes it, and the tree, the report and the repair
 * commands read it and subscribe to its change event instead of keeping copies.
 */
export class InventoryStore {
  private readonly entries = new Map<string, StoredInventory>();
  private readonly listeners = new Set<(change: InventoryChange) => void>();

  constructor(private readonly now: () => number = Date.now) {}

  get(ref: NodeRef): StoredInventory | undefined {
    return this.entries.get(nodeKey(ref));
  }

  all(): StoredInventory[] {
    return [...this.entries.values()];
  }

  set(ref: NodeRef, inventory: Inventory, shims?: ReadonlyMap<string, ShimDiscovery>): StoredInventory {
    const entry: StoredInventory = { ref, inventory, readAt: this.now(), ...(shims ? { shims } : {}) };
    const key = nodeKey(ref);
    this.entries.set(key, entry);
    this.emit({ kind: 'set', key, entry });
    return entry;
  }

  /** Marks a node's inventory as older than the node (kept, so views still show it, with the reason). */
  markStale(ref: NodeRef, reason: string): void {
    const key = nodeKey(ref);
    const current = this.entries.get(key);
    if (!current) return;
    const entry: StoredInventory = { ...current, staleReason: reason };
    this.entries.set(key, entry);
    this.emit({ kind: 'stale', key, entry });
  }

  delete(ref: NodeRef): void {
    const key = nodeKey(ref);
    if (this.entries.delete(key)) this.emit({ kind: 'delete', key, ref });
  }

  onDidChange(listener: (change: InventoryChange) => void): Subscription {
    this.listeners.add(listener);
    return { dispose: () => { this.listeners.delete(listener); } };
  }

  private emit(change: InventoryChange): void {
    for (const listener of [...this.listeners]) listener(change);
  }
}
