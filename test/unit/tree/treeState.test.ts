import * as assert from 'node:assert/strict';
import type { ContextInfo } from '../../../src/core/cluster/kubeconfig';
import type { NodeSummary } from '../../../src/core/cluster/nodes';
import { NodeDoctorError } from '../../../src/core/errors';
import type { Inventory } from '../../../src/core/inventory/types';
import { InventoryStore } from '../../../src/core/session/inventoryStore';
import type { NodeRef } from '../../../src/core/session/nodeRef';
import type { TreeElement } from '../../../src/ui/tree/treeModel';
import { TreeState } from '../../../src/ui/tree/treeState';
import type { TreeDoctor, TreeMode } from '../../../src/ui/tree/treeState';
import { NOW, SEED, pileUpNode, seedNode } from './inventories';

const LOCAL: NodeRef = { kind: 'local', name: 'Local node' };
const W1: NodeRef = { kind: 'bridge', context: 'lab', node: 'w1' };

function summary(name: string, ready: boolean | undefined): NodeSummary {
  return { name, uid: name, ready, conditions: [], kubeletVersion: 'v1.31.4', containerRuntimeVersion: 'containerd://1.7.22', osImage: '', kernelVersion: '', taints: [], unschedulable: false };
}

interface Fake {
  doctor: TreeDoctor;
  store: InventoryStore;
  inspections: NodeRef[];
  /** What the next inspection returns or throws. */
  next: () => Promise<Inventory>;
}

function fakeDoctor(options: { local?: boolean; contexts?: ContextInfo[] | Error; nodes?: NodeSummary[] | Error; inventory: Inventory }): Fake {
  const store = new InventoryStore(() => NOW);
  const fake: Fake = {
    store, inspections: [], next: () => Promise.resolve(options.inventory),
    doctor: {
      store,
      contexts: () => (options.contexts instanceof Error ? Promise.reject(options.contexts) : Promise.resolve({ contexts: options.contexts ?? [], current: options.contexts instanceof Array ? options.contexts[0]?.name : undefined })),
      listNodes: () => (options.nodes instanceof Error ? Promise.reject(options.nodes) : Promise.resolve({ nodes: options.nodes ?? [], pages: 1 })),
      probeLocalNode: () => Promise.resolve(options.local ? 'unix:///run/containerd/containerd.sock' : undefined),
      localRef: () => LOCAL,
      inspect: async (ref) => {
        fake.inspections.push(ref);
        const inventory = await fake.next();
        store.set(ref, inventory);
        return inventory;
      },
    },
  };
  return fake;
}

const quiet = { info: (): void => undefined, warn: (): void => undefined, error: (): void => undefined };

function treeOf(fake: Fake, extra: { explicitKubeconfig?: boolean } = {}): { state: TreeState; fired: (TreeElement | undefined)[]; modes: TreeMode[] } {
  const state = new TreeState({ doctor: () => Promise.resolve(fake.doctor), log: quiet, pageSize: () => 200, explicitKubeconfig: () => extra.explicitKubeconfig ?? false, now: () => NOW });
  const fired: (TreeElement | undefined)[] = [];
  const modes: TreeMode[] = [];
  state.onDidChange((e) => fired.push(e));
  state.onDidChangeMode((m) => modes.push(m));
  return { state, fired, modes };
}

function one<K extends TreeElement['kind']>(elements: readonly TreeElement[], kind: K, predicate: (e: Extract<TreeElement, { kind: K }>) => boolean = () => true): Extract<TreeElement, { kind: K }> {
  const found = elements.find((e): e is Extract<TreeElement, { kind: K }> => e.kind === kind && predicate(e as Extract<TreeElement, { kind: K }>));
  assert.ok(found, `a ${kind} element`);
  return found;
}

const lab: ContextInfo = { name: 'lab', cluster: 'lab', user: 'admin', server: 'https://127.0.0.1:6443' };

