import * as assert from 'node:assert/strict';
import { InventoryStore } from '../../../src/core/session/inventoryStore';
import type { InventoryChange } from '../../../src/core/session/inventoryStore';
import type { Inventory } from '../../../src/core/inventory/types';
import type { NodeRef } from '../../../src/core/session/nodeRef';

const worker: NodeRef = { kind: 'bridge', context: 'lab', node: 'worker-1' };
const inventory = { findings: [], sandboxes: [], containers: [], cniCache: [] } as unknown as Inventory;

describe('InventoryStore', () => {
  it('keeps one entry per node with its read time, and tells subscribers of each set', () => {
    let clock = 1_000;
    const store = new InventoryStore(() => clock);
    const changes: InventoryChange[] = [];
    store.onDidChange((c) => changes.push(c));
    store.set(worker, inventory);
    clock = 2_000;
    store.set(worker, inventory);
    assert.equal(store.all().length, 1);
    assert.equal(store.get(worker)?.readAt, 2_000);
    assert.deepEqual(changes.map((c) => c.kind), ['set', 'set']);
  });

  it('marks an entry stale with the reason and keeps the inventory, and ignores nodes never read', () => {
    const store = new InventoryStore();
    const changes: InventoryChange[] = [];
    store.onDidChange((c) => changes.push(c));
    store.markStale(worker, 'a repair ran');
    assert.equal(changes.length, 0);
    store.set(worker, inventory);
    store.markStale(worker, 'a repair ran');
    assert.equal(store.get(worker)?.staleReason, 'a repair ran');
    assert.equal(store.get(worker)?.inventory, inventory);
    store.set(worker, inventory);
    assert.equal(store.get(worker)?.staleReason, undefined, 'a new read is fresh again');
  });

  it('stops telling a subscriber once it is disposed, and reports deletes', () => {
    const store = new InventoryStore();
    const kinds: string[] = [];
    const sub = store.onDidChange((c) => kinds.push(c.kind));
    store.set(worker, inventory);
    store.delete(worker);
    store.delete(worker);
    sub.dispose();
    store.set(worker, inventory);
    assert.deepEqual(kinds, ['set', 'delete']);
    assert.equal(store.get(worker)?.inventory, inventory);
  });
});
