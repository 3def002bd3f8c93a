import * as assert from 'node:assert/strict';
import type { NodeSummary } from '../../../src/core/cluster/nodes';
import type { Inventory } from '../../../src/core/inventory/types';
import type { NodeRef } from '../../../src/core/session/nodeRef';
import { nodeKey } from '../../../src/core/session/nodeRef';
import { md } from '../../../src/ui/tree/presenters/format';
import { findingObject } from '../../../src/ui/tree/presenters/findingPresenter';
import {
  actionElements, addKubeconfigElement, buildNodeContent, clusterElement, groupChildren, groupElement, inspectElement, messageElement, nodeElement, nodeGroups,
} from '../../../src/ui/tree/treeContent';
import type { NodeContent } from '../../../src/ui/tree/treeContent';
import { dryRunTitle, present } from '../../../src/ui/tree/treeLabels';
import type { ItemSpec, NodeView, PresentationContext } from '../../../src/ui/tree/treeLabels';
import type { TreeElement } from '../../../src/ui/tree/treeModel';
import { NOW, SEED, pileUpNode, seedNode } from './inventories';

const ref: NodeRef = { kind: 'bridge', context: 'talos-home', node: 'talos-192-168-1-15' };
const localRef: NodeRef = { kind: 'local', name: 'Local node' };
const PAGE = 200;
const MIN = 60_000;
const short = (id: string): string => id.slice(0, 12);

const summary: NodeSummary = {
  name: 'talos-192-168-1-15', uid: 'c0ffee00-0000-4000-8000-000000000015', ready: false,
  conditions: [
    { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
    { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'PLEG is not healthy: pleg was last seen active 3m0s ago; threshold is 3m0s' },
  ],
  kubeletVersion: 'v1.31.4', containerRuntimeVersion: 'containerd://1.7.22', osImage: 'Talos (v1.8.3)', kernelVersion: '6.6.58-talos',
  taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }], unschedulable: false, internalIp: '192.168.1.15', roles: ['worker'],
};

function context(views: Map<string, NodeView>, extra: Partial<PresentationContext> = {}): PresentationContext {
  return {
    nowMs: NOW, pageSize: PAGE, nodeView: (r) => views.get(nodeKey(r)), nodeElement: (r) => nodeElement(r, r.kind === 'bridge' ? summary : undefined), ...extra,
  };
}

function inspected(content: NodeContent, extra: Partial<NodeView> = {}): Map<string, NodeView> {
  return new Map([[nodeKey(content.ref), { content, inspecting: false, readAt: NOW - 3 * MIN, ...extra }]]);
}

function itemOf(elements: readonly TreeElement[], predicate: (e: TreeElement) => boolean): TreeElement {
  const found = elements.find(predicate);
  assert.ok(found, 'element present');
  return found;
}

/**
 * What the default side bar shows of a row four levels deep (cluster › node › Findings › finding): about 300 px, minus
 * 4 × 8 px of indent, the twistie and the icon, at about 7 px a character in the workbench font.
 */
const VISIBLE_CHARS = Math.floor((300 - 4 * 8 - 16 - 20) / 7);
const visible = (item: ItemSpec): string => `${item.label} ${item.description ?? ''}`.slice(0, VISIBLE_CHARS);

