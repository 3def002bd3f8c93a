// What the sidebar shows under a node, as plain data: grouping, ordering, statuses, ids and paging.
// No vscode import: unit tests and the tree bench build it in plain Node. nodeTreeProvider.ts turns it into TreeItems.
import type { ContextInfo } from '../../core/cluster/kubeconfig';
import type { NodeSummary } from '../../core/cluster/nodes';
import type { CacheEntry, ContainerItem, Finding, Inventory, SandboxItem } from '../../core/inventory/types';
import type { Severity } from '../../core/model/category';
import { nodeKey } from '../../core/session/nodeRef';
import type { NodeRef } from '../../core/session/nodeRef';
import type { CacheStatus, CommandSpec, GroupKind, TreeElement } from './treeModel';

export type ClusterElement = Extract<TreeElement, { readonly kind: 'cluster' }>;
export type NodeTreeElement = Extract<TreeElement, { readonly kind: 'node' }>;
export type GroupElement = Extract<TreeElement, { readonly kind: 'group' }>;
export type MessageElement = Extract<TreeElement, { readonly kind: 'message' }>;
export type MoreElement = Extract<TreeElement, { readonly kind: 'more' }>;
export type InspectElement = Extract<TreeElement, { readonly kind: 'inspect' }>;
export type ActionElement = Extract<TreeElement, { readonly kind: 'action' }>;
export type AddKubeconfigElement = Extract<TreeElement, { readonly kind: 'addKubeconfig' }>;

/** The container subgroups, in the order the tree shows them. */
export const CONTAINER_SUBGROUPS = ['orphans', 'exited', 'running', 'other'] as const;
export type ContainerSubgroup = (typeof CONTAINER_SUBGROUPS)[number];

const SUBGROUP_LABELS: Readonly<Record<ContainerSubgroup, string>> = {
  orphans: 'Orphaned (sandbox missing)',
  exited: 'Exited',
  running: 'Running',
  other: 'Created / Unknown',
};

const GROUP_LABELS: Readonly<Record<GroupKind, string>> = {
  findings: 'Findings',
  sandboxes: 'Sandboxes',
  containers: 'Containers',
  cniCache: 'CNI cache',
};

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { error: 0, warning: 1, info: 2 };

// ---------------------------------------------------------------------------------------------------------------
// Ids: stable across refreshes, `nodeKey(ref)` + kind + object id. Node names never contain '#' or '/'.

export function clusterId(context: string): string {
  return `cluster:${context}`;
}

export function nodeId(ref: NodeRef): string {
  return `node:${nodeKey(ref)}`;
}

export function groupId(ref: NodeRef, group: GroupKind, subgroup?: string): string {
  return `${nodeKey(ref)}#group:${group}${subgroup ? `.${subgroup}` : ''}`;
}

export function itemId(ref: NodeRef, kind: 'finding' | 'sandbox' | 'container' | 'cniCache', objectId: string): string {
  return `${nodeKey(ref)}#${kind}:${objectId}`;
}

export function messageId(parentId: string | undefined, name: string): string {
  return `${parentId ?? 'root'}#message:${name}`;
}

export function moreId(parentId: string): string {
  return `${parentId}#more`;
}

// ---------------------------------------------------------------------------------------------------------------
// Element constructors.

export function clusterElement(context: ContextInfo, current: boolean): ClusterElement {
  return { kind: 'cluster', id: clusterId(context.name), context, current };
}

export function nodeElement(ref: NodeRef, summary?: NodeSummary): NodeTreeElement {
  return summary ? { kind: 'node', id: nodeId(ref), ref, summary } : { kind: 'node', id: nodeId(ref), ref };
}

export function inspectElement(ref: NodeRef): InspectElement {
  return { kind: 'inspect', id: `${nodeKey(ref)}#inspect`, ref };
}

export function groupElement(ref: NodeRef, group: GroupKind, subgroup?: ContainerSubgroup): GroupElement {
  const label = subgroup ? SUBGROUP_LABELS[subgroup] : GROUP_LABELS[group];
  return subgroup
    ? { kind: 'group', id: groupId(ref, group, subgroup), ref, group, subgroup, label }
    : { kind: 'group', id: groupId(ref, group), ref, group, label };
}

