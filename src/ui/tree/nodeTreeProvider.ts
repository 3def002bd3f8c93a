import { incompleteText } from '../../core/inventory/completeness';
import { NODES_VIEW_ID } from './viewIds';
import * as vscode from 'vscode';
import type { NodeSummary } from '../../core/cluster/nodes';
import { NodeDoctorError, describeError, isNodeDoctorError } from '../../core/errors';
import { redact } from '../../core/redact';
import type { Inventory } from '../../core/inventory/types';
import { shortId } from '../../core/model/ids';
import type { NodeDoctor } from '../../core/session/nodeDoctor';
import { describeNode, nodeKey } from '../../core/session/nodeRef';
import type { NodeRef } from '../../core/session/nodeRef';
import { readNodeSettings, readTreePageSize } from '../config';
import {
  buildNodeContent, clusterElement, clusterId, groupChildren, groupSize, inspectElement, sandboxElementIn, messageElement, nodeElement, nodeGroups, nodeId,
  page, parentGroupOf, shownToInclude, sortNodes, visibleCount,
} from './treeContent';
import type { ClusterElement, NodeContent, NodeTreeElement } from './treeContent';
import { toTreeItem } from './treeItems';
import { INSPECT_COMMAND, present } from './treeLabels';
import type { NodeView, PresentationContext } from './treeLabels';
import type { TreeController, TreeElement } from './treeModel';

const TREE_STATE_KEY = 'kubeNodeDoctor.treeState';
type TreeState = 'loading' | 'noKubeconfig' | 'ready';

/** What the tree needs of the NodeDoctor (a fake with these methods drives it in tests). */
export type TreeDoctor = Pick<NodeDoctor, 'contexts' | 'listNodes' | 'probeLocalNode' | 'localRef' | 'inspect' | 'inventory'> & Partial<Pick<NodeDoctor, 'hasRepairSteps'>>;

export interface TreeEngine {
  nodeDoctor(): Promise<TreeDoctor>;
}

export type TreeLog = Pick<vscode.LogOutputChannel, 'info' | 'warn' | 'error'>;

export interface NodeTreeOptions {
  /** Items per page (default: the `kubeNodeDoctor.tree.pageSize` setting, re-read by refreshAll). */
  readonly pageSize?: () => number;
  /** Whether a `kubeNodeDoctor.kubeconfig` file is configured (default: read from the settings). */
  readonly explicitKubeconfig?: () => boolean;
  /**
   * The view to draw into, when one already exists (the activation shell creates the Nodes view with a stand-in provider
   * and hands it over on first use); the provider's changes go to `onDidChangeTreeData` of that stand-in. Default: a new view.
   */
  readonly attachView?: (provider: vscode.TreeDataProvider<TreeElement>) => vscode.TreeView<TreeElement>;
}

interface ErrorInfo {
  readonly message: string;
  readonly hint?: string;
}

function errorInfo(error: unknown): ErrorInfo {
  return { message: describeError(error), hint: isNodeDoctorError(error) ? error.hint : undefined };
}

interface Roots {
  readonly elements: TreeElement[];
  readonly local?: NodeRef;
  readonly clusters: ReadonlyMap<string, ClusterElement>;
}

interface ClusterNodes {
  /** Sorted: NotReady, Unknown, Ready; by name within. */
  readonly nodes?: readonly NodeSummary[];
  readonly byName?: ReadonlyMap<string, NodeSummary>;
  readonly error?: ErrorInfo;
}

/** Per node: the view state the items are drawn from, plus the running inspection. */
interface NodeState extends NodeView {
  ref: NodeRef;
  content?: NodeContent;
  inspecting: boolean;
  progress?: string;
  error?: ErrorInfo;
  stale: boolean;
  endpoint?: string;
  run?: Promise<Inventory | undefined>;
  controller?: AbortController;
  progressTimer?: ReturnType<typeof setTimeout>;
}

