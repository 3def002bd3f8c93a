import * as assert from 'node:assert/strict';
import type { NodeSummary } from '../../../src/core/cluster/nodes';
import type { Inventory } from '../../../src/core/inventory/types';
import type { NodeRef } from '../../../src/core/session/nodeRef';
import {
  buildNodeContent, groupChildren, groupIdsText, groupElement, groupSize, sandboxElementIn, moreLabel, nodeGroups, page, parentGroupOf,
  shownToInclude, sortNodes, visibleCount,
} from '../../../src/ui/tree/treeContent';
import type { MoreElement } from '../../../src/ui/tree/treeContent';
import type { TreeElement } from '../../../src/ui/tree/treeModel';
import { absoluteTime, relativeTime } from '../../../src/core/model/relativeTime';
import {
  NOW, SEED, container, hexId, inventoryOf, pileUpNode, rawCacheFile, sandbox, seedNode,
} from './inventories';

const local: NodeRef = { kind: 'local', name: 'Local node' };
const bridge: NodeRef = { kind: 'bridge', context: 'talos-home', node: 'talos-192-168-1-15' };
const PAGE = 200;

function kinds(elements: readonly TreeElement[]): string[] {
  return elements.map((e) => e.kind);
}

function ofKind<K extends TreeElement['kind']>(elements: readonly TreeElement[], kind: K): Extract<TreeElement, { kind: K }>[] {
  return elements.filter((e): e is Extract<TreeElement, { kind: K }> => e.kind === kind);
}