export function messageElement(
  parentId: string | undefined, name: string, severity: MessageElement['severity'], text: string, detail?: string, actions?: readonly CommandSpec[],
): MessageElement {
  return { kind: 'message', id: messageId(parentId, name), text, severity, ...(detail ? { detail } : {}), ...(actions && actions.length > 0 ? { actions } : {}) };
}

const ACTION_ICONS: Readonly<Record<string, string>> = { Retry: 'refresh', 'Open Settings': 'settings-gear', 'Show Log': 'output' };

/** The action rows under a message: one per next step, in order. */
export function actionElements(message: MessageElement): ActionElement[] {
  return (message.actions ?? []).map((action, index) => ({
    kind: 'action', id: `${message.id}#action:${index}`, parentId: message.id, action, icon: ACTION_ICONS[action.title] ?? 'arrow-right',
  }));
}

export const ADD_KUBECONFIG_ID = 'root#addKubeconfig';

export function addKubeconfigElement(): AddKubeconfigElement {
  return { kind: 'addKubeconfig', id: ADD_KUBECONFIG_ID };
}

// ---------------------------------------------------------------------------------------------------------------
// Statuses.

/** A cache file's status: its bytes first (empty / corrupt for every other non-valid state), then whether its sandbox exists. */
export function cacheStatus(entry: CacheEntry, sandboxExists: boolean, listComplete: boolean): CacheStatus {
  if (entry.state === 'empty') return 'empty';
  if (entry.state !== 'valid') return 'corrupt';
  return !sandboxExists && listComplete ? 'orphaned' : 'valid';
}

/**
 * Whether a cache file keeps its sandbox from being stopped and removed: empty or corrupt, and read back on DEL (the
 * network's cniVersion >= 0.4.0). containerd's loopback file (0.3.1) or a non-cniCacheV1 document is harmless.
 */
export function blocksTeardown(entry: CacheEntry): boolean {
  return entry.state !== 'valid' && entry.state !== 'not-cache-v1' && entry.readOnTeardown !== 'no';
}

/** Which container subgroup a container falls in. */
export function containerSubgroup(container: ContainerItem, orphaned: boolean): ContainerSubgroup {
  if (orphaned) return 'orphans';
  if (container.state === 'CONTAINER_EXITED') return 'exited';
  if (container.state === 'CONTAINER_RUNNING') return 'running';
  return 'other';
}

// ---------------------------------------------------------------------------------------------------------------
// Per-inventory content, sorted once, sliced per page.

export interface CacheRow {
  readonly entry: CacheEntry;
  readonly status: CacheStatus;
}

