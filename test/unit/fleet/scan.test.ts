import * as assert from 'node:assert/strict';
import { NodeDoctorError } from '../../../src/core/errors';
import type { Finding, Inventory } from '../../../src/core/inventory/types';
import { scanNodes } from '../../../src/core/fleet/scan';
import type { FleetInspector, PodsLeft } from '../../../src/core/fleet/scan';

function inventoryWith(node: string, categories: Finding['category'][]): Inventory {
  return {
    node, findings: categories.map((category, i) => ({ id: `${category}:${node}-${i}`, category, rule: 'test', severity: 'error', title: category, detail: '' })),
    listStrategy: { complete: true, notes: [] },
  } as unknown as Inventory;
}

/** A fake cluster: each node's inspection takes `delayMs`, some fail; counts the pods held at once and those left. */
class FakeFleet implements FleetInspector {
  inflight = 0;
  maxInflight = 0;
  pods = new Set<string>();
  released = 0;
  constructor(private readonly failing: ReadonlySet<string> = new Set(), private readonly delayMs = 5, private readonly releaseResult?: () => Promise<PodsLeft>) {}

  async inspect(node: string, signal: AbortSignal): Promise<Inventory> {
    this.inflight += 1;
    this.maxInflight = Math.max(this.maxInflight, this.inflight);
    this.pods.add(node);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, this.delayMs);
        signal.addEventListener('abort', () => { clearTimeout(timer); reject(new NodeDoctorError('cancelled', 'Cancelled.')); }, { once: true });
      });
      if (this.failing.has(node)) throw new NodeDoctorError('unreachable', `${node}: cannot reach the container runtime at unix:///run/containerd/containerd.sock`);
      return inventoryWith(node, node.endsWith('3') ? ['cni-cache-corrupt', 'cni-cache-corrupt', 'dead-objects-piling-up'] : []);
    } finally {
      this.inflight -= 1;
    }
  }

  async release(): Promise<PodsLeft> {
    this.released += 1;
    if (this.releaseResult) return this.releaseResult();
    this.pods.clear();
    return { count: this.pods.size, pods: [] };
  }
}

const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `node-${String(i).padStart(4, '0')}`);

describe('cluster scan', () => {
  it('never runs more inspections at once than the concurrency, keeps per-node errors, and releases the pods once', async () => {
    const fleet = new FakeFleet(new Set(['node-0005', 'node-0017']));
    const seen: number[] = [];
    const outcome = await scanNodes(names(40), fleet, { concurrency: 8, onProgress: (p) => seen.push(p.done) });
    assert.equal(fleet.maxInflight, 8);
    assert.deepEqual(seen, Array.from({ length: 40 }, (_, i) => i + 1));
    assert.deepEqual(outcome.results.map((r) => r.node), names(40), 'results in the order of the nodes given');
    const failed = outcome.results.filter((r) => r.status === 'failed');
    assert.deepEqual(failed.map((r) => [r.node, r.status === 'failed' && r.reason]), [['node-0005', 'unreachable'], ['node-0017', 'unreachable']]);
    assert.match(failed[0].status === 'failed' ? failed[0].error : '', /cannot reach the container runtime/);
    const n3 = outcome.results.find((r) => r.node === 'node-0003');
    assert.equal(n3?.status === 'inspected' && n3.findings.length, 3);
    assert.equal(fleet.released, 1);
    assert.deepEqual(outcome.podsLeft, { count: 0, pods: [] });
    assert.equal(outcome.cancelled, false);
  });

  it('uses the concurrency given (2), and at least one', async () => {
    const two = new FakeFleet();
    await scanNodes(names(9), two, { concurrency: 2 });
    assert.equal(two.maxInflight, 2);
    const zero = new FakeFleet();
    await scanNodes(names(3), zero, { concurrency: 0 });
    assert.equal(zero.maxInflight, 1);
  });

  it('on cancel: aborts the running inspections, starts no more, marks the rest cancelled, and still releases every pod', async () => {
    const fleet = new FakeFleet(new Set(), 50);
    const controller = new AbortController();
    const outcome = await scanNodes(names(100), fleet, {
      concurrency: 4, signal: controller.signal, onProgress: (p) => { if (p.done === 6) controller.abort(); },
    });
    assert.equal(outcome.cancelled, true);
    const inspected = outcome.results.filter((r) => r.status === 'inspected').length;
    assert.ok(inspected >= 6 && inspected <= 8, `finished before the cancel: ${inspected}`);
    assert.equal(outcome.results.filter((r) => r.status === 'cancelled').length, 100 - inspected);
    assert.equal(outcome.results.filter((r) => r.status === 'failed').length, 0, 'an aborted inspection is cancelled, not failed');
    assert.equal(fleet.released, 1);
    assert.equal(fleet.pods.size, 0);
  });

  it('says the pods left are unknown, with why, when the cleanup itself fails', async () => {
    const fleet = new FakeFleet(new Set(), 1, () => Promise.reject(new NodeDoctorError('unreachable', 'Cannot reach the API server of context "c" (ECONNREFUSED).')));
    const outcome = await scanNodes(names(3), fleet);
    assert.equal(outcome.podsLeft.count, undefined);
    assert.match(outcome.podsLeft.detail ?? '', /the cleanup failed: Cannot reach the API server/);
  });
});