describe('tree content of an inspected node', () => {
  let seed: Inventory;
  before(async () => {
    seed = await seedNode();
  });

  it('shows the four groups under an inspected node, with ids built from the node key', () => {
    const groups = nodeGroups(buildNodeContent(bridge, seed));
    assert.deepEqual(groups.map((g) => [g.label, g.id]), [
      ['Findings', 'bridge/talos-home/talos-192-168-1-15#group:findings'],
      ['Sandboxes', 'bridge/talos-home/talos-192-168-1-15#group:sandboxes'],
      ['Containers', 'bridge/talos-home/talos-192-168-1-15#group:containers'],
      ['CNI cache', 'bridge/talos-home/talos-192-168-1-15#group:cniCache'],
    ]);
  });

  it('lists findings most severe first: the 0-byte cbr0 file of a NotReady sandbox and the orphan container before the leaked IP and the harmless loopback file', () => {
    const content = buildNodeContent(local, seed);
    assert.deepEqual(content.findings.map((f) => [f.severity, f.category]), [
      ['error', 'cni-cache-corrupt'],
      ['error', 'runtime-object-missing'],
      ['warning', 'cni-cache-orphaned'],
      ['info', 'cni-cache-corrupt'],
    ]);
    assert.equal(content.findings[0].sandboxId, SEED.stuck);
  });

  it('puts NotReady sandboxes first, the one a bad cache file blocks at the very top', () => {
    const content = buildNodeContent(local, seed);
    assert.deepEqual(content.sandboxes.map((s) => `${s.namespace}/${s.name}`), ['prod/web-6c9b8', 'batch/report-28341', 'kube-system/coredns-5d78c9869d-abcde', 'prod/web-7d4f9']);
    const elements = ofKind(groupChildren(content, groupElement(local, 'sandboxes'), undefined, PAGE), 'sandbox');
    assert.deepEqual(elements.map((e) => [e.sandbox.id, e.badCache]), [
      [SEED.stuck, true], [SEED.loopbackOnly, false], [SEED.coredns, false], [SEED.web, false],
    ]);
  });

  it('does not call a sandbox blocked when its only bad file is containerd\'s loopback one (cniVersion 0.3.1, never read on DEL)', () => {
    const content = buildNodeContent(local, seed);
    assert.equal(content.badCacheSandboxes.has(SEED.loopbackOnly), false);
    const row = content.cache.find((r) => r.entry.sandboxId === SEED.loopbackOnly);
    assert.equal(row?.status, 'empty', 'the file itself still shows as empty');
  });

  it('splits containers into Orphaned, Exited, Running and Created/Unknown, showing only the subgroups that hold some', () => {
    const content = buildNodeContent(local, seed);
    const subgroups = ofKind(groupChildren(content, groupElement(local, 'containers'), undefined, PAGE), 'group');
    assert.deepEqual(subgroups.map((g) => [g.subgroup, g.label, groupSize(content, 'containers', g.subgroup)]), [
      ['orphans', 'Orphaned (sandbox missing)', 1],
      ['exited', 'Exited', 1],
      ['running', 'Running', 2],
      ['other', 'Created / Unknown', 1],
    ]);
    const orphans = ofKind(groupChildren(content, subgroups[0], undefined, PAGE), 'container');
    assert.deepEqual(orphans.map((c) => [c.container.id, c.orphaned]), [[SEED.orphan, true]]);
    const running = ofKind(groupChildren(content, subgroups[2], undefined, PAGE), 'container');
    assert.deepEqual(running.map((c) => c.container.name), ['coredns', 'web'], 'newest first');
  });

  it('calls a container orphaned from the sandbox list alone when the list is complete, and never when it is not', async () => {
    const s = sandbox(hexId(7), 'prod', 'api', 'SANDBOX_READY', 60_000);
    const lonely = container(hexId(8, 'b'), 'api', hexId(9), 'CONTAINER_EXITED', 60_000, 2);
    const complete = { ...(await inventoryOf([s], [lonely], [])), findings: [] };
    assert.deepEqual([...buildNodeContent(local, complete).orphanContainers], [lonely.id]);
    const partial = await inventoryOf([s], [lonely], [], false);
    const content = buildNodeContent(local, partial);
    assert.equal(content.orphanContainers.size, 0);
    assert.deepEqual(content.containers.exited.map((c) => c.id), [lonely.id]);
  });

  it('gives each CNI cache file a status: empty, corrupt (any other bad state), orphaned (no such sandbox), valid; bad ones first', async () => {
    const inventory = await inventoryOf(
      [sandbox(SEED.web, 'prod', 'web', 'SANDBOX_READY', 60_000), sandbox(SEED.stuck, 'prod', 'web', 'SANDBOX_NOTREADY', 60_000), sandbox(hexId(5), 'prod', 'db', 'SANDBOX_NOTREADY', 60_000)],
      [],
      [rawCacheFile(SEED.web, 'valid'), rawCacheFile(SEED.gone, 'valid'), rawCacheFile(SEED.stuck, 'empty'), rawCacheFile(hexId(5), 'truncated')],
    );
    const content = buildNodeContent(local, inventory);
    assert.deepEqual(content.cache.map((r) => [r.entry.sandboxId, r.entry.state, r.status]), [
      [SEED.stuck, 'empty', 'empty'],
      [hexId(5), 'truncated', 'corrupt'],
      [SEED.gone, 'valid', 'orphaned'],
      [SEED.web, 'valid', 'valid'],
    ]);
    assert.deepEqual(content.cacheCounts, { valid: 1, empty: 1, corrupt: 1, orphaned: 1 });
  });

  it('says so when a group is empty', async () => {
    const healthy = await inventoryOf([sandbox(SEED.web, 'prod', 'web', 'SANDBOX_READY', 60_000)], [], [rawCacheFile(SEED.web, 'valid')]);
    const content = buildNodeContent(local, healthy);
    for (const group of ['findings', 'containers'] as const) {
      const children = groupChildren(content, groupElement(local, group), undefined, PAGE);
      assert.deepEqual(kinds(children), ['message']);
      const [message] = ofKind(children, 'message');
      assert.match(message.text, /^No /);
      assert.equal(message.severity, 'info');
    }
  });

  it('keeps ids stable across re-inspections and distinct between nodes', async () => {
    const first = buildNodeContent(bridge, seed);
    const second = buildNodeContent(bridge, await seedNode());
    const ids = (content: ReturnType<typeof buildNodeContent>): string[] =>
      nodeGroups(content).flatMap((g) => groupChildren(content, g, undefined, PAGE)).map((e) => e.id);
    assert.deepEqual(ids(first), ids(second));
    assert.ok(ids(first).includes(`bridge/talos-home/talos-192-168-1-15#sandbox:${SEED.stuck}`));
    const other = ids(buildNodeContent({ ...bridge, node: 'talos-192-168-1-16' }, seed));
    assert.equal(other.filter((id) => ids(first).includes(id)).length, 0);
  });

  it('finds a sandbox by ID prefix, else its cache file, else the orphan containers it left', () => {
    const content = buildNodeContent(local, seed);
    const bySandbox = sandboxElementIn(content, SEED.stuck.slice(0, 12));
    assert.equal(bySandbox?.element.kind, 'sandbox');
    assert.equal(bySandbox?.group.group, 'sandboxes');
    assert.equal(bySandbox?.index, 0);
    const gone = sandboxElementIn(content, SEED.gone);
    assert.equal(gone?.element.kind, 'cniCache');
    assert.equal(gone?.element.kind === 'cniCache' ? gone.element.status : undefined, 'orphaned');
    const onlyContainer = sandboxElementIn(buildNodeContent(local, { ...seed, cniCache: seed.cniCache.filter((e) => e.sandboxId !== SEED.gone) }), SEED.gone);
    assert.equal(onlyContainer?.group.subgroup, 'orphans');
    assert.equal(sandboxElementIn(content, 'ffffffffffff'), undefined);
  });

  it('names each item\'s parent group (container subgroups under Containers) for getParent', () => {
    const content = buildNodeContent(local, seed);
    const orphan = ofKind(groupChildren(content, groupElement(local, 'containers', 'orphans'), undefined, PAGE), 'container')[0];
    assert.equal(parentGroupOf(orphan)?.id, 'local#group:containers.orphans');
    assert.equal(parentGroupOf(groupElement(local, 'containers', 'orphans'))?.id, 'local#group:containers');
    assert.equal(parentGroupOf(groupElement(local, 'containers')), undefined);
  });
});