/** An inspected node's groups, sorted once when the inventory arrives; getChildren only slices. */
export interface NodeContent {
  readonly ref: NodeRef;
  readonly inventory: Inventory;
  /** Errors first, then warnings, then info; the inventory's order within a severity. */
  readonly findings: readonly Finding[];
  /** NotReady first (those a bad cache file blocks at the very top), then namespace/name, newest first. */
  readonly sandboxes: readonly SandboxItem[];
  readonly notReadySandboxes: number;
  /** Sandboxes an empty or corrupt cache file blocks (blocksTeardown, or a repairable `cni-cache-corrupt` finding). */
  readonly badCacheSandboxes: ReadonlySet<string>;
  /** Containers whose sandbox is gone (a `runtime-object-missing` finding, or a complete list without their sandbox). */
  readonly orphanContainers: ReadonlySet<string>;
  /** Per subgroup, newest first. */
  readonly containers: Readonly<Record<ContainerSubgroup, readonly ContainerItem[]>>;
  /** Empty and corrupt first, then orphaned, then valid; by file name within. */
  readonly cache: readonly CacheRow[];
  /** `namespace/name` of each sandbox by ID (a cache file's row names its pod). */
  readonly podOf: ReadonlyMap<string, string>;
  /** Each cache file by its node-absolute path (a finding names its file by path). */
  readonly cacheByPath: ReadonlyMap<string, CacheEntry>;
  readonly cacheCounts: Readonly<Record<CacheStatus, number>>;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const CACHE_STATUS_RANK: Readonly<Record<CacheStatus, number>> = { empty: 0, corrupt: 1, orphaned: 2, valid: 3 };

export function buildNodeContent(ref: NodeRef, inventory: Inventory): NodeContent {
  const listComplete = inventory.listStrategy.complete;
  const sandboxIds = new Set(inventory.sandboxes.map((s) => s.id));

  const findings = inventory.findings
    .map((finding, index) => ({ finding, index }))
    .sort((a, b) => SEVERITY_RANK[a.finding.severity] - SEVERITY_RANK[b.finding.severity] || a.index - b.index)
    .map((x) => x.finding);

  const badCache = new Set<string>();
  for (const entry of inventory.cniCache) if (blocksTeardown(entry)) badCache.add(entry.sandboxId);
  for (const f of inventory.findings) if (f.category === 'cni-cache-corrupt' && f.repair && f.sandboxId) badCache.add(f.sandboxId);

  const orphans = new Set<string>();
  for (const f of inventory.findings) if (f.category === 'runtime-object-missing' && f.containerId) orphans.add(f.containerId);
  if (listComplete) for (const c of inventory.containers) if (!sandboxIds.has(c.sandboxId)) orphans.add(c.id);

  // Precomputed keys: a 5,000-sandbox sort compares numbers and plain strings only.
  const sandboxes = inventory.sandboxes
    .map((s) => ({
      s, rank: (s.state === 'SANDBOX_NOTREADY' ? 0 : 2) + (badCache.has(s.id) ? 0 : 1), pod: `${s.namespace}/${s.name}`,
    }))
    .sort((a, b) => a.rank - b.rank || compareText(a.pod, b.pod) || b.s.createdAtMs - a.s.createdAtMs || compareText(a.s.id, b.s.id))
    .map((x) => x.s);
  let notReady = 0;
  for (const s of inventory.sandboxes) if (s.state === 'SANDBOX_NOTREADY') notReady += 1;

  const containers: Record<ContainerSubgroup, ContainerItem[]> = { orphans: [], exited: [], running: [], other: [] };
  for (const c of inventory.containers) containers[containerSubgroup(c, orphans.has(c.id))].push(c);
  for (const list of Object.values(containers)) {
    list.sort((a, b) => b.createdAtMs - a.createdAtMs || compareText(a.name, b.name) || compareText(a.id, b.id));
  }

  const cacheCounts: Record<CacheStatus, number> = { valid: 0, empty: 0, corrupt: 0, orphaned: 0 };
  const cache = inventory.cniCache
    .map((entry) => ({ entry, status: cacheStatus(entry, sandboxIds.has(entry.sandboxId), listComplete) }))
    .sort((a, b) => CACHE_STATUS_RANK[a.status] - CACHE_STATUS_RANK[b.status] || compareText(a.entry.name, b.entry.name));
  for (const row of cache) cacheCounts[row.status] += 1;

  return {
    ref, inventory, findings, sandboxes, notReadySandboxes: notReady, badCacheSandboxes: badCache, orphanContainers: orphans,
    containers, cache, podOf: new Map(inventory.sandboxes.map((s) => [s.id, `${s.namespace}/${s.name}`])), cacheByPath: new Map(inventory.cniCache.map((e) => [e.path, e])), cacheCounts,
  };
}

/** The groups under an inspected node, always all four (an empty one says so when expanded). */
export function nodeGroups(content: NodeContent): GroupElement[] {
  return [
    groupElement(content.ref, 'findings'),
    groupElement(content.ref, 'sandboxes'),
    groupElement(content.ref, 'containers'),
    groupElement(content.ref, 'cniCache'),
  ];
}

/** How many items a group holds (for a container group without subgroup: all containers). */
export function groupSize(content: NodeContent, group: GroupKind, subgroup?: string): number {
  switch (group) {
    case 'findings': return content.findings.length;
    case 'sandboxes': return content.sandboxes.length;
    case 'cniCache': return content.cache.length;
    case 'containers':
      return isContainerSubgroup(subgroup) ? content.containers[subgroup].length : content.inventory.containers.length;
  }
}

export function isContainerSubgroup(value: string | undefined): value is ContainerSubgroup {
  return value !== undefined && (CONTAINER_SUBGROUPS as readonly string[]).includes(value);
}

// ---------------------------------------------------------------------------------------------------------------
// Paging.

/** How many items to show: at least one page, at most all; `shown` is what "Show more" has reached. */
export function visibleCount(total: number, shown: number | undefined, pageSize: number): number {
  return Math.min(total, Math.max(shown ?? 0, pageSize));
}

/** The `shown` value that makes item `index` visible: whole pages, so a later "Show more" continues evenly. */
export function shownToInclude(index: number, pageSize: number): number {
  return Math.ceil((index + 1) / pageSize) * pageSize;
}

/** The first `visibleCount` items, built into elements, plus a `more` element when some are left. */
export function page<T>(
  all: readonly T[], parentId: string, shown: number | undefined, pageSize: number, build: (item: T) => TreeElement,
): TreeElement[] {
  const count = visibleCount(all.length, shown, pageSize);
  const elements: TreeElement[] = new Array<TreeElement>(count);
  for (let i = 0; i < count; i++) elements[i] = build(all[i]);
  if (count < all.length) elements.push({ kind: 'more', id: moreId(parentId), parentId, shown: count, total: all.length });
  return elements;
}

/** "Show 200 more of 4,800": the next page's size, of the items still hidden. */
export function moreLabel(element: MoreElement, pageSize: number): string {
  const hidden = Math.max(0, element.total - element.shown);
  return `Show ${formatCount(Math.min(pageSize, hidden))} more of ${formatCount(hidden)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Children of an inspected node's groups.

export function findingElement(ref: NodeRef, finding: Finding): TreeElement {
  return { kind: 'finding', id: itemId(ref, 'finding', finding.id), ref, finding };
}

export function sandboxElement(content: NodeContent, sandbox: SandboxItem): TreeElement {
  return { kind: 'sandbox', id: itemId(content.ref, 'sandbox', sandbox.id), ref: content.ref, sandbox, badCache: content.badCacheSandboxes.has(sandbox.id) };
}

export function containerElement(content: NodeContent, container: ContainerItem): TreeElement {
  return { kind: 'container', id: itemId(content.ref, 'container', container.id), ref: content.ref, container, orphaned: content.orphanContainers.has(container.id) };
}

export function cacheElement(ref: NodeRef, row: CacheRow): TreeElement {
  return { kind: 'cniCache', id: itemId(ref, 'cniCache', row.entry.name), ref, entry: row.entry, status: row.status };
}

const EMPTY_TEXT: Readonly<Record<GroupKind, string>> = {
  findings: 'No findings: nothing on this node needs repair',
  sandboxes: 'No pod sandboxes on this node',
  containers: 'No containers on this node',
  cniCache: 'No CNI cache files',
};

/** A group's children: one page of items (plus "Show more"), container subgroups, or a message saying it is empty. */
export function groupChildren(content: NodeContent, group: GroupElement, shown: number | undefined, pageSize: number): TreeElement[] {
  const ref = content.ref;
  if (group.group === 'containers' && group.subgroup === undefined) {
    const subgroups = CONTAINER_SUBGROUPS.filter((s) => content.containers[s].length > 0).map((s) => groupElement(ref, 'containers', s));
    return subgroups.length > 0 ? subgroups : [messageElement(group.id, 'empty', 'info', EMPTY_TEXT.containers)];
  }
  let children: TreeElement[];
  switch (group.group) {
    case 'findings':
      children = page(content.findings, group.id, shown, pageSize, (f) => findingElement(ref, f));
      break;
    case 'sandboxes':
      children = page(content.sandboxes, group.id, shown, pageSize, (s) => sandboxElement(content, s));
      break;
    case 'cniCache':
      children = page(content.cache, group.id, shown, pageSize, (row) => cacheElement(ref, row));
      break;
    case 'containers': {
      const list = isContainerSubgroup(group.subgroup) ? content.containers[group.subgroup] : [];
      children = page(list, group.id, shown, pageSize, (c) => containerElement(content, c));
      break;
    }
  }
  if (children.length > 0) return children;
  const where = group.subgroup ? `No ${group.label.toLowerCase()} containers` : EMPTY_TEXT[group.group];
  return [messageElement(group.id, 'empty', 'info', where)];
}

/** Where a sandbox (by full ID or a prefix) sits: in the sandbox list, else as a cache file, else as its (orphaned) containers. */
export function sandboxElementIn(content: NodeContent, sandboxId: string): { group: GroupElement; index: number; element: TreeElement } | undefined {
  const wanted = sandboxId.toLowerCase();
  const sIndex = content.sandboxes.findIndex((s) => s.id === wanted || s.id.startsWith(wanted));
  if (sIndex >= 0) {
    return { group: groupElement(content.ref, 'sandboxes'), index: sIndex, element: sandboxElement(content, content.sandboxes[sIndex]) };
  }
  const cIndex = content.cache.findIndex((row) => row.entry.sandboxId === wanted || row.entry.sandboxId.startsWith(wanted));
  if (cIndex >= 0) {
    return { group: groupElement(content.ref, 'cniCache'), index: cIndex, element: cacheElement(content.ref, content.cache[cIndex]) };
  }
  // A sandbox that is gone but whose containers are not (orphans): show the first of them.
  for (const subgroup of CONTAINER_SUBGROUPS) {
    const list = content.containers[subgroup];
    const index = list.findIndex((c) => c.sandboxId === wanted || c.sandboxId.startsWith(wanted));
    if (index >= 0) return { group: groupElement(content.ref, 'containers', subgroup), index, element: containerElement(content, list[index]) };
  }
  return undefined;
}

/** The group an item of an inspected node sits in (for getParent). */
export function parentGroupOf(element: TreeElement): GroupElement | undefined {
  switch (element.kind) {
    case 'finding': return groupElement(element.ref, 'findings');
    case 'sandbox': return groupElement(element.ref, 'sandboxes');
    case 'cniCache': return groupElement(element.ref, 'cniCache');
    case 'container': return groupElement(element.ref, 'containers', containerSubgroup(element.container, element.orphaned));
    case 'group': return element.subgroup ? groupElement(element.ref, element.group) : undefined;
    default: return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Cluster nodes.

/** NotReady first, then Unknown, then Ready; by name within (what needs a doctor comes first). */
export function sortNodes(nodes: readonly NodeSummary[]): NodeSummary[] {
  const rank = (n: NodeSummary): number => (n.ready === false ? 0 : n.ready === undefined ? 1 : 2);
  return [...nodes].sort((a, b) => rank(a) - rank(b) || compareText(a.name, b.name));
}

// ---------------------------------------------------------------------------------------------------------------
// Formatting.

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}


/** Copy IDs on a group: every item's full ID (a cache file's path), one per line, not only the page shown. */
export function groupIdsText(content: NodeContent, group: GroupElement): { text: string; what: string; count: number } {
  let ids: string[];
  let what: string;
  switch (group.group) {
    case 'findings': ids = content.findings.map((f) => f.id); what = 'finding ID'; break;
    case 'sandboxes': ids = content.sandboxes.map((s) => s.id); what = 'sandbox ID'; break;
    case 'cniCache': ids = content.cache.map((row) => row.entry.path); what = 'cache file path'; break;
    case 'containers': {
      const list = isContainerSubgroup(group.subgroup) ? content.containers[group.subgroup] : CONTAINER_SUBGROUPS.flatMap((s) => content.containers[s]);
      ids = list.map((c) => c.id);
      what = 'container ID';
      break;
    }
  }
  return { text: ids.length > 0 ? `${ids.join('\n')}\n` : '', what, count: ids.length };
}
