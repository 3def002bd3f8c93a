import * as vscode from 'vscode';
import { withProgress } from '../progress';
import type { Inventory } from '../../core/inventory/types';
import type { NodeRef } from '../../core/session/nodeRef';
import { readNodeSettings, readRepairSettings, readTreePageSize, SECTION } from '../config';
import { toTreeItem } from './treeItems';
import { dryRunTitle, present } from './treeLabels';
import type { TreeController, TreeElement } from './treeModel';
import type { TreeDoctor, TreeLog } from './treeState';
import { TreeState } from './treeState';
import type { GroupElement } from './treeContent';
import { groupIdsText } from './treeContent';
import { NODES_VIEW_ID } from './viewIds';

const TREE_STATE_KEY = 'kubeNodeDoctor.treeState';
const DRY_RUN_SETTING = `${SECTION}.repair.dryRun`;

export interface TreeEngine {
  nodeDoctor(): Promise<TreeDoctor>;
}

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

/**
 * The "Nodes" sidebar: the thin vscode layer over TreeState (treeState.ts, plain Node), which holds what each level
 * shows and derives inspected nodes from the NodeDoctor's inventory store. Owns its TreeView. Failures show as message
 * rows with action rows under them, never as pop-ups; only an inspection the user asked for shows a (cancellable)
 * notification. The view's title says DRY RUN while dry run is on.
 */
export class NodeTreeProvider implements vscode.TreeDataProvider<TreeElement>, TreeController, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeElement | undefined>();
  readonly onDidChangeTreeData: vscode.Event<TreeElement | undefined> = this.changed.event;
  readonly view: vscode.TreeView<TreeElement>;
  readonly state: TreeState;
  private readonly subscriptions: vscode.Disposable[] = [];
  private mode: string | undefined;
  private readonly baseTitle: string;

  constructor(engine: TreeEngine, log: TreeLog, options: NodeTreeOptions = {}) {
    this.state = new TreeState({
      doctor: () => engine.nodeDoctor(),
      log,
      pageSize: options.pageSize ?? readTreePageSize,
      explicitKubeconfig: options.explicitKubeconfig ?? (() => readNodeSettings().kubeconfig !== undefined),
      progress: (title, notify, abort, run) => Promise.resolve(vscode.window.withProgress({ location: { viewId: NODES_VIEW_ID } }, () => (notify
        ? withProgress({ title }, (signal, report) => {
          signal.addEventListener('abort', abort, { once: true });
          return run((message) => report(message));
        })
        : run(() => undefined)))),
    });
    this.view = options.attachView?.(this) ?? vscode.window.createTreeView(NODES_VIEW_ID, { treeDataProvider: this, showCollapseAll: true });
    this.baseTitle = this.view.title ?? 'Nodes';
    const changes = this.state.onDidChange((element) => this.changed.fire(element));
    const modes = this.state.onDidChangeMode((mode) => {
      if (this.mode === mode) return;
      this.mode = mode;
      void vscode.commands.executeCommand('setContext', TREE_STATE_KEY, mode);
    });
    this.showDryRun();
    this.subscriptions.push(
      { dispose: () => { changes.dispose(); modes.dispose(); } },
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration(DRY_RUN_SETTING)) this.showDryRun();
      }),
    );
  }

  /**
   * DRY RUN in the view's title: VS Code hides a view's `description` when the view is alone in its container (its
   * header merges into the container's title, "NODE DOCTOR: NODES"), while the title shows in both layouts.
   */
  private showDryRun(): void {
    this.view.title = dryRunTitle(this.baseTitle, readRepairSettings().dryRun);
  }

  getTreeItem(element: TreeElement): vscode.TreeItem {
    return toTreeItem(element.id, present(element, this.state.presentation()));
  }

  getChildren(element?: TreeElement): Promise<TreeElement[]> {
    return this.state.children(element);
  }

  getParent(element: TreeElement): TreeElement | undefined {
    return this.state.parent(element);
  }

  refreshAll(): void {
    this.state.refreshAll();
  }

  refreshNode(ref: NodeRef): Promise<void> {
    return this.state.refreshNode(ref);
  }

  inspect(ref: NodeRef): Promise<Inventory | undefined> {
    return this.state.inspect(ref, true);
  }

  async revealSandbox(ref: NodeRef, sandboxId: string): Promise<void> {
    const element = await this.state.locateSandbox(ref, sandboxId);
    if (element) await this.view.reveal(element, { select: true, focus: true, expand: false });
  }

  loadMore(element: Extract<TreeElement, { readonly kind: 'more' }>): void {
    this.state.loadMore(element);
  }

  knownNodes(): readonly NodeRef[] {
    return this.state.knownNodes();
  }

  groupIds(group: GroupElement): { text: string; what: string; count: number } | undefined {
    const content = this.state.content(group.ref);
    return content ? groupIdsText(content, group) : undefined;
  }

  dispose(): void {
    this.state.dispose();
    for (const s of this.subscriptions) s.dispose();
    this.view.dispose();
    this.changed.dispose();
  }
}