describe('Copy IDs on a group', () => {
  it('copies every item of the group, full IDs (paths for cache files), one per line, not only the page shown', async () => {
    const content = buildNodeContent(local, await pileUpNode(500));
    const sandboxes = groupIdsText(content, groupElement(local, 'sandboxes'));
    assert.equal(sandboxes.count, 500);
    assert.equal(sandboxes.what, 'sandbox ID');
    assert.equal(sandboxes.text.split('\n').filter((l) => l !== '').length, 500);
    assert.ok(sandboxes.text.split('\n').filter((l) => l !== '').every((l) => /^[0-9a-f]{64}$/.test(l)));
    const cache = groupIdsText(content, groupElement(local, 'cniCache'));
    assert.ok(cache.text.startsWith('/var/lib/cni/results/cbr0-'));
    const exited = groupIdsText(content, groupElement(local, 'containers', 'exited'));
    assert.equal(exited.count, 50);
    assert.equal(groupIdsText(content, groupElement(local, 'findings')).what, 'finding ID');
  });
});

describe('tree paging of a 5,000-sandbox node', () => {
  let pileUp: Inventory;
  before(async function () {
    this.timeout(20_000);
    pileUp = await pileUpNode(5000);
  });

  it('shows the first 200 sandboxes and "Show 200 more of 4,800"', () => {
    const content = buildNodeContent(bridge, pileUp);
    const group = groupElement(bridge, 'sandboxes');
    const children = groupChildren(content, group, undefined, PAGE);
    assert.equal(children.length, 201);
    const more = children[200] as MoreElement;
    assert.deepEqual([more.kind, more.parentId, more.shown, more.total], ['more', group.id, 200, 5000]);
    assert.equal(moreLabel(more, PAGE), 'Show 200 more of 4,800');
    assert.equal(more.id, `${group.id}#more`);
  });

  it('grows a page at a time, and the last "Show more" offers only what is left', () => {
    const content = buildNodeContent(bridge, pileUp);
    const group = groupElement(bridge, 'sandboxes');
    const second = groupChildren(content, group, 400, PAGE);
    assert.equal(ofKind(second, 'sandbox').length, 400);
    assert.equal(moreLabel(ofKind(second, 'more')[0], PAGE), 'Show 200 more of 4,600');
    const last = groupChildren(content, group, 4900, PAGE);
    assert.equal(moreLabel(ofKind(last, 'more')[0], PAGE), 'Show 100 more of 100');
    assert.deepEqual(kinds(groupChildren(content, group, 5000, PAGE)).filter((k) => k === 'more'), []);
    assert.deepEqual(ofKind(second, 'sandbox').slice(0, 200).map((e) => e.id), ofKind(groupChildren(content, group, undefined, PAGE), 'sandbox').map((e) => e.id), 'pages extend, never reorder');
  });

  it('orders the pile-up blocked sandboxes first, then the other NotReady ones, then the Ready ones, by pod and newest first', () => {
    const content = buildNodeContent(bridge, pileUp);
    const s = content.sandboxes;
    assert.equal(s.length, 5000);
    assert.equal(content.notReadySandboxes, 4800);
    assert.equal(content.badCacheSandboxes.size, 10);
    assert.ok(s.slice(0, 10).every((x) => content.badCacheSandboxes.has(x.id)), 'the 10 sandboxes with a truncated cbr0 file lead');
    assert.ok(s.slice(10, 4800).every((x) => x.state === 'SANDBOX_NOTREADY' && !content.badCacheSandboxes.has(x.id)));
    assert.ok(s.slice(4800).every((x) => x.state === 'SANDBOX_READY'));
    for (let i = 11; i < 4800; i++) {
      const a = `${s[i - 1].namespace}/${s[i - 1].name}`;
      const b = `${s[i].namespace}/${s[i].name}`;
      assert.ok(a < b || (a === b && s[i - 1].createdAtMs >= s[i].createdAtMs), `order at ${i}: ${a} then ${b}`);
    }
  });

  it('builds only the visible page\'s elements, whatever the group size', () => {
    const content = buildNodeContent(bridge, pileUp);
    let built = 0;
    const children = page(content.sandboxes, 'parent', 600, PAGE, (x) => {
      built += 1;
      return { kind: 'message', id: x.id, text: x.name, severity: 'info' };
    });
    assert.equal(built, 600);
    assert.equal(children.length, 601);
  });

  it('pages the CNI cache and the exited containers the same way', () => {
    const content = buildNodeContent(bridge, pileUp);
    const cache = groupChildren(content, groupElement(bridge, 'cniCache'), undefined, PAGE);
    assert.equal(ofKind(cache, 'cniCache').length, 200);
    assert.deepEqual(ofKind(cache, 'cniCache').slice(0, 10).map((e) => e.status), Array(10).fill('corrupt'));
    assert.equal(moreLabel(ofKind(cache, 'more')[0], PAGE), 'Show 200 more of 4,800');
    const exited = groupChildren(content, groupElement(bridge, 'containers', 'exited'), undefined, PAGE);
    assert.equal(ofKind(exited, 'container').length, 200);
    assert.equal(ofKind(exited, 'more')[0].total, 500);
  });

  it('grows the page to whole pages so that a revealed sandbox deep in the list is shown', () => {
    const content = buildNodeContent(bridge, pileUp);
    const ready = content.sandboxes[4999];
    const where = sandboxElementIn(content, ready.id);
    assert.equal(where?.index, 4999);
    const shown = shownToInclude(where?.index ?? 0, PAGE);
    assert.equal(shown, 5000);
    assert.equal(shownToInclude(0, PAGE), 200);
    assert.equal(shownToInclude(200, PAGE), 400);
    const children = groupChildren(content, groupElement(bridge, 'sandboxes'), shown, PAGE);
    assert.ok(children.some((e) => e.id === where?.element.id));
  });

  it('shows at least one page and at most everything', () => {
    assert.equal(visibleCount(5000, undefined, 200), 200);
    assert.equal(visibleCount(5000, 50, 200), 200);
    assert.equal(visibleCount(150, 400, 200), 150);
    assert.equal(visibleCount(0, undefined, 200), 0);
  });
});

