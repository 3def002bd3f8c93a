import * as assert from 'node:assert/strict';
import type { NodeSummary } from '../../../src/core/cluster/nodes';
import type { Inventory } from '../../../src/core/inventory/types';
import type { NodeRef } from '../../../src/core/session/nodeRef';
import { nodeKey } from '../../../src/core/session/nodeRef';
import {
  buildNodeContent, clusterElement, groupChildren, groupElement, inspectElement, messageElement, nodeElement, nodeGroups,
} from '../../../src/ui/tree/treeContent';
import type { NodeContent } from '../../../src/ui/tree/treeContent';
import { findingObject, md, present } from '../../../src/ui/tree/treeLabels';
import type { NodeView, PresentationContext } from '../../../src/ui/tree/treeLabels';
import type { TreeElement } from '../../../src/ui/tree/treeModel';
import { NOW, SEED, pileUpNode, seedNode } from './inventories';

const ref: NodeRef = { kind: 'bridge', context: 'talos-home', node: 'talos-192-168-1-15' };
const localRef: NodeRef = { kind: 'local', name: 'Local node' };
const PAGE = 200;

const summary: NodeSummary = {
  name: 'talos-192-168-1-15', uid: 'c0ffee00-0000-4000-8000-000000000015', ready: false,
  conditions: [
    { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
    { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'PLEG is not healthy: pleg was last seen active 3m0s ago; threshold is 3m0s' },
  ],
  kubeletVersion: 'v1.31.4', containerRuntimeVersion: 'containerd://1.7.22', osImage: 'Talos (v1.8.3)', kernelVersion: '6.6.58-talos',
  taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }], unschedulable: false, internalIp: '192.168.1.15', roles: ['worker'],
};

function context(views: Map<string, NodeView>): PresentationContext {
  return {
    nowMs: NOW,
    pageSize: PAGE,
    nodeView: (r) => views.get(nodeKey(r)),
    nodeElement: (r) => nodeElement(r, r.kind === 'bridge' ? summary : undefined),
  };
}

function inspected(content: NodeContent, extra: Partial<NodeView> = {}): Map<string, NodeView> {
  return new Map([[nodeKey(content.ref), { content, inspecting: false, stale: false, ...extra }]]);
}

function itemOf(elements: readonly TreeElement[], predicate: (e: TreeElement) => boolean): TreeElement {
  const found = elements.find(predicate);
  assert.ok(found, 'element present');
  return found;
}

