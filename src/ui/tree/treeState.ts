// The Nodes view's state, in plain Node (no vscode import; test/unit/tree drives it with a fake NodeDoctor): what each
// level holds, what is loading, paging, and each element's parent. Inventories are never copied: a node's content is
// derived from the NodeDoctor's inventory store (`doctor.store`), and the tree redraws a node when the store says it
// changed. nodeTreeProvider.ts is the thin vscode layer over it.
import { describeError, NodeDoctorError } from '../../core/errors';
import { treeHealth } from '../../core/fleet/conditions';
import { incompleteText } from '../../core/inventory/completeness';
import type { Inventory } from '../../core/inventory/types';
import { shortId } from '../../core/model/ids';
import type { InventoryChange, Subscription } from '../../core/session/inventoryStore';
import { describeNode, nodeKey } from '../../core/session/nodeRef';
import type { NodeRef } from '../../core/session/nodeRef';
import type { NodeView, PresentationContext } from './presenters/types';
import { INSPECT_COMMAND } from './presenters/types';
import {
  actionElements, buildNodeContent, clusterId, groupChildren, groupSize, inspectElement, messageElement, nodeElement, nodeGroups, nodeId,
  parentGroupOf, sandboxElementIn, shownToInclude, sortNodes, visibleCount,
} from './treeContent';
import type { MoreElement, NodeContent, NodeTreeElement } from './treeContent';
import { clusterChildrenOf, loadRoots, openSettings } from './treeRoots';
import type { ClusterNodes, Roots, TreeMode } from './treeRoots';
import type { TreeElement } from './treeModel';
import { errorInfo, NodeInspections } from './nodeInspections';
import type { InspectionProgress, TreeDoctor, TreeLog } from './nodeInspections';

export type { TreeMode } from './treeRoots';
export type { InspectionProgress, TreeDoctor, TreeLog } from './nodeInspections';

export interface TreeStateOptions {
  readonly doctor: () => Promise<TreeDoctor>;
  readonly log: TreeLog;
  readonly pageSize: () => number;
  /** Whether a `kubeNodeDoctor.kubeconfig` file is configured. */
  readonly explicitKubeconfig: () => boolean;
  readonly now?: () => number;
  readonly progress?: InspectionProgress;
}

export class TreeState {
  private readonly listeners = new Set<(element: TreeElement | undefined) => void>();
  private readonly modeListeners = new Set<(mode: TreeMode) => void>();
  private readonly lifetime = new AbortController();
  private readonly now: () => number;
  private pageSizeValue: number;
  private rootsLoad: Promise<Roots> | undefined;
  private roots: Roots | undefined;
  private readonly clusterLoads = new Map<string, Promise<ClusterNodes>>();
  private readonly clusters = new Map<string, ClusterNodes>();
  private readonly inspections: NodeInspections;
  private readonly shown = new Map<string, number>();
  /** The element objects last handed out, by id (change events and getParent must return these very objects). */
  private readonly byId = new Map<string, TreeElement>();
  private readonly parents = new Map<string, string | undefined>();
  private readonly contents = new WeakMap<Inventory, NodeContent>();
  private doctorLoad: Promise<TreeDoctor> | undefined;
  private doctorValue: TreeDoctor | undefined;
  private storeSubscription: Subscription | undefined;
  /** Per-node badges and per-context summaries other parts contribute (the fleet view). */
  private readonly badges = new Map<string, NonNullable<NodeView['badge']>>();
  private readonly summaries = new Map<string, string>();

  constructor(private readonly options: TreeStateOptions) {
    this.now = options.now ?? Date.now;
    this.pageSizeValue = options.pageSize();
    this.inspections = new NodeInspections({
      doctor: () => this.doctor(), log: options.log, now: this.now, signal: this.lifetime.signal, progress: options.progress,
      storeEntry: (ref) => this.doctorValue?.store.get(ref),
      changed: (ref, progressOnly) => this.fireId(progressOnly ? inspectElement(ref).id : nodeId(ref)),
    });
  }

  onDidChange(listener: (element: TreeElement | undefined) => void): Subscription {
    this.listeners.add(listener);
    return { dispose: () => { this.listeners.delete(listener); } };
  }

  onDidChangeMode(listener: (mode: TreeMode) => void): Subscription {
    this.modeListeners.add(listener);
    return { dispose: () => { this.modeListeners.delete(listener); } };
  }

