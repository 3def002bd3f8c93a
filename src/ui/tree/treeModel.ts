// The sidebar's elements, as plain data (no vscode import: the tree bench and unit tests build them in plain Node).
// src/ui/tree/nodeTreeProvider.ts turns them into TreeItems; commands receive them as their first argument.
import type { ContextInfo } from '../../core/cluster/kubeconfig';
import type { NodeSummary } from '../../core/cluster/nodes';
import type { CacheEntry, ContainerItem, Finding, Inventory, SandboxItem } from '../../core/inventory/types';
import type { NodeRef } from '../../core/session/nodeRef';

export type GroupKind = 'findings' | 'sandboxes' | 'containers' | 'cniCache';

/** A command a row runs when clicked (or an action row under a message). */
export interface CommandSpec {
  readonly command: string;
  readonly title: string;
  readonly arguments?: readonly unknown[];
}
/** What a CNI cache file is, as the tree shows it. */
export type CacheStatus = 'valid' | 'empty' | 'corrupt' | 'orphaned';

export type TreeElement =
  | { readonly kind: 'cluster'; readonly id: string; readonly context: ContextInfo; readonly current: boolean }
  | { readonly kind: 'node'; readonly id: string; readonly ref: NodeRef; readonly summary?: NodeSummary }
  /** A group under an inspected node; `subgroup` splits containers by state (`running`, `exited`, `orphans`, ...). */
  | { readonly kind: 'group'; readonly id: string; readonly ref: NodeRef; readonly group: GroupKind; readonly subgroup?: string; readonly label: string }
  | { readonly kind: 'finding'; readonly id: string; readonly ref: NodeRef; readonly finding: Finding }
  | { readonly kind: 'sandbox'; readonly id: string; readonly ref: NodeRef; readonly sandbox: SandboxItem; readonly badCache: boolean }
  | { readonly kind: 'container'; readonly id: string; readonly ref: NodeRef; readonly container: ContainerItem; readonly orphaned: boolean }
  | { readonly kind: 'cniCache'; readonly id: string; readonly ref: NodeRef; readonly entry: CacheEntry; readonly status: CacheStatus }
  /** "Inspect node" placeholder under a node not read yet. */
  | { readonly kind: 'inspect'; readonly id: string; readonly ref: NodeRef }
  /**
   * A failure or an empty state shown inside the tree. Its next steps (`actions`: Retry, Open Settings, …) are shown as
   * action rows under it, never as an invisible click on the message itself.
   */
  | { readonly kind: 'message'; readonly id: string; readonly text: string; readonly detail?: string; readonly severity: 'info' | 'warning' | 'error'; readonly actions?: readonly CommandSpec[] }
  /** One next step under a message ("Retry", "Open Settings"): a row that runs its command when clicked. */
  | { readonly kind: 'action'; readonly id: string; readonly parentId: string; readonly action: CommandSpec; readonly icon: string }
  /** "Add Kubeconfig…" when no cluster is configured (the local node is shown without one). */
  | { readonly kind: 'addKubeconfig'; readonly id: string }
  /** "Show more" at the end of a page. */
  | { readonly kind: 'more'; readonly id: string; readonly parentId: string; readonly shown: number; readonly total: number };

/** Elements that belong to one node (commands on them know which node to act on). */
export type NodeElement = Extract<TreeElement, { readonly ref: NodeRef }>;

export function hasNodeRef(element: TreeElement): element is NodeElement {
  return 'ref' in element;
}

/** What the commands ask of the tree (implemented by NodeTreeProvider). */
export interface TreeController {
  refreshAll(): void;
  /** Re-reads an inspected node (or shows "Inspect node" again for one never read). */
  refreshNode(ref: NodeRef): Promise<void>;
  /** Reads a node's inventory with progress and cancellation; undefined when cancelled or failed (the failure shows in the tree). */
  inspect(ref: NodeRef): Promise<Inventory | undefined>;
  /** Expands the node and selects the sandbox (or its cache file). */
  revealSandbox(ref: NodeRef, sandboxId: string): Promise<void>;
  loadMore(element: Extract<TreeElement, { readonly kind: 'more' }>): void;
  /** Nodes listed in the tree right now (for "Find on node" when no inventory holds the sandbox). */
  knownNodes(): readonly NodeRef[];
  /** Copy IDs on a group: every item's full ID (or path), one per line; undefined when the node has no inventory. */
  groupIds(group: Extract<TreeElement, { readonly kind: 'group' }>): { text: string; what: string; count: number } | undefined;
}