describe('tree items of a cluster node', () => {
  let seed: Inventory;
  before(async () => {
    seed = await seedNode();
  });

  it('describes a node not inspected yet by roles, kubelet and runtime, with a NotReady icon and the `node` context value', () => {
    const item = present(nodeElement(ref, summary), context(new Map()));
    assert.equal(item.label, 'talos-192-168-1-15');
    assert.equal(item.description, 'worker · kubelet v1.31.4 · containerd://1.7.22');
    assert.equal(item.contextValue, 'node');
    assert.deepEqual(item.icon, { id: 'vm-outline', color: 'charts.red' });
    assert.equal(item.collapsible, 'collapsed');
  });

  it('starts an inspected node\'s description with its number of findings and marks it for the repair menus', () => {
    const content = buildNodeContent(ref, seed);
    const item = present(nodeElement(ref, summary), context(inspected(content)));
    assert.equal(item.description, '4 findings · worker · kubelet v1.31.4 · containerd://1.7.22');
    assert.equal(item.contextValue, 'node.inspected.findings');
    const healthy = buildNodeContent(ref, { ...seed, findings: [] });
    const clean = present(nodeElement(ref, summary), context(inspected(healthy)));
    assert.equal(clean.contextValue, 'node.inspected');
    assert.match(clean.description ?? '', /^no findings · /);
    const stale = present(nodeElement(ref, summary), context(inspected(content, { stale: true })));
    assert.match(stale.description ?? '', /^4 findings \(stale\) · /);
  });

  it('puts OS image, kernel, taints and conditions in the node tooltip', () => {
    const tooltip = present(nodeElement(ref, summary), context(new Map())).tooltip ?? '';
    for (const text of ['Talos \\(v1\\.8\\.3\\)', '6\\.6\\.58\\-talos', '`node.kubernetes.io/not-ready:NoSchedule`', '| Ready | False | KubeletNotReady |', 'PLEG is not healthy']) {
      assert.ok(tooltip.includes(text), `tooltip has ${text}:\n${tooltip}`);
    }
  });

  it('shows a spinning icon and "inspecting…" while the node is read, and the failure after a failed read', () => {
    const running = present(nodeElement(ref, summary), context(new Map([[nodeKey(ref), { inspecting: true, stale: false, progress: 'reading CNI cache files' }]])));
    assert.deepEqual(running.icon, { id: 'loading~spin' });
    assert.match(running.description ?? '', /^inspecting… · /);
    const failed = present(nodeElement(ref, summary), context(new Map([[nodeKey(ref), { inspecting: false, stale: false, error: { message: 'bridge pod was rejected', hint: 'Use the host-pid profile.' } }]])));
    assert.match(failed.description ?? '', /^inspection failed · /);
    assert.equal(failed.contextValue, 'node');
    assert.ok(failed.tooltip?.includes('bridge pod was rejected'));
  });

  it('describes the local node by its runtime endpoint until it is read', () => {
    const views = new Map<string, NodeView>([[nodeKey(localRef), { inspecting: false, stale: false, endpoint: 'unix:///run/containerd/containerd.sock' }]]);
    const item = present(nodeElement(localRef), context(views));
    assert.equal(item.label, 'Local node');
    assert.equal(item.description, 'unix:///run/containerd/containerd.sock');
    const content = buildNodeContent(localRef, seed);
    const after = present(nodeElement(localRef), context(new Map([[nodeKey(localRef), { content, inspecting: false, stale: false }]])));
    assert.equal(after.description, '4 findings · containerd v1.7.22');
  });

  it('offers "Inspect node" under a node never read, running the inspect command with the node element', () => {
    const item = present(inspectElement(ref), context(new Map()));
    assert.equal(item.label, 'Inspect node');
    assert.equal(item.command?.command, 'kubeNodeDoctor.inspectNode');
    const [arg] = item.command?.arguments ?? [];
    assert.deepEqual(arg, nodeElement(ref, summary));
    const running = present(inspectElement(ref), context(new Map([[nodeKey(ref), { inspecting: true, stale: false, progress: 'listing pod sandboxes' }]])));
    assert.deepEqual([running.label, running.description, running.command], ['Inspecting…', 'listing pod sandboxes', undefined]);
  });

  it('describes clusters by server, expanding the current context', () => {
    const current = present(clusterElement({ name: 'admin@talos-home', cluster: 'talos-home', user: 'admin@talos-home', server: 'https://192.168.1.10:6443' }, true), context(new Map()));
    assert.deepEqual([current.label, current.description, current.contextValue, current.collapsible], ['admin@talos-home', 'https://192.168.1.10:6443', 'cluster', 'expanded']);
    const other = present(clusterElement({ name: 'kind-dev', cluster: 'kind-dev', user: 'kind-dev' }, false), context(new Map()));
    assert.equal(other.collapsible, 'collapsed');
  });
});