describe('tree state: roots and clusters', () => {
  let inventory: Inventory;
  before(async () => {
    inventory = await seedNode();
  });

  it('lists the local node then the contexts, saying "loading" then "ready" for the welcome views', async () => {
    const { state, modes } = treeOf(fakeDoctor({ local: true, contexts: [lab], inventory }));
    const roots = await state.children();
    assert.deepEqual(roots.map((e) => e.kind), ['node', 'cluster']);
    assert.deepEqual(modes, ['loading', 'ready']);
  });

  it('leaves the tree empty for the welcome view when there is no kubeconfig and no local runtime', async () => {
    const { state, modes } = treeOf(fakeDoctor({ contexts: new NodeDoctorError('not-found', 'no kubeconfig'), inventory }));
    assert.deepEqual(await state.children(), []);
    assert.deepEqual(modes, ['loading', 'noKubeconfig']);
  });

  it('adds an "Add Kubeconfig…" row under the local node when no cluster is configured', async () => {
    const { state } = treeOf(fakeDoctor({ local: true, contexts: new NodeDoctorError('not-found', 'no kubeconfig'), inventory }));
    assert.deepEqual((await state.children()).map((e) => e.kind), ['node', 'addKubeconfig']);
  });

  it('shows a broken kubeconfig as an error row with Retry, Choose Kubeconfig File… and Open Settings rows under it', async () => {
    const { state } = treeOf(fakeDoctor({ contexts: new NodeDoctorError('bad-input', 'the kubeconfig is not YAML', { hint: 'Fix line 3.' }), inventory }), { explicitKubeconfig: true });
    const roots = await state.children();
    const message = one(roots, 'message');
    assert.deepEqual([message.severity, message.text, message.detail], ['error', 'the kubeconfig is not YAML', 'Fix line 3.']);
    const actions = await state.children(message);
    assert.deepEqual(actions.map((a) => (a.kind === 'action' ? [a.action.title, a.action.command] : [])), [
      ['Retry', 'kubeNodeDoctor.refreshAll'], ['Choose Kubeconfig File…', 'kubeNodeDoctor.chooseKubeconfig'], ['Open Settings', 'workbench.action.openSettings'],
    ]);
    assert.equal(state.parent(actions[0]), message, 'an action row knows its message');
  });

  it('lists a context\'s nodes NotReady first; a listing failure is an error row with Retry', async () => {
    const { state } = treeOf(fakeDoctor({ contexts: [lab], nodes: [summary('w2', true), summary('w1', false)], inventory }));
    const [cluster] = await state.children();
    const nodes = await state.children(cluster);
    assert.deepEqual(nodes.map((n) => (n.kind === 'node' ? n.ref : undefined)), [{ kind: 'bridge', context: 'lab', node: 'w1' }, { kind: 'bridge', context: 'lab', node: 'w2' }]);
    assert.equal(state.parent(nodes[0]), cluster);

    const failing = treeOf(fakeDoctor({ contexts: [lab], nodes: new NodeDoctorError('forbidden', 'nodes is forbidden'), inventory })).state;
    const [c] = await failing.children();
    const [error] = await failing.children(c);
    assert.ok(error.kind === 'message' && error.severity === 'error' && error.actions?.[0].title === 'Retry');
  });
});