  get pageSize(): number {
    return this.pageSizeValue;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Levels and parents

  async children(element?: TreeElement): Promise<TreeElement[]> {
    const children = await this.childrenOf(element);
    for (const child of children) {
      this.byId.set(child.id, child);
      this.parents.set(child.id, element?.id);
    }
    return children;
  }

  /** The parent element as last handed out (or built from the structure, for an element revealed before it was shown). */
  parent(element: TreeElement): TreeElement | undefined {
    const recorded = this.parents.get(element.id);
    if (recorded !== undefined || this.parents.has(element.id)) return recorded === undefined ? undefined : this.byId.get(recorded);
    return this.live(this.structuralParent(element));
  }

  private structuralParent(element: TreeElement): TreeElement | undefined {
    switch (element.kind) {
      case 'cluster': case 'addKubeconfig': return undefined;
      case 'node': return element.ref.kind === 'bridge' ? this.roots?.clusters.get(element.ref.context) : undefined;
      case 'inspect': return this.nodeElementFor(element.ref);
      case 'action': return this.byId.get(element.parentId);
      case 'more': return this.byId.get(element.parentId);
      case 'message': return undefined;
      default: return parentGroupOf(element) ?? this.nodeElementFor(element.ref);
    }
  }

  private async childrenOf(element: TreeElement | undefined): Promise<TreeElement[]> {
    if (!element) return (await this.loadRoots()).elements;
    switch (element.kind) {
      case 'cluster': {
        const context = element.context.name;
        return clusterChildrenOf(element, await this.loadCluster(context), this.shown.get(element.id), this.pageSizeValue);
      }
      case 'node': return this.nodeChildren(element);
      case 'group': {
        const content = this.content(element.ref);
        if (!content) return [messageElement(element.id, 'gone', 'info', 'Not inspected: inspect the node to read it')];
        return groupChildren(content, element, this.shown.get(element.id), this.pageSizeValue);
      }
      case 'message': return actionElements(element);
      default: return [];
    }
  }

  private nodeChildren(element: NodeTreeElement): TreeElement[] {
    const ui = this.inspections.ui(element.ref);
    const entry = this.doctorValue?.store.get(element.ref);
    const content = this.content(element.ref);
    if (content && !ui.run && (ui.reread || (entry?.staleReason !== undefined && ui.rereadFor !== entry))) void this.inspect(element.ref, false);
    const children: TreeElement[] = [];
    if (ui.error && !ui.run) {
      children.push(messageElement(element.id, 'inspect-error', 'error', ui.error.message, ui.error.hint, [
        { command: INSPECT_COMMAND, title: 'Retry', arguments: [this.nodeElementFor(element.ref)] },
        openSettings(element.ref.kind === 'bridge' ? 'kubeNodeDoctor.bridge' : 'kubeNodeDoctor.localNode'),
        { command: 'kubeNodeDoctor.showLog', title: 'Show Log' },
      ]));
    }
    const incomplete = content ? incompleteText(content.inventory) : undefined;
    if (incomplete) children.push(messageElement(element.id, 'inventory-incomplete', 'warning', incomplete));
    if (content) children.push(...nodeGroups(content));
    else if (children.length === 0) children.push(inspectElement(element.ref));
    return children;
  }

  // -------------------------------------------------------------------------------------------------------------
  // What presenters and commands read

  /** A node's content, derived once per inventory in the store. */
  content(ref: NodeRef): NodeContent | undefined {
    const inventory = this.doctorValue?.store.get(ref)?.inventory;
    if (!inventory) return undefined;
    let content = this.contents.get(inventory);
    if (!content) {
      content = buildNodeContent(ref, inventory);
      this.contents.set(inventory, content);
    }
    return content;
  }

  nodeView(ref: NodeRef): NodeView {
    const ui = this.inspections.get(ref);
    const entry = this.doctorValue?.store.get(ref);
    const staleReason = entry?.staleReason ?? (ui?.reread ? 'Refresh All was asked for' : undefined);
    const badge = this.badges.get(nodeKey(ref));
    return {
      content: this.content(ref), readAt: entry?.readAt, inspecting: ui?.inspecting ?? false, progress: ui?.progress, error: ui?.error,
      endpoint: ui?.endpoint, ...(staleReason ? { staleReason } : {}), ...(badge ? { badge } : {}),
    };
  }

  presentation(): PresentationContext {
    return {
      nowMs: this.now(),
      pageSize: this.pageSizeValue,
      nodeView: (ref) => this.nodeView(ref),
      nodeElement: (ref) => this.nodeElementFor(ref),
      hasRepairSteps: (ref, findingId) => this.doctorValue?.hasRepairSteps?.(ref, findingId) ?? true,
      clusterSummary: (context) => this.summaries.get(context),
    };
  }

  /**
   * The fleet view's contribution from the node list the tree already has: the Node Doctor conditions NPD wrote, as a
   * per-node badge and the context's "N nodes with findings" summary (no extra request, no bridge pod).
   */
  private applyClusterHealth(context: string, state: ClusterNodes): void {
    if (!state.nodes) return;
    const { summary, badges } = treeHealth(state.nodes);
    for (const n of state.nodes) {
      const badge = badges.get(n.name);
      const key = nodeKey({ kind: 'bridge', context, node: n.name });
      if (badge) this.badges.set(key, badge);
      else this.badges.delete(key);
    }
    // Stored now (the node rows about to be drawn read their badges); the context's row is redrawn once the view has
    // taken this load's children: a change event for a row whose children are still being fetched drops them.
    this.summaries.set(context, summary);
    const timer = setTimeout(() => { if (!this.lifetime.signal.aborted) this.fireId(clusterId(context)); }, 0);
    timer.unref?.();
  }

  /** A short badge shown first in a node's description (undefined removes it). */
  setNodeBadge(ref: NodeRef, badge: NodeView['badge'] | undefined): void {
    void (badge ? this.badges.set(nodeKey(ref), badge) : this.badges.delete(nodeKey(ref)));
    this.fireId(nodeId(ref));
  }

  /** A summary shown in a context's description instead of its server (undefined removes it). */
  setClusterSummary(context: string, summary: string | undefined): void {
    void (summary ? this.summaries.set(context, summary) : this.summaries.delete(context));
    this.fireId(clusterId(context));
  }

  /** Nodes listed in the tree, and nodes inspected through another path (their cluster collapsed, or not listed). */
  knownNodes(): NodeRef[] {
    const refs: NodeRef[] = [];
    if (this.roots?.local) refs.push(this.roots.local);
    for (const [context, state] of this.clusters) for (const n of state.nodes ?? []) refs.push({ kind: 'bridge', context, node: n.name });
    const listed = new Set(refs.map(nodeKey));
    for (const { ref } of this.doctorValue?.store.all() ?? []) if (!listed.has(nodeKey(ref))) refs.push(ref);
    return refs;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Actions

  refreshAll(): void {
    this.pageSizeValue = this.options.pageSize();
    this.rootsLoad = undefined;
    this.clusterLoads.clear();
    for (const ui of this.inspections.all()) if (this.content(ui.ref)) ui.reread = true;
    this.fire(undefined);
  }

  async refreshNode(ref: NodeRef): Promise<void> {
    const ui = this.inspections.ui(ref);
    if (this.content(ref) || ui.run) {
      await this.inspect(ref);
      return;
    }
    ui.error = undefined;
    this.fireId(nodeId(ref));
  }

  loadMore(element: MoreElement): void {
    const current = this.shown.get(element.parentId) ?? element.shown;
    this.shown.set(element.parentId, Math.min(element.total, Math.max(current, element.shown) + this.pageSizeValue));
    this.fireId(element.parentId);
  }

  /**
   * The element of a sandbox (by full ID or prefix) on a node, its node read first when needed and its page grown so
   * it is shown; undefined when the read was cancelled or failed (the failure shows in the tree).
   */
  async locateSandbox(ref: NodeRef, sandboxId: string): Promise<TreeElement | undefined> {
    const roots = await this.loadRoots();
    if (ref.kind === 'bridge') {
      const cluster = await this.loadCluster(ref.context);
      const index = cluster.nodes?.findIndex((n) => n.name === ref.node) ?? -1;
      if (index >= 0) this.ensureShown(clusterId(ref.context), cluster.nodes?.length ?? 0, index);
    } else if (!roots.local) {
      throw new NodeDoctorError('not-found', 'This machine is not shown as a node (no container runtime socket was found).', { hint: 'Set kubeNodeDoctor.localNode.runtimeEndpoint.' });
    }
    let fresh = false;
    if (!this.content(ref) || this.inspections.get(ref)?.run) {
      if (!(await this.inspect(ref))) return undefined;
      fresh = true;
    }
    let content = this.content(ref);
    let location = content ? sandboxElementIn(content, sandboxId) : undefined;
    if (!location && !fresh) {
      // The sandbox may be newer than the inventory: read the node once more before giving up.
      if (!(await this.inspect(ref))) return undefined;
      content = this.content(ref);
      location = content ? sandboxElementIn(content, sandboxId) : undefined;
    }
    if (!location || !content) {
      throw new NodeDoctorError('not-found', `Sandbox ${shortId(sandboxId)} is not on ${describeNode(ref)} (neither in the runtime nor in the CNI cache).`, {
        hint: 'It may have been removed already, or it ran on another node.',
      });
    }
    this.ensureShown(location.group.id, groupSize(content, location.group.group, location.group.subgroup), location.index);
    return this.live(location.element);
  }

  /** Reads a node (one read per node at a time); `notify` adds the cancellable notification of a read the user asked for. */
  inspect(ref: NodeRef, notify = true): Promise<Inventory | undefined> {
    return this.inspections.inspect(ref, notify);
  }

  dispose(): void {
    this.lifetime.abort();
    this.inspections.dispose();
    this.storeSubscription?.dispose();
    this.listeners.clear();
    this.modeListeners.clear();
  }

  // -------------------------------------------------------------------------------------------------------------
  // Loading

  private doctor(): Promise<TreeDoctor> {
    this.doctorLoad ??= this.options.doctor().then((doctor) => {
      this.doctorValue = doctor;
      this.storeSubscription = doctor.store.onDidChange((change) => this.storeChanged(change));
      return doctor;
    }, (error: unknown) => {
      this.doctorLoad = undefined;
      throw error;
    });
    return this.doctorLoad;
  }

  /** The store changed (an inspection by anyone, a repair marked the node stale): redraw that node's subtree. */
  private storeChanged(change: InventoryChange): void {
    const ref = change.kind === 'delete' ? change.ref : change.entry.ref;
    this.fireId(nodeId(ref));
  }

  private loadRoots(): Promise<Roots> {
    if (!this.rootsLoad) {
      const load = loadRoots({
        doctor: () => this.doctor(), log: this.options.log, signal: this.lifetime.signal, explicitKubeconfig: this.options.explicitKubeconfig,
        setMode: (mode) => { for (const listener of [...this.modeListeners]) listener(mode); },
        setEndpoint: (ref, endpoint) => { this.inspections.ui(ref).endpoint = endpoint; },
      });
      this.rootsLoad = load;
      void load.then((roots) => { if (this.rootsLoad === load) this.roots = roots; });
    }
    return this.rootsLoad;
  }

  private loadCluster(context: string): Promise<ClusterNodes> {
    let load = this.clusterLoads.get(context);
    if (!load) {
      const started = this.now();
      load = this.doctor()
        .then((doctor) => doctor.listNodes(context, this.lifetime.signal))
        .then((list): ClusterNodes => {
          const nodes = sortNodes(list.nodes);
          this.options.log.info(`context ${context}: ${nodes.length} nodes listed in ${list.pages} page(s), ${this.now() - started} ms`);
          return { nodes, byName: new Map(nodes.map((n) => [n.name, n])) };
        }, (error: unknown): ClusterNodes => {
          this.options.log.warn(`Listing the nodes of context ${context} failed: ${describeError(error)}`);
          return { error: errorInfo(error) };
        });
      const current = load;
      this.clusterLoads.set(context, current);
      void current.then((state) => {
        if (this.clusterLoads.get(context) !== current) return;
        this.clusters.set(context, state);
        this.applyClusterHealth(context, state);
      });
    }
    return load;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Change events

  private nodeElementFor(ref: NodeRef): NodeTreeElement {
    const rendered = this.byId.get(nodeId(ref));
    if (rendered?.kind === 'node') return rendered;
    return nodeElement(ref, ref.kind === 'bridge' ? this.clusters.get(ref.context)?.byName?.get(ref.node) : undefined);
  }

  /** The object handed out with the element's id, if any, else the element itself. */
  private live<T extends TreeElement>(element: T | undefined): T | undefined {
    if (!element) return undefined;
    const rendered = this.byId.get(element.id);
    return rendered && rendered.kind === element.kind ? (rendered as T) : element;
  }

  private fire(element: TreeElement | undefined): void {
    for (const listener of [...this.listeners]) listener(element);
  }

  private fireId(id: string): void {
    const element = this.byId.get(id);
    if (element) this.fire(element);
  }

  /** Grows a parent's page so that child `index` is shown. */
  private ensureShown(parentId: string, total: number, index: number): void {
    const current = visibleCount(total, this.shown.get(parentId), this.pageSizeValue);
    if (index < current) return;
    this.shown.set(parentId, Math.min(total, shownToInclude(index, this.pageSizeValue)));
    this.fireId(parentId);
  }
}