/**
 * The "Nodes" sidebar: the local node (when this machine runs a container runtime), then the kubeconfig's contexts,
 * their nodes, and under an inspected node its findings, sandboxes, containers and CNI cache files, a page at a time.
 * Owns its TreeView. Failures show as message nodes inside the tree, never as pop-ups; only an inspection the user asked
 * for shows a (cancellable) notification.
 *
 * getChildren and getTreeItem draw from the state below; getChildren loads what a level needs the first time it is
 * expanded (the kubeconfig for the roots, a context's node list for a cluster), and a node marked stale by Refresh All
 * starts a quiet re-inspection (view progress only) when it is expanded.
 */
export class NodeTreeProvider implements vscode.TreeDataProvider<TreeElement>, TreeController, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeElement | undefined>();
  readonly onDidChangeTreeData: vscode.Event<TreeElement | undefined> = this.changed.event;
  readonly view: vscode.TreeView<TreeElement>;

  private readonly lifetime = new AbortController();
  private pageSize: number;
  private treeState: TreeState | undefined;

  private roots: Promise<Roots> | undefined;
  private rootsValue: Roots | undefined;
  private readonly clusterLoads = new Map<string, Promise<ClusterNodes>>();
  private readonly clusters = new Map<string, ClusterNodes>();
  private readonly nodes = new Map<string, NodeState>();
  /** "Show more" progress per parent id (how many children are shown). */
  private readonly shown = new Map<string, number>();
  /** Expandable and "Inspect node" element objects last handed to VS Code, by id: change events match by identity. */
  private readonly rendered = new Map<string, TreeElement>();
  /** Parents of message and "more" elements (everything else has a structural parent). */
  private readonly leafParents = new Map<string, string | undefined>();
  private doctorValue: TreeDoctor | undefined;

  constructor(private readonly engine: TreeEngine, private readonly log: TreeLog, private readonly options: NodeTreeOptions = {}) {
    this.pageSize = this.readPageSize();
    this.view = options.attachView?.(this) ?? vscode.window.createTreeView(NODES_VIEW_ID, { treeDataProvider: this, showCollapseAll: true });
  }

  // -------------------------------------------------------------------------------------------------------------
  // TreeDataProvider

  getTreeItem(element: TreeElement): vscode.TreeItem {
    return toTreeItem(element.id, present(element, this.presentation()));
  }

  async getChildren(element?: TreeElement): Promise<TreeElement[]> {
    const children = await this.childrenOf(element);
    for (const child of children) {
      if (child.kind === 'cluster' || child.kind === 'node' || child.kind === 'group' || child.kind === 'inspect') this.rendered.set(child.id, child);
      else if (child.kind === 'message' || child.kind === 'more') this.leafParents.set(child.id, element?.id);
    }
    return children;
  }

  getParent(element: TreeElement): TreeElement | undefined {
    switch (element.kind) {
      case 'cluster':
        return undefined;
      case 'node':
        return element.ref.kind === 'bridge' ? this.live(this.rootsValue?.clusters.get(element.ref.context)) : undefined;
      case 'inspect':
        return this.nodeElementFor(element.ref);
      case 'group': case 'finding': case 'sandbox': case 'container': case 'cniCache':
        return this.live(parentGroupOf(element)) ?? this.nodeElementFor(element.ref);
      case 'message':
      case 'more': {
        const parentId = element.kind === 'more' ? element.parentId : this.leafParents.get(element.id);
        return parentId === undefined ? undefined : this.rendered.get(parentId);
      }
    }
  }

  private async childrenOf(element: TreeElement | undefined): Promise<TreeElement[]> {
    if (!element) {
      const roots = await this.loadRoots();
      this.syncAllFromDoctor();
      return roots.elements;
    }
    switch (element.kind) {
      case 'cluster': return this.clusterChildren(element);
      case 'node': return this.nodeChildren(element);
      case 'group': {
        const content = this.nodes.get(nodeKey(element.ref))?.content;
        if (!content) return [messageElement(element.id, 'gone', 'info', 'Not inspected: inspect the node to read it')];
        return groupChildren(content, element, this.shown.get(element.id), this.pageSize);
      }
      default:
        return [];
    }
  }

  private async clusterChildren(element: ClusterElement): Promise<TreeElement[]> {
    const context = element.context.name;
    const state = await this.loadCluster(context);
    if (state.error) {
      return [messageElement(element.id, 'error', 'error', state.error.message, state.error.hint, { command: 'kubeNodeDoctor.refreshAll', title: 'Retry' })];
    }
    const nodes = state.nodes ?? [];
    if (nodes.length === 0) return [messageElement(element.id, 'empty', 'info', 'No nodes in this cluster')];
    this.syncAllFromDoctor();
    return page(nodes, element.id, this.shown.get(element.id), this.pageSize, (summary) => nodeElement({ kind: 'bridge', context, node: summary.name }, summary));
  }

  private nodeChildren(element: NodeTreeElement): TreeElement[] {
    const state = this.nodeState(element.ref);
    this.syncFromDoctor(state);
    if (state.stale && state.content && !state.run) void this.runInspection(element.ref, false);
    const children: TreeElement[] = [];
    if (state.error && !state.run) {
      children.push(messageElement(element.id, 'inspect-error', 'error', state.error.message, state.error.hint, {
        command: INSPECT_COMMAND, title: 'Retry', arguments: [this.nodeElementFor(element.ref)],
      }));
    }
    const incomplete = state.content ? incompleteText(state.content.inventory) : undefined;
    if (incomplete) children.push(messageElement(element.id, 'inventory-incomplete', 'warning', incomplete));
    if (state.content) children.push(...nodeGroups(state.content));
    else if (children.length === 0) children.push(inspectElement(element.ref));
    return children;
  }

  // -------------------------------------------------------------------------------------------------------------
  // TreeController

  refreshAll(): void {
    this.pageSize = this.readPageSize();
    this.roots = undefined;
    this.clusterLoads.clear();
    for (const state of this.nodes.values()) if (state.content) state.stale = true;
    this.changed.fire(undefined);
  }

  async refreshNode(ref: NodeRef): Promise<void> {
    const state = this.nodeState(ref);
    if (state.content || state.run) {
      await this.inspect(ref);
      return;
    }
    state.error = undefined;
    this.fireNode(ref);
  }

  inspect(ref: NodeRef): Promise<Inventory | undefined> {
    return this.runInspection(ref, true);
  }

  async revealSandbox(ref: NodeRef, sandboxId: string): Promise<void> {
    const roots = await this.loadRoots();
    if (ref.kind === 'bridge') {
      const cluster = await this.loadCluster(ref.context);
      const index = cluster.nodes?.findIndex((n) => n.name === ref.node) ?? -1;
      if (index >= 0) this.ensureShown(clusterId(ref.context), cluster.nodes?.length ?? 0, index);
    } else if (!roots.local) {
      throw new NodeDoctorError('not-found', 'This machine is not shown as a node (no container runtime socket was found).', { hint: 'Set kubeNodeDoctor.localNode.runtimeEndpoint.' });
    }
    const state = this.nodeState(ref);
    this.syncFromDoctor(state);
    let fresh = false;
    if (!state.content || state.run) {
      if (!(await this.inspect(ref))) return;
      fresh = true;
    }
    let location = state.content ? sandboxElementIn(state.content, sandboxId) : undefined;
    if (!location && !fresh) {
      // The sandbox may be newer than the inventory: read the node once more before giving up.
      if (!(await this.inspect(ref))) return;
      location = state.content ? sandboxElementIn(state.content, sandboxId) : undefined;
    }
    if (!location || !state.content) {
      throw new NodeDoctorError('not-found', `Sandbox ${shortId(sandboxId)} is not on ${describeNode(ref)} (neither in the runtime nor in the CNI cache).`, {
        hint: 'It may have been removed already, or it ran on another node.',
      });
    }
    this.ensureShown(location.group.id, groupSize(state.content, location.group.group, location.group.subgroup), location.index);
    await this.view.reveal(location.element, { select: true, focus: true, expand: false });
  }

  loadMore(element: Extract<TreeElement, { readonly kind: 'more' }>): void {
    const current = this.shown.get(element.parentId) ?? element.shown;
    this.shown.set(element.parentId, Math.min(element.total, Math.max(current, element.shown) + this.pageSize));
    this.fireId(element.parentId);
  }

  knownNodes(): readonly NodeRef[] {
    const refs: NodeRef[] = [];
    if (this.rootsValue?.local) refs.push(this.rootsValue.local);
    for (const [context, state] of this.clusters) {
      for (const n of state.nodes ?? []) refs.push({ kind: 'bridge', context, node: n.name });
    }
    // Nodes inspected through another path (their cluster collapsed since, or not listed).
    const listed = new Set(refs.map(nodeKey));
    for (const [key, state] of this.nodes) if (state.content && !listed.has(key)) refs.push(state.ref);
    return refs;
  }

  dispose(): void {
    this.lifetime.abort();
    for (const state of this.nodes.values()) {
      state.controller?.abort();
      if (state.progressTimer) clearTimeout(state.progressTimer);
    }
    this.view.dispose();
    this.changed.dispose();
  }

  // -------------------------------------------------------------------------------------------------------------
  // Loading

  private readPageSize(): number {
    return this.options.pageSize?.() ?? readTreePageSize();
  }

  private async doctor(): Promise<TreeDoctor> {
    this.doctorValue ??= await this.engine.nodeDoctor();
    return this.doctorValue;
  }

  private setTreeState(state: TreeState): void {
    if (this.treeState === state) return;
    this.treeState = state;
    void vscode.commands.executeCommand('setContext', TREE_STATE_KEY, state);
  }

  private loadRoots(): Promise<Roots> {
    if (!this.roots) {
      const load = this.readRoots();
      this.roots = load;
      void load.then((roots) => {
        if (this.roots === load) this.rootsValue = roots;
      });
    }
    return this.roots;
  }

  private async readRoots(): Promise<Roots> {
    this.setTreeState('loading');
    const clusters = new Map<string, ClusterElement>();
    let doctor: TreeDoctor;
    try {
      doctor = await this.doctor();
    } catch (error) {
      this.log.error(`The node engine could not be loaded: ${describeError(error)}`);
      this.setTreeState('ready');
      return { elements: [messageElement(undefined, 'engine', 'error', `The node engine could not be loaded: ${describeError(error)}`, 'Reinstall the extension; details are in the log.', { command: 'kubeNodeDoctor.showLog', title: 'Show Log' })], clusters };
    }
    const [endpoint, contexts] = await Promise.all([
      doctor.probeLocalNode(this.lifetime.signal).catch(() => undefined),
      doctor.contexts().then((value) => ({ value, error: undefined }), (error: unknown) => ({ value: undefined, error })),
    ]);
    const elements: TreeElement[] = [];
    let local: NodeRef | undefined;
    if (endpoint) {
      local = doctor.localRef();
      this.nodeState(local).endpoint = endpoint;
      elements.push(nodeElement(local));
    }
    if (contexts.value) {
      for (const context of contexts.value.contexts) {
        const element = clusterElement(context, context.name === contexts.value.current);
        clusters.set(context.name, element);
        elements.push(element);
      }
      if (contexts.value.contexts.length === 0) {
        elements.push(messageElement(undefined, 'kubeconfig', 'warning', 'The kubeconfig defines no contexts', 'Choose another kubeconfig file.', { command: 'kubeNodeDoctor.chooseKubeconfig', title: 'Choose Kubeconfig File…' }));
      }
    } else {
      const error = contexts.error;
      const missing = isNodeDoctorError(error) && error.reason === 'not-found' && !this.explicitKubeconfig();
      if (missing && !local) {
        this.log.info('No kubeconfig and no local container runtime: showing the welcome view.');
        this.setTreeState('noKubeconfig');
        return { elements: [], clusters };
      }
      if (!missing) {
        this.log.warn(`Reading the kubeconfig failed: ${describeError(error)}`);
        const info = errorInfo(error);
        elements.push(messageElement(undefined, 'kubeconfig', 'error', info.message, info.hint ?? 'Check the file with kubectl config view.', { command: 'kubeNodeDoctor.chooseKubeconfig', title: 'Choose Kubeconfig File…' }));
      }
    }
    this.setTreeState('ready');
    return { elements, local, clusters };
  }

  private explicitKubeconfig(): boolean {
    return this.options.explicitKubeconfig?.() ?? readNodeSettings().kubeconfig !== undefined;
  }

  private loadCluster(context: string): Promise<ClusterNodes> {
    let load = this.clusterLoads.get(context);
    if (!load) {
      const started = Date.now();
      load = this.doctor()
        .then((doctor) => doctor.listNodes(context, this.lifetime.signal))
        .then((list): ClusterNodes => {
          const nodes = sortNodes(list.nodes);
          this.log.info(`context ${context}: ${nodes.length} nodes listed in ${list.pages} page(s), ${Date.now() - started} ms`);
          return { nodes, byName: new Map(nodes.map((n) => [n.name, n])) };
        }, (error: unknown): ClusterNodes => {
          this.log.warn(`Listing the nodes of context ${context} failed: ${describeError(error)}`);
          return { error: errorInfo(error) };
        });
      const current = load;
      this.clusterLoads.set(context, current);
      void current.then((state) => {
        if (this.clusterLoads.get(context) === current) this.clusters.set(context, state);
      });
    }
    return load;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Inspection

  private nodeState(ref: NodeRef): NodeState {
    const key = nodeKey(ref);
    let state = this.nodes.get(key);
    if (!state) {
      state = { ref, inspecting: false, stale: false };
      this.nodes.set(key, state);
    }
    return state;
  }

  /** Adopts an inventory the NodeDoctor read for another caller (the report, a repair's re-read). */
  private syncFromDoctor(state: NodeState): void {
    const inventory = this.doctorValue?.inventory(state.ref);
    if (!inventory || state.run || inventory === state.content?.inventory) return;
    state.content = buildNodeContent(state.ref, inventory);
    state.error = undefined;
    state.stale = false;
  }

  private syncAllFromDoctor(): void {
    for (const state of this.nodes.values()) this.syncFromDoctor(state);
  }

  /** One inspection per node at a time; `notify` adds the cancellable notification (user-initiated inspections). */
  private runInspection(ref: NodeRef, notify: boolean): Promise<Inventory | undefined> {
    const state = this.nodeState(ref);
    if (state.run) return state.run;
    const controller = new AbortController();
    state.controller = controller;
    state.inspecting = true;
    state.progress = undefined;
    state.stale = false;
    const run = this.readNode(state, controller, notify).finally(() => {
      state.run = undefined;
      state.controller = undefined;
      state.inspecting = false;
      state.progress = undefined;
      if (state.progressTimer) clearTimeout(state.progressTimer);
      state.progressTimer = undefined;
      this.fireNode(ref);
    });
    state.run = run;
    this.fireNode(ref);
    return run;
  }

  private async readNode(state: NodeState, controller: AbortController, notify: boolean): Promise<Inventory | undefined> {
    const ref = state.ref;
    const name = describeNode(ref);
    const started = Date.now();
    const onLifetimeAbort = (): void => controller.abort();
    this.lifetime.signal.addEventListener('abort', onLifetimeAbort, { once: true });
    this.log.info(`inspecting ${name}${notify ? '' : ' (refresh)'}`);
    try {
      const doctor = await this.doctor();
      const read = (report?: (message: string) => void): Promise<Inventory> => doctor.inspect(ref, {
        signal: controller.signal,
        onProgress: (message) => {
          state.progress = message;
          report?.(message);
          this.fireNodeSoon(state);
        },
      });
      const inventory = await vscode.window.withProgress({ location: { viewId: NODES_VIEW_ID } }, () => (notify
        ? vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Inspecting ${name}`, cancellable: true }, async (progress, token) => {
          const subscription = token.onCancellationRequested(() => controller.abort());
          try {
            return await read((message) => progress.report({ message }));
          } finally {
            subscription.dispose();
          }
        })
        : read()));
      state.content = buildNodeContent(ref, inventory);
      state.error = undefined;
      const c = inventory.counts;
      this.log.info(`inspected ${name} in ${Date.now() - started} ms: ${inventory.findings.length} findings, ${c.sandboxes} sandboxes, ${c.containers} containers, ${c.cacheFiles} cache files`);
      return inventory;
    } catch (error) {
      if (controller.signal.aborted || (isNodeDoctorError(error) && error.reason === 'cancelled')) {
        this.log.info(`inspecting ${name}: cancelled`);
        return undefined;
      }
      state.error = errorInfo(error);
      this.log.error(`inspecting ${name} failed: ${describeError(error)}${state.error.hint ? ` (${state.error.hint})` : ''}`, error instanceof Error && error.stack ? redact(error.stack) : '');
      return undefined;
    } finally {
      this.lifetime.signal.removeEventListener('abort', onLifetimeAbort);
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Elements and change events

  private presentation(): PresentationContext {
    return {
      nowMs: Date.now(),
      pageSize: this.pageSize,
      nodeView: (ref) => this.nodes.get(nodeKey(ref)),
      nodeElement: (ref) => this.nodeElementFor(ref),
      hasRepairSteps: (ref, findingId) => this.doctorValue?.hasRepairSteps?.(ref, findingId) ?? true,
    };
  }

  /** The node element as last rendered (or built from the listed summary). */
  private nodeElementFor(ref: NodeRef): NodeTreeElement {
    const rendered = this.rendered.get(nodeId(ref));
    if (rendered?.kind === 'node') return rendered;
    return nodeElement(ref, ref.kind === 'bridge' ? this.clusters.get(ref.context)?.byName?.get(ref.node) : undefined);
  }

  /** The rendered object with the element's id, if VS Code has it, else the element itself. */
  private live<T extends TreeElement>(element: T | undefined): T | undefined {
    if (!element) return undefined;
    const rendered = this.rendered.get(element.id);
    return rendered && rendered.kind === element.kind ? (rendered as T) : element;
  }

  private fireId(id: string): void {
    const element = this.rendered.get(id);
    if (element) this.changed.fire(element);
  }

  private fireNode(ref: NodeRef): void {
    this.fireId(nodeId(ref));
  }

  /** Progress messages redraw the "Inspecting…" item (not the node's subtree) at most four times a second. */
  private fireNodeSoon(state: NodeState): void {
    if (state.progressTimer) return;
    state.progressTimer = setTimeout(() => {
      state.progressTimer = undefined;
      if (state.inspecting) this.fireId(inspectElement(state.ref).id);
    }, 250);
  }

  /** Grows a parent's page so that child `index` is shown. */
  private ensureShown(parentId: string, total: number, index: number): void {
    const current = visibleCount(total, this.shown.get(parentId), this.pageSize);
    if (index < current) return;
    this.shown.set(parentId, Math.min(total, shownToInclude(index, this.pageSize)));
    this.fireId(parentId);
  }
}