describe('node and cluster presenters', () => {
  let seed: Inventory;
  before(async () => {
    seed = await seedNode();
  });

  it('labels a node by its name and describes a node never read as "not inspected", NotReady first, with the `node` context value', () => {
    const item = present(nodeElement(ref, summary), context(new Map()));
    assert.deepEqual([item.label, item.description, item.contextValue, item.collapsible], ['talos-192-168-1-15', 'NotReady · not inspected', 'node', 'collapsed']);
    assert.deepEqual(item.icon, { id: 'vm-outline', color: 'charts.red' });
    assert.equal(item.accessibilityLabel, 'Node talos-192-168-1-15, NotReady · not inspected');
  });

  it('describes an inspected node by its findings (1 finding / 2 findings) and when it was read, the absolute time in the tooltip', () => {
    const content = buildNodeContent(ref, seed);
    const item = present(nodeElement(ref, summary), context(inspected(content)));
    assert.equal(item.description, 'NotReady · 4 findings · 3 min ago');
    assert.equal(item.contextValue, 'node.inspected.findings');
    assert.match(item.tooltip ?? '', /\*\*Inspected:\*\* 3 min ago \(2026-11-23 09:57:00 UTC\)/);
    const one = present(nodeElement(ref, summary), context(inspected(buildNodeContent(ref, { ...seed, findings: seed.findings.slice(0, 1) }))));
    assert.match(one.description ?? '', /· 1 finding ·/);
    const clean = present(nodeElement(ref, summary), context(inspected(buildNodeContent(ref, { ...seed, findings: [] }))));
    assert.deepEqual([clean.contextValue, clean.description], ['node.inspected', 'NotReady · no findings · 3 min ago']);
  });

  it('says "stale" instead of the age once a repair changed the node, with the reason in the tooltip', () => {
    const item = present(nodeElement(ref, summary), context(inspected(buildNodeContent(ref, seed), { staleReason: 'a repair ran on the node after this inventory was read' })));
    assert.equal(item.description, 'NotReady · 4 findings · stale');
    assert.match(item.tooltip ?? '', /\*\*Stale:\*\* a repair ran on the node/);
  });

  it('puts roles, versions, OS image, kernel, taints and conditions in the tooltip, not the description', () => {
    const item = present(nodeElement(ref, summary), context(new Map()));
    for (const text of ['worker', 'v1\\.31\\.4', 'Talos \\(v1\\.8\\.3\\)', '6\\.6\\.58\\-talos', '`node.kubernetes.io/not-ready:NoSchedule`', '| Ready | False | KubeletNotReady |', 'PLEG is not healthy']) {
      assert.ok(item.tooltip?.includes(text), `tooltip has ${text}:\n${item.tooltip}`);
    }
    assert.doesNotMatch(item.description ?? '', /kubelet|containerd/);
  });

  it('shows a spinner and "inspecting…" while reading, and "inspection failed" with the sentence in the tooltip after a failed read', () => {
    const running = present(nodeElement(ref, summary), context(new Map([[nodeKey(ref), { inspecting: true, progress: 'reading CNI cache files' }]])));
    assert.deepEqual([running.icon, running.description], [{ id: 'loading~spin' }, 'NotReady · inspecting…']);
    const failed = present(nodeElement(ref, summary), context(new Map([[nodeKey(ref), { inspecting: false, error: { message: 'bridge pod was rejected', hint: 'Use the host-pid profile.' } }]])));
    assert.deepEqual([failed.description, failed.contextValue], ['NotReady · inspection failed', 'node']);
    assert.ok(failed.tooltip?.includes('bridge pod was rejected'));
  });

  it('shows a badge another part contributes first in the description (the fleet view\'s per-node slot)', () => {
    const item = present(nodeElement(ref, summary), context(inspected(buildNodeContent(ref, seed), { badge: { text: '2 errors', tooltip: 'From the fleet scan' } })));
    assert.equal(item.description, 'NotReady · 2 errors · 4 findings · 3 min ago');
    assert.ok(item.tooltip?.includes('From the fleet scan'));
  });

  it('calls the local node "this machine" until it is read, with its endpoint in the tooltip', () => {
    const item = present(nodeElement(localRef), context(new Map([[nodeKey(localRef), { inspecting: false, endpoint: 'unix:///run/containerd/containerd.sock' }]])));
    assert.deepEqual([item.label, item.description], ['Local node', 'this machine']);
    assert.ok(item.tooltip?.includes('`unix:///run/containerd/containerd.sock`'));
  });

  it('offers "Inspect node" under a node never read, running the inspect command with the node element', () => {
    const item = present(inspectElement(ref), context(new Map()));
    assert.deepEqual([item.label, item.contextValue, item.command?.command], ['Inspect node', 'inspect', 'kubeNodeDoctor.inspectNode']);
    assert.deepEqual(item.command?.arguments?.[0], nodeElement(ref, summary));
    const running = present(inspectElement(ref), context(new Map([[nodeKey(ref), { inspecting: true, progress: 'listing pod sandboxes' }]])));
    assert.deepEqual([running.label, running.description, running.command], ['Inspecting…', 'listing pod sandboxes', undefined]);
  });

  it('describes a context by its server\'s host (or a contributed summary), expanding the current one', () => {
    const c = { name: 'admin@talos-home', cluster: 'talos-home', user: 'admin@talos-home', server: 'https://192.168.1.10:6443' };
    const current = present(clusterElement(c, true), context(new Map()));
    assert.deepEqual([current.label, current.description, current.contextValue, current.collapsible], ['admin@talos-home', 'current · 192.168.1.10:6443', 'cluster', 'expanded']);
    assert.ok(current.tooltip?.includes('`https://192.168.1.10:6443`'));
    const summarised = present(clusterElement(c, false), context(new Map(), { clusterSummary: () => '3 of 40 nodes with findings' }));
    assert.deepEqual([summarised.description, summarised.collapsible], ['3 of 40 nodes with findings', 'collapsed']);
  });
});