describe('tree cluster nodes and formatting', () => {
  function node(name: string, ready: boolean | undefined): NodeSummary {
    return {
      name, uid: name, ready, conditions: [], kubeletVersion: 'v1.31.4', containerRuntimeVersion: 'containerd://1.7.22', osImage: 'Talos (v1.8.3)',
      kernelVersion: '6.6.58-talos', taints: [], unschedulable: false,
    };
  }

  it('lists NotReady nodes first, then Unknown, then Ready, by name within', () => {
    const sorted = sortNodes([node('c', true), node('b', false), node('a', true), node('d', undefined), node('e', false)]);
    assert.deepEqual(sorted.map((n) => n.name), ['b', 'e', 'd', 'a', 'c']);
  });

  it('says how long ago in words ("3 min ago"), with the absolute UTC time for tooltips, and refuses to guess an unknown or future time', () => {
    assert.equal(relativeTime(NOW - 20_000, NOW), 'just now');
    assert.equal(relativeTime(NOW - 3 * 60_000, NOW), '3 min ago');
    assert.equal(relativeTime(NOW - 3 * 3_600_000, NOW), '3 h ago');
    assert.equal(relativeTime(NOW - 86_400_000, NOW), '1 day ago');
    assert.equal(relativeTime(NOW - 40 * 86_400_000, NOW), '40 days ago');
    assert.equal(relativeTime(0, NOW), 'unknown time');
    assert.equal(relativeTime(NOW + 3_600_000, NOW), 'unknown time');
    assert.equal(absoluteTime(NOW - 3 * 60_000), '2026-11-23 09:57:00 UTC');
    assert.equal(absoluteTime(0), undefined);
  });
});