describe('tree state: inventories from the store', () => {
  let inventory: Inventory;
  before(async () => {
    inventory = await seedNode();
  });

  async function clusterNode(fake: Fake): Promise<{ state: TreeState; fired: (TreeElement | undefined)[]; cluster: TreeElement; node: Extract<TreeElement, { kind: 'node' }> }> {
    const tree = treeOf(fake);
    const [cluster] = await tree.state.children();
    const node = one(await tree.state.children(cluster), 'node');
    return { ...tree, cluster, node };
  }

  it('offers "Inspect node" under a node never read, then its four groups once it is read, from the store', async () => {
    const fake = fakeDoctor({ contexts: [lab], nodes: [summary('w1', true)], inventory });
    const { state, node } = await clusterNode(fake);
    assert.deepEqual((await state.children(node)).map((e) => e.kind), ['inspect']);
    await state.inspect(W1, false);
    assert.deepEqual(fake.inspections, [W1]);
    assert.equal(fake.store.get(W1)?.inventory, inventory, 'the inventory lives in the store');
    const groups = await state.children(node);
    assert.deepEqual(groups.map((g) => (g.kind === 'group' ? g.group : g.kind)), ['findings', 'sandboxes', 'containers', 'cniCache']);
    assert.equal(state.nodeView(W1).readAt, NOW);
  });

  it('redraws a node when anyone else writes its inventory to the store (the report, a repair\'s re-read), without reading it itself', async () => {
    const fake = fakeDoctor({ contexts: [lab], nodes: [summary('w1', true)], inventory });
    const { state, fired, node } = await clusterNode(fake);
    await state.children(node);
    fired.length = 0;
    fake.store.set(W1, inventory);
    assert.deepEqual(fired, [node], 'the node element handed out is the one redrawn');
    assert.equal((await state.children(node)).length, 4);
    assert.deepEqual(fake.inspections, []);
    const next = { ...inventory, findings: inventory.findings.slice(0, 1) };
    fake.store.set(W1, next);
    const findings = one(await state.children(node), 'group', (g) => g.group === 'findings');
    assert.equal((await state.children(findings)).length, 1, 'the new inventory, not a copy of the old one');
  });

  it('marks a node stale when a repair changes it, and re-reads it once when it is expanded, not in a loop when the read fails', async () => {
    const fake = fakeDoctor({ contexts: [lab], nodes: [summary('w1', true)], inventory });
    const { state, fired, node } = await clusterNode(fake);
    await state.inspect(W1, false);
    fired.length = 0;
    fake.store.markStale(W1, 'a repair ran on the node after this inventory was read');
    assert.deepEqual(fired, [node]);
    assert.equal(state.nodeView(W1).staleReason, 'a repair ran on the node after this inventory was read');
    fake.next = () => Promise.reject(new NodeDoctorError('unreachable', 'the API server did not answer'));
    await state.children(node);
    await state.inspect(W1, false); // joins the re-read the expansion started
    assert.deepEqual(fake.inspections, [W1, W1]);
    const after = await state.children(node);
    assert.equal(fake.inspections.length, 2, 'no second re-read of the same stale inventory');
    const error = one(after, 'message');
    assert.deepEqual(error.actions?.map((a) => a.title), ['Retry', 'Open Settings', 'Show Log']);
    assert.deepEqual(error.actions?.[1].arguments, ['kubeNodeDoctor.bridge']);
    assert.equal(after.filter((e) => e.kind === 'group').length, 4, 'the stale inventory is still shown under the failure');
  });

  it('knows every element\'s parent, also for a sandbox revealed before its group was ever expanded', async () => {
    const fake = fakeDoctor({ contexts: [lab], nodes: [summary('w1', true)], inventory });
    const { state, cluster, node } = await clusterNode(fake);
    const located = await state.locateSandbox(W1, SEED.stuck.slice(0, 12));
    assert.ok(located && located.kind === 'sandbox' && located.sandbox.id === SEED.stuck);
    const group = state.parent(located);
    assert.ok(group && group.kind === 'group' && group.group === 'sandboxes');
    assert.equal(state.parent(group), node);
    assert.equal(state.parent(node), cluster);
    assert.equal(state.parent(cluster), undefined);
    // Once drawn, the parent is the very object handed out.
    const groups = await state.children(node);
    const sandboxes = one(groups, 'group', (g) => g.group === 'sandboxes');
    const [first] = await state.children(sandboxes);
    assert.equal(state.parent(first), sandboxes);
  });

  it('lists nodes read through another path among the known nodes (Find on Node)', async () => {
    const fake = fakeDoctor({ contexts: [lab], nodes: [summary('w1', true)], inventory });
    const { state } = await clusterNode(fake);
    const other: NodeRef = { kind: 'bridge', context: 'prod', node: 'p7' };
    fake.store.set(other, inventory);
    assert.deepEqual(state.knownNodes(), [W1, other]);
  });

  it('grows a group a page at a time with Show more', async () => {
    const fake = fakeDoctor({ contexts: [lab], nodes: [summary('w1', true)], inventory: await pileUpNode(450) });
    const { state, fired, node } = await clusterNode(fake);
    await state.inspect(W1, false);
    const sandboxes = one(await state.children(node), 'group', (g) => g.group === 'sandboxes');
    const page1 = await state.children(sandboxes);
    const more = one(page1, 'more');
    assert.equal(page1.length, 201);
    fired.length = 0;
    state.loadMore(more);
    assert.deepEqual(fired, [sandboxes]);
    assert.equal((await state.children(sandboxes)).length, 401);
    assert.equal(state.parent(more), sandboxes);
  });
});
