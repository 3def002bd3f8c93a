// What a presenter makes of a tree element, as plain data (no vscode import): treeItems.ts maps an ItemSpec onto a
// vscode.TreeItem; unit tests assert on ItemSpecs in plain Node.
import type { NodeRef } from '../../../core/session/nodeRef';
import type { ContextValue } from '../contextValues';
import type { NodeContent, NodeTreeElement } from '../treeContent';
import type { CommandSpec, TreeElement } from '../treeModel';

export type { CommandSpec } from '../treeModel';

export interface IconSpec {
  /** A codicon id, e.g. `vm-active`, `loading~spin`. */
  readonly id: string;
  /** A theme color id, e.g. `charts.red`. */
  readonly color?: string;
}

export interface ItemSpec {
  /** The object: a pod, a short ID, a network, a node. */
  readonly label: string;
  /** Its state and size, short. */
  readonly description?: string;
  /** Markdown (user text escaped): the full sentence and the details. */
  readonly tooltip?: string;
  /** What a screen reader says: the label, the description and, for findings, the severity. */
  readonly accessibilityLabel: string;
  readonly contextValue: ContextValue;
  readonly icon?: IconSpec;
  readonly collapsible: 'none' | 'collapsed' | 'expanded';
  readonly command?: CommandSpec;
}

/** What the tree knows about one node besides its element. */
export interface NodeView {
  /** The last inventory read (from the inventory store), grouped and sorted. */
  readonly content?: NodeContent;
  /** When that inventory was read (epoch ms). */
  readonly readAt?: number;
  readonly inspecting: boolean;
  /** The inspector's last progress message while inspecting. */
  readonly progress?: string;
  /** The last inspection's failure (cleared by a successful one). */
  readonly error?: { readonly message: string; readonly hint?: string };
  /** Why the content is older than the node (a repair ran, Refresh All): it is re-read when the node is expanded. */
  readonly staleReason?: string;
  /** The local node's runtime endpoint. */
  readonly endpoint?: string;
  /**
   * A short per-node badge another view or part contributes (e.g. the fleet view's "2 errors"), shown first in the
   * description; and its sentence for the tooltip.
   */
  readonly badge?: { readonly text: string; readonly tooltip?: string };
}

export interface PresentationContext {
  readonly nowMs: number;
  readonly pageSize: number;
  nodeView(ref: NodeRef): NodeView | undefined;
  /** The node element of a ref (the argument of "Inspect node" and "Retry"). */
  nodeElement(ref: NodeRef): NodeTreeElement;
  /** Whether the finding's plan has a step now (no Repair entry when it has none); true when unknown. */
  hasRepairSteps?(ref: NodeRef, findingId: string): boolean;
  /** A per-context summary another part contributes (e.g. the fleet view's "3 of 40 nodes with findings"). */
  clusterSummary?(context: string): string | undefined;
}

/** One presenter per element kind. */
export type Presenter<K extends TreeElement['kind']> = (element: Extract<TreeElement, { readonly kind: K }>, ctx: PresentationContext) => ItemSpec;

export const INSPECT_COMMAND = 'kubeNodeDoctor.inspectNode';
export const LOAD_MORE_COMMAND = 'kubeNodeDoctor.loadMore';
export const OPEN_FINDING_COMMAND = 'kubeNodeDoctor.openFinding';
export const CHOOSE_KUBECONFIG_COMMAND = 'kubeNodeDoctor.chooseKubeconfig';
