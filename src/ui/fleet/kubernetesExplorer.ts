// The Kubernetes extension (ms-kubernetes-tools.vscode-kubernetes-tools) plug-in: Node Doctor findings under each Node of
// its Cluster Explorer. Reached the way its npm package `vscode-kubernetes-tools-api` does (getExtension → activate() →
// the API broker's get('clusterexplorer', 'v1')), without that package and without importing the extension: when it is
// not installed nothing here runs. The interfaces below are the subset of `cluster-explorer/v1.ts` used here.
import * as vscode from 'vscode';
import type { ExplorerItem } from '../../core/fleet/explorerItems';

export const KUBERNETES_EXTENSION_ID = 'ms-kubernetes-tools.vscode-kubernetes-tools';
/** The Cluster Explorer's view id (for `when` clauses and the activation event). */
export const KUBERNETES_EXPLORER_VIEW = 'extension.vsKubernetesExplorer';

export interface ExplorerResourceNode {
  readonly nodeType: 'resource';
  readonly name: string;
  readonly resourceKind: { readonly manifestKind: string; readonly abbreviation: string };
}
export type ExplorerNode = ExplorerResourceNode | { readonly nodeType: string; readonly name?: string };

interface ContributedNode {
  getChildren(): Promise<ContributedNode[]>;
  getTreeItem(): vscode.TreeItem;
}

export interface ClusterExplorerV1 {
  resolveCommandTarget(target?: unknown): ExplorerNode | undefined;
  registerNodeContributor(contributor: { contributesChildren(parent: ExplorerNode | undefined): boolean; getChildren(parent: ExplorerNode | undefined): Promise<ContributedNode[]> }): void;
  refresh(): void;
}

interface ApiBroker {
  get(component: string, version: string): { readonly available: true; readonly api: unknown } | { readonly available: false; readonly reason: string };
}

/** A Node resource of the Cluster Explorer, by the documented shape (nodeType resource, manifestKind Node). */
export function isNodeResource(node: ExplorerNode | undefined): node is ExplorerResourceNode {
  return node?.nodeType === 'resource' && (node as ExplorerResourceNode).resourceKind?.manifestKind === 'Node' && typeof (node as ExplorerResourceNode).name === 'string';
}

/** The Cluster Explorer API v1, or undefined (extension not installed, or its API does not offer v1). Activates the extension. */
export async function clusterExplorerApi(): Promise<ClusterExplorerV1 | undefined> {
  const extension = vscode.extensions.getExtension<ApiBroker>(KUBERNETES_EXTENSION_ID);
  if (!extension) return undefined;
  const broker = await extension.activate();
  const answer = broker?.get?.('clusterexplorer', 'v1');
  return answer?.available ? (answer.api as ClusterExplorerV1) : undefined;
}

function icon(kind: ExplorerItem['icon']): vscode.ThemeIcon {
  switch (kind) {
    case 'error': return new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
    case 'warning': return new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
    case 'pass': return new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
    default: return new vscode.ThemeIcon(kind);
  }
}

function contributed(item: ExplorerItem): ContributedNode {
  return {
    getChildren: () => Promise.resolve([]),
    getTreeItem: () => {
      const tree = new vscode.TreeItem(item.label, vscode.TreeItemCollapsibleState.None);
      tree.description = item.description;
      tree.tooltip = item.tooltip;
      tree.contextValue = item.contextValue;
      tree.iconPath = icon(item.icon);
      return tree;
    },
  };
}

/**
 * Registers the node contributor when the Kubernetes extension is installed; resolves to whether it did. `children`
 * starts the node part on first use (expanding a Node), so activation pays nothing for it.
 */
export async function connectKubernetesExplorer(children: (node: string) => Promise<readonly ExplorerItem[]>, log: vscode.LogOutputChannel): Promise<ClusterExplorerV1 | undefined> {
  let api: ClusterExplorerV1 | undefined;
  try {
    api = await clusterExplorerApi();
  } catch (error) {
    log.warn(`the Kubernetes extension's API could not be read: ${String(error)}`);
    return undefined;
  }
  if (!api) return undefined;
  api.registerNodeContributor({
    contributesChildren: (parent) => isNodeResource(parent),
    getChildren: async (parent) => {
      if (!isNodeResource(parent)) return [];
      try {
        return (await children(parent.name)).map(contributed);
      } catch (error) {
        log.warn(`Node Doctor findings for node ${parent.name}: ${String(error)}`);
        return [contributed({ label: 'Node Doctor: could not read the node', tooltip: String(error), contextValue: 'nodeDoctor.info', icon: 'info' })];
      }
    },
  });
  log.info('Node Doctor findings contributed to the Kubernetes extension\'s Cluster Explorer');
  return api;
}