describe('tree items under an inspected node', () => {
  let seed: Inventory;
  let content: NodeContent;
  let ctx: PresentationContext;
  let all: TreeElement[];
  before(async () => {
    seed = await seedNode();
    content = buildNodeContent(ref, seed);
    ctx = context(inspected(content));
    const groups = nodeGroups(content);
    const subgroups = groupChildren(content, groupElement(ref, 'containers'), undefined, PAGE);
    all = [...groups, ...subgroups, ...[...groups, ...subgroups].flatMap((g) => (g.kind === 'group' ? groupChildren(content, g, undefined, PAGE) : []))];
  });

  it('gives groups the context values the menus match on, and counts in their descriptions', () => {
    const byId = (id: string): ReturnType<typeof present> => present(itemOf(all, (e) => e.id === `${nodeKey(ref)}#group:${id}`), ctx);
    assert.deepEqual(
      ['findings', 'sandboxes', 'containers', 'cniCache', 'containers.orphans', 'containers.exited', 'containers.running', 'containers.other'].map((id) => byId(id).contextValue),
      ['group.findings', 'group.sandboxes.prunable', 'group.containers', 'group.cniCache', 'group.containers.orphans', 'group.containers.prunable', 'group.containers.running', 'group.containers.other'],
    );
    assert.equal(byId('findings').description, '4 · 2 errors · 1 warning · 1 info');
    assert.equal(byId('findings').collapsible, 'expanded');
    assert.equal(byId('sandboxes').description, '4 · 2 NotReady · 1 blocked by a bad cache file');
    assert.equal(byId('containers').description, '5 · 1 orphaned · 1 exited');
    assert.equal(byId('cniCache').description, '5 · 2 empty · 1 orphaned');
  });

  it('labels a finding by its title, describes it by its object with IDs shortened, and marks repairable ones', () => {
    const findings = all.filter((e): e is Extract<TreeElement, { kind: 'finding' }> => e.kind === 'finding');
    const items = findings.map((f) => present(f, ctx));
    assert.equal(items[0].label, findings[0].finding.title);
    assert.equal(items[0].description, `cbr0-${SEED.stuck.slice(0, 12)}…-eth0`);
    assert.deepEqual(items.map((i) => i.contextValue), ['finding.repairable', 'finding.repairable', 'finding.repairable', 'finding']);
    const nothingToDo = present(findings[0], { ...ctx, hasRepairSteps: (_ref, id) => id !== findings[0].finding.id });
    assert.equal(nothingToDo.contextValue, 'finding', 'no Repair entry for a finding whose plan has no step');
    assert.deepEqual(items.map((i) => i.icon?.id), ['error', 'error', 'warning', 'info']);
    assert.ok(items[0].tooltip?.includes(`\`${SEED.stuck}\``), 'the tooltip carries the full sandbox ID');
    assert.equal(findingObject({ ...findings[0].finding, id: 'dead-objects-piling-up:prod/web', category: 'dead-objects-piling-up' }), 'prod/web');
  });

  it('labels a sandbox namespace/name and describes it as state · age · short id, flagging the one a bad cache file blocks', () => {
    const stuck = present(itemOf(all, (e) => e.kind === 'sandbox' && e.sandbox.id === SEED.stuck), ctx);
    assert.deepEqual([stuck.label, stuck.description, stuck.contextValue], ['prod/web-6c9b8', `NotReady · 40d · ${SEED.stuck.slice(0, 12)}`, 'sandbox.notReady.badCache']);
    assert.ok(stuck.tooltip?.includes(`\`${SEED.stuck}\``));
    const ready = present(itemOf(all, (e) => e.kind === 'sandbox' && e.sandbox.id === SEED.coredns), ctx);
    assert.deepEqual([ready.description, ready.contextValue], [`Ready · 2h · ${SEED.coredns.slice(0, 12)}`, 'sandbox.ready']);
    const harmless = present(itemOf(all, (e) => e.kind === 'sandbox' && e.sandbox.id === SEED.loopbackOnly), ctx);
    assert.equal(harmless.contextValue, 'sandbox.notReady');
  });

  it('describes containers by state (with exit code), age and short id; an orphan names its missing sandbox', () => {
    const orphan = present(itemOf(all, (e) => e.kind === 'container' && e.container.id === SEED.orphan), ctx);
    assert.deepEqual([orphan.label, orphan.contextValue], ['job', 'container.orphaned']);
    assert.equal(orphan.description, `Exited (0) · 9d · ${SEED.orphan.slice(0, 12)} · sandbox ${SEED.gone.slice(0, 12)} missing`);
    const exited = present(itemOf(all, (e) => e.kind === 'container' && e.container.id === SEED.webExited), ctx);
    assert.deepEqual([exited.description, exited.contextValue], [`Exited (137) · 3d · ${SEED.webExited.slice(0, 12)}`, 'container.exited']);
    const running = present(itemOf(all, (e) => e.kind === 'container' && e.container.id === SEED.corednsRunning), ctx);
    assert.equal(running.contextValue, 'container.running');
    const created = present(itemOf(all, (e) => e.kind === 'container' && e.container.id === SEED.created), ctx);
    assert.equal(created.contextValue, 'container.created');
  });

  it('labels CNI cache files by name with size and status, and keeps path and sandbox ID in the tooltip', () => {
    const empty = present(itemOf(all, (e) => e.kind === 'cniCache' && e.entry.sandboxId === SEED.stuck), ctx);
    assert.deepEqual([empty.label, empty.description, empty.contextValue], [`cbr0-${SEED.stuck}-eth0`, '0 B · empty', 'cniCache.empty']);
    assert.ok(empty.tooltip?.includes(`\`/var/lib/cni/results/cbr0-${SEED.stuck}-eth0\``));
    const leaked = present(itemOf(all, (e) => e.kind === 'cniCache' && e.entry.sandboxId === SEED.gone), ctx);
    assert.equal(leaked.contextValue, 'cniCache.orphaned');
    assert.match(leaked.description ?? '', / KiB · orphaned$/);
    const valid = present(itemOf(all, (e) => e.kind === 'cniCache' && e.entry.sandboxId === SEED.web), ctx);
    assert.equal(valid.contextValue, 'cniCache.valid');
  });

  it('calls a truncated cache file corrupt and says how', async () => {
    const pile = buildNodeContent(ref, await pileUpNode(500));
    const [first] = groupChildren(pile, groupElement(ref, 'cniCache'), undefined, PAGE);
    const item = present(first, context(inspected(pile)));
    assert.equal(item.contextValue, 'cniCache.corrupt');
    assert.match(item.description ?? '', / · corrupt \(truncated\)$/);
  });

  it('labels "Show more" with the next page and what is left, and runs loadMore with the element', async () => {
    const pile = buildNodeContent(ref, await pileUpNode(4800 + 200));
    const children = groupChildren(pile, groupElement(ref, 'sandboxes'), undefined, PAGE);
    const more = children[children.length - 1];
    const item = present(more, context(inspected(pile)));
    assert.deepEqual([item.label, item.description, item.contextValue], ['Show 200 more of 4,800', '200 of 5,000 shown', 'more']);
    assert.equal(item.command?.command, 'kubeNodeDoctor.loadMore');
    assert.equal(item.command?.arguments?.[0], more);
  });

  it('shows a failure as an error message item carrying its next step and a Retry command', () => {
    const message = messageElement('node:x', 'inspect-error', 'error', 'talos-192-168-1-15: bridge pod was rejected by Pod Security', 'Use the host-pid profile.', {
      command: 'kubeNodeDoctor.inspectNode', title: 'Retry', arguments: [nodeElement(ref, summary)],
    });
    const item = present(message, ctx);
    assert.deepEqual([item.label, item.description, item.contextValue, item.icon?.id, item.command?.title], [
      'talos-192-168-1-15: bridge pod was rejected by Pod Security', 'Use the host-pid profile.', 'message.error', 'error', 'Retry',
    ]);
  });

  it('escapes Markdown in names and messages', () => {
    assert.equal(md('my_pod*[x](y)'), 'my\\_pod\\*\\[x\\]\\(y\\)');
    assert.equal(md('$(trash)'), '$\\(trash\\)');
  });
});