describe('presenters of an inspected node\'s rows', () => {
  let content: NodeContent;
  let ctx: PresentationContext;
  let all: TreeElement[];
  before(async () => {
    content = buildNodeContent(ref, await seedNode());
    ctx = context(inspected(content));
    const groups = nodeGroups(content);
    const subgroups = groupChildren(content, groupElement(ref, 'containers'), undefined, PAGE);
    all = [...groups, ...subgroups, ...[...groups, ...subgroups].flatMap((g) => (g.kind === 'group' ? groupChildren(content, g, undefined, PAGE) : []))];
  });

  it('gives groups the context values their menus match on, and short counts in their descriptions', () => {
    const byId = (id: string): ItemSpec => present(itemOf(all, (e) => e.id === `${nodeKey(ref)}#group:${id}`), ctx);
    assert.deepEqual(
      ['findings', 'sandboxes', 'containers', 'cniCache', 'containers.orphans', 'containers.exited', 'containers.running', 'containers.other'].map((id) => byId(id).contextValue),
      ['group.findings.repairable', 'group.sandboxes.prunable', 'group.containers', 'group.cniCache', 'group.containers.orphans', 'group.containers.prunable', 'group.containers.running', 'group.containers.other'],
    );
    assert.equal(byId('findings').description, '4 · 2 errors · 1 warning · 1 info');
    assert.equal(byId('sandboxes').description, '4 · 2 NotReady · 1 blocked');
    assert.equal(byId('containers').description, '5 · 1 orphaned · 1 exited');
    assert.match(byId('cniCache').description ?? '', /^5 · 2 empty · 1 orphaned · \d+\.\d KiB$/);
    const none = present(groupElement(ref, 'findings'), { ...ctx, hasRepairSteps: () => false });
    assert.equal(none.contextValue, 'group.findings', 'no Repair All when no finding has a step');
  });

  it('labels findings by their object and describes what is wrong, so four findings read apart at the default side-bar width', () => {
    const findings = all.filter((e): e is Extract<TreeElement, { kind: 'finding' }> => e.kind === 'finding');
    const items = findings.map((f) => present(f, ctx));
    assert.equal(items.length, 4);
    assert.deepEqual([items[0].label, items[0].description], ['prod/web-6c9b8', 'empty CNI cache · 0 B']);
    assert.equal(new Set(items.map(visible)).size, 4, `distinct in ${VISIBLE_CHARS} characters: ${JSON.stringify(items.map(visible))}`);
    for (const item of items) assert.ok(item.label.length <= 24, `short label: ${item.label}`);
    assert.ok(items.every((i, n) => i.tooltip?.includes(md(findings[n].finding.title))), 'the sentence is in the tooltip');
    assert.ok(items[0].tooltip?.includes(`\`${SEED.stuck}\``), 'the tooltip carries the full sandbox ID');
  });

  it('says the severity in the icon and the accessible label, and marks repairable findings by severity', () => {
    const findings = all.filter((e): e is Extract<TreeElement, { kind: 'finding' }> => e.kind === 'finding');
    const items = findings.map((f) => present(f, ctx));
    assert.deepEqual(items.map((i) => i.icon?.id), ['error', 'error', 'warning', 'info']);
    assert.deepEqual(items.map((i) => i.accessibilityLabel.split(':')[0]), ['Error', 'Error', 'Warning', 'Info']);
    assert.equal(items[0].accessibilityLabel, 'Error: prod/web-6c9b8, empty CNI cache · 0 B, repairable');
    assert.deepEqual(items.map((i) => i.contextValue), ['finding.error.repairable', 'finding.error.repairable', 'finding.warning.repairable', 'finding.info']);
    const nothingToDo = present(findings[0], { ...ctx, hasRepairSteps: (_ref, id) => id !== findings[0].finding.id });
    assert.equal(nothingToDo.contextValue, 'finding.error', 'no Repair entry for a finding whose plan has no step');
  });

  it('opens a finding\'s explanation and plan on click', () => {
    const finding = itemOf(all, (e) => e.kind === 'finding');
    const item = present(finding, ctx);
    assert.equal(item.command?.command, 'kubeNodeDoctor.openFinding');
    assert.equal(item.command?.arguments?.[0], finding);
  });

  it('names the object of findings without a pod by short ID, or by the object in their ID', () => {
    const base = { rule: 'r', severity: 'warning', title: 't', detail: 'd' } as const;
    assert.equal(findingObject({ ...base, id: 'dead-objects-piling-up:prod/web', category: 'dead-objects-piling-up' }), 'prod/web');
    assert.equal(findingObject({ ...base, id: `runtime-object-missing:${SEED.orphan}`, category: 'runtime-object-missing', containerId: SEED.orphan }), `container ${short(SEED.orphan)}`);
    assert.equal(findingObject({ ...base, id: `cni-cache-orphaned:${SEED.gone}`, category: 'cni-cache-orphaned', sandboxId: SEED.gone }), `sandbox ${short(SEED.gone)}`);
    assert.equal(findingObject({ ...base, id: 'cri-message-too-large:ListPodSandbox', category: 'cri-message-too-large' }), 'ListPodSandbox');
  });

  it('labels a sandbox by its pod and describes state, blocked, age and short ID', () => {
    const stuck = present(itemOf(all, (e) => e.kind === 'sandbox' && e.sandbox.id === SEED.stuck), ctx);
    assert.deepEqual([stuck.label, stuck.description, stuck.contextValue], ['prod/web-6c9b8', `NotReady · blocked · 40 days ago · ${short(SEED.stuck)}`, 'sandbox.notReady.badCache']);
    assert.ok(stuck.tooltip?.includes(`\`${SEED.stuck}\``));
    assert.match(stuck.tooltip ?? '', /\*\*Created:\*\* 40 days ago \(2026-10-14 10:00:00 UTC\)/);
    const ready = present(itemOf(all, (e) => e.kind === 'sandbox' && e.sandbox.id === SEED.coredns), ctx);
    assert.deepEqual([ready.description, ready.contextValue], [`Ready · 2 h ago · ${short(SEED.coredns)}`, 'sandbox.ready']);
    const harmless = present(itemOf(all, (e) => e.kind === 'sandbox' && e.sandbox.id === SEED.loopbackOnly), ctx);
    assert.equal(harmless.contextValue, 'sandbox.notReady');
  });

  it('labels a container by its name and describes state (exit code), age and short ID; an orphan says so first', () => {
    const orphan = present(itemOf(all, (e) => e.kind === 'container' && e.container.id === SEED.orphan), ctx);
    assert.deepEqual([orphan.label, orphan.contextValue, orphan.description], ['job', 'container.orphaned', `orphaned · Exited (0) · 9 days ago · ${short(SEED.orphan)}`]);
    assert.ok(orphan.tooltip?.includes(`\`${short(SEED.gone)}\``), 'the tooltip names the missing sandbox');
    const exited = present(itemOf(all, (e) => e.kind === 'container' && e.container.id === SEED.webExited), ctx);
    assert.deepEqual([exited.description, exited.contextValue], [`Exited (137) · 3 days ago · ${short(SEED.webExited)}`, 'container.exited']);
    assert.equal(present(itemOf(all, (e) => e.kind === 'container' && e.container.id === SEED.corednsRunning), ctx).contextValue, 'container.running');
    assert.equal(present(itemOf(all, (e) => e.kind === 'container' && e.container.id === SEED.created), ctx).contextValue, 'container.created');
  });

  it('labels a CNI cache file by network and short sandbox ID, never its 64-hex name, and describes status and size', () => {
    const empty = present(itemOf(all, (e) => e.kind === 'cniCache' && e.entry.sandboxId === SEED.stuck), ctx);
    assert.deepEqual([empty.label, empty.description, empty.contextValue], [`cbr0 ${short(SEED.stuck)}`, 'empty · 0 B · prod/web-6c9b8', 'cniCache.empty']);
    assert.ok(empty.tooltip?.includes(`\`/var/lib/cni/results/cbr0-${SEED.stuck}-eth0\``), 'the path is in the tooltip');
    const valid = present(itemOf(all, (e) => e.kind === 'cniCache' && e.entry.sandboxId === SEED.web), ctx);
    assert.match(valid.description ?? '', /^valid · \d+\.\d KiB · prod\/web-7d4f9$/);
    const leaked = present(itemOf(all, (e) => e.kind === 'cniCache' && e.entry.sandboxId === SEED.gone), ctx);
    assert.equal(leaked.contextValue, 'cniCache.orphaned');
    assert.match(leaked.description ?? '', /^orphaned · \d+\.\d KiB · fixture-ns\/fixture-pod$/, 'a vanished sandbox\'s pod, as its cache file recorded it');
    for (const item of [empty, valid, leaked]) assert.doesNotMatch(`${item.label} ${item.description ?? ''}`, /[0-9a-f]{64}/);
  });

  it('calls a truncated cache file corrupt, and its finding says how', async () => {
    const pile = buildNodeContent(ref, await pileUpNode(500));
    const [first] = groupChildren(pile, groupElement(ref, 'cniCache'), undefined, PAGE);
    const item = present(first, context(inspected(pile)));
    assert.equal(item.contextValue, 'cniCache.corrupt');
    assert.match(item.description ?? '', /^corrupt · /);
    assert.match(item.tooltip ?? '', /corrupt \\\(truncated\\\)/);
    const finding = groupChildren(pile, groupElement(ref, 'findings'), undefined, PAGE).find((e) => e.kind === 'finding' && e.finding.category === 'cni-cache-corrupt');
    assert.ok(finding);
    assert.match(present(finding, context(inspected(pile))).description ?? '', /^truncated CNI cache · \d+ B$/);
  });

  it('labels "Show more" with the next page and what is left, and runs loadMore with the element', async () => {
    const pile = buildNodeContent(ref, await pileUpNode(5000));
    const children = groupChildren(pile, groupElement(ref, 'sandboxes'), undefined, PAGE);
    const more = children[children.length - 1];
    const item = present(more, context(inspected(pile)));
    assert.deepEqual([item.label, item.description, item.contextValue, item.command?.command], ['Show 200 more of 4,800', '200 of 5,000 shown', 'more', 'kubeNodeDoctor.loadMore']);
    assert.equal(item.command?.arguments?.[0], more);
  });
});

describe('message, action and "Add Kubeconfig…" presenters', () => {
  const ctx = context(new Map());

  it('shows a failure as an error row whose next steps (Retry, Open Settings) are visible action rows, not a click on the message', () => {
    const message = messageElement('node:x', 'inspect-error', 'error', 'talos-192-168-1-15: bridge pod was rejected by Pod Security', 'Use the host-pid profile.', [
      { command: 'kubeNodeDoctor.inspectNode', title: 'Retry', arguments: [nodeElement(ref, summary)] },
      { command: 'workbench.action.openSettings', title: 'Open Settings', arguments: ['kubeNodeDoctor.bridge'] },
    ]);
    const item = present(message, ctx);
    assert.deepEqual([item.contextValue, item.icon?.id, item.command, item.collapsible], ['message.error', 'error', undefined, 'expanded']);
    assert.equal(item.accessibilityLabel, 'Error: talos-192-168-1-15: bridge pod was rejected by Pod Security, Use the host-pid profile.');
    const actions = actionElements(message).map((a) => present(a, ctx));
    assert.deepEqual(actions.map((a) => [a.label, a.icon?.id, a.command?.command, a.contextValue]), [
      ['Retry', 'refresh', 'kubeNodeDoctor.inspectNode', 'action'],
      ['Open Settings', 'settings-gear', 'workbench.action.openSettings', 'action'],
    ]);
    assert.deepEqual(actions[1].command?.arguments, ['kubeNodeDoctor.bridge']);
    assert.equal(present(messageElement('g', 'empty', 'info', 'No CNI cache files'), ctx).collapsible, 'none');
  });

  it('offers "Add Kubeconfig…" running Choose Kubeconfig File…', () => {
    const item = present(addKubeconfigElement(), ctx);
    assert.deepEqual([item.label, item.description, item.contextValue, item.command?.command], ['Add Kubeconfig…', 'no cluster configured', 'addKubeconfig', 'kubeNodeDoctor.chooseKubeconfig']);
  });

  it('escapes Markdown in names and messages shown in tooltips', () => {
    assert.equal(md('my_pod*[x](y)'), 'my\\_pod\\*\\[x\\]\\(y\\)');
    assert.equal(md('$(trash)'), '$\\(trash\\)');
    const item = present(messageElement(undefined, 'x', 'warning', 'bad ![img](https://e.example/x)'), ctx);
    assert.doesNotMatch(item.tooltip ?? '', /!\[img\]\(/);
  });
});

describe('presenters of an inventory that is not proven complete', () => {
  it('says "incomplete" in the node description and the sandbox and container counts, and why in the tooltip', async () => {
    const seed = await seedNode();
    const incomplete: Inventory = {
      ...seed,
      listStrategy: { ...seed.listStrategy, complete: false, reasons: [{ code: 'no-runtime-dir', message: 'none of the runtime\'s directories was found (/var/lib/containerd/io.containerd.grpc.v1.cri)' }] },
    };
    const content = buildNodeContent(ref, incomplete);
    const ctx = context(inspected(content));
    const node = present(nodeElement(ref, summary), ctx);
    assert.match(node.description ?? '', / · incomplete$/);
    assert.match(node.tooltip ?? '', /none of the runtime's directories was found/);
    const groups = nodeGroups(content).map((g) => present(g, ctx));
    assert.match(groups.find((g) => g.label === 'Sandboxes')?.description ?? '', / · incomplete$/);
    assert.match(groups.find((g) => g.label === 'Containers')?.description ?? '', / · incomplete$/);
    assert.doesNotMatch(groups.find((g) => g.label === 'Findings')?.description ?? '', /incomplete/);
    assert.doesNotMatch(present(nodeElement(ref, summary), context(inspected(buildNodeContent(ref, seed)))).description ?? '', /incomplete/);
  });
});

describe('the view title in dry run', () => {
  it('says DRY RUN after the view\'s name while kubeNodeDoctor.repair.dryRun is on', () => {
    assert.equal(dryRunTitle('Nodes', true), 'Nodes · DRY RUN');
    assert.equal(dryRunTitle('Nodes', false), 'Nodes');
  });
});
