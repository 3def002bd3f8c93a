import type { KubeRequester } from '../cluster/kubeApi';
import { listNodes } from '../cluster/nodes';
import type { NodeCondition, NodeSummary } from '../cluster/nodes';
import { plural } from '../model/plural';

/**
 * The NodeConditions the `npd-check` plugin makes node-problem-detector write (NPD polarity: True = problem). Reason and
 * message come from the plugin's one-line summary; NPD sets `lastTransitionTime` on each change of status.
 */
export const NODE_DOCTOR_CONDITIONS = ['CNICacheCorrupt', 'SandboxBacklog', 'OrphanContainers', 'StuckSandbox'] as const;

export type NodeDoctorConditionType = (typeof NODE_DOCTOR_CONDITIONS)[number];

export function isNodeDoctorCondition(type: string): type is NodeDoctorConditionType {
  return (NODE_DOCTOR_CONDITIONS as readonly string[]).includes(type);
}

export interface DoctorCondition {
  readonly type: NodeDoctorConditionType;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason?: string;
  readonly message?: string;
  readonly lastTransitionTime?: string;
}

/** One node as the cluster view shows it: its Node Doctor conditions, or that the plugin does not report there. */
export interface NodeHealth {
  readonly node: string;
  /** The node's `Ready` condition (undefined: Unknown or absent). */
  readonly ready: boolean | undefined;
  /** `not-installed`: none of the four condition types is on the node (NPD without the plugin, or no NPD at all). */
  readonly plugin: 'installed' | 'not-installed';
  /** In NODE_DOCTOR_CONDITIONS order; only the types present on the node. */
  readonly conditions: readonly DoctorCondition[];
  /** Conditions with status True. */
  readonly problems: readonly DoctorCondition[];
  /** Conditions with status Unknown (the plugin could not tell: runtime unreachable, timeout). */
  readonly unknown: readonly DoctorCondition[];
}

function conditionStatus(status: string): DoctorCondition['status'] {
  return status === 'True' || status === 'False' ? status : 'Unknown';
}

/** The Node Doctor view of one node, from the conditions in its Node object. */
export function nodeHealth(node: Pick<NodeSummary, 'name' | 'ready' | 'conditions'>): NodeHealth {
  const byType = new Map<string, NodeCondition>(node.conditions.map((c) => [c.type, c]));
  const conditions: DoctorCondition[] = [];
  for (const type of NODE_DOCTOR_CONDITIONS) {
    const c = byType.get(type);
    if (!c) continue;
    conditions.push({
      type, status: conditionStatus(c.status),
      ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}),
      ...(c.lastTransitionTime ? { lastTransitionTime: c.lastTransitionTime } : {}),
    });
  }
  return {
    node: node.name, ready: node.ready, plugin: conditions.length > 0 ? 'installed' : 'not-installed', conditions,
    problems: conditions.filter((c) => c.status === 'True'), unknown: conditions.filter((c) => c.status === 'Unknown'),
  };
}

export interface ClusterHealthSummary {
  readonly nodes: number;
  /** Nodes with at least one condition True. */
  readonly withFindings: number;
  /** Nodes with no True condition but at least one Unknown. */
  readonly unknown: number;
  /** Nodes where none of the four types is present. */
  readonly withoutPlugin: number;
  /** One line: `3 nodes with findings · 1 unknown · 12 without the plugin (of 300)`. */
  readonly text: string;
}

export function summarizeHealth(nodes: readonly NodeHealth[]): ClusterHealthSummary {
  const withFindings = nodes.filter((n) => n.problems.length > 0).length;
  const unknown = nodes.filter((n) => n.problems.length === 0 && n.unknown.length > 0).length;
  const withoutPlugin = nodes.filter((n) => n.plugin === 'not-installed').length;
  const parts = [`${plural(withFindings, 'node')} with findings`];
  if (unknown > 0) parts.push(`${unknown} unknown`);
  if (withoutPlugin > 0) parts.push(withoutPlugin === nodes.length ? 'plugin not installed' : `${withoutPlugin} without the plugin`);
  return { nodes: nodes.length, withFindings, unknown, withoutPlugin, text: `${parts.join(' · ')} (of ${plural(nodes.length, 'node')})` };
}

export interface ClusterHealth {
  readonly nodes: readonly NodeHealth[];
  readonly summary: ClusterHealthSummary;
  /** Pages of the node list (one request each). */
  readonly pages: number;
}

/**
 * Every node's Node Doctor conditions from one paginated node list (`limit` / `continue`): what NPD wrote, read through
 * the API alone (no bridge pod, nothing on the nodes).
 */
export async function readClusterHealth(api: KubeRequester, options: { pageSize?: number; labelSelector?: string; signal?: AbortSignal } = {}): Promise<ClusterHealth> {
  const list = await listNodes(api, options);
  const nodes = list.nodes.map(nodeHealth);
  return { nodes, summary: summarizeHealth(nodes), pages: list.pages };
}

/** A short badge for a node (tree description): `2 problems`, `unknown`, `ok`, `no plugin`. */
export function healthBadge(health: NodeHealth): string {
  if (health.plugin === 'not-installed') return 'plugin not installed';
  if (health.problems.length > 0) return health.problems.map((c) => c.type).join(', ');
  if (health.unknown.length > 0) return `unknown: ${health.unknown.map((c) => c.type).join(', ')}`;
  return 'no findings';
}

/** A node's badge in the Nodes view: only when NPD reports something there (True, Unknown), or lacks the plugin where others have it. */
export interface HealthBadge {
  readonly text: string;
  readonly tooltip: string;
}

/**
 * What the Nodes view shows of a context's Node Doctor conditions, from the node list it already has: the context's
 * summary line and a badge per node that needs one (none for a node whose four conditions are False).
 */
export function treeHealth(nodes: readonly Pick<NodeSummary, 'name' | 'ready' | 'conditions'>[]): { summary: string; badges: ReadonlyMap<string, HealthBadge> } {
  const health = nodes.map(nodeHealth);
  const summary = summarizeHealth(health);
  const anyPlugin = summary.withoutPlugin < health.length;
  const badges = new Map<string, HealthBadge>();
  for (const h of health) {
    const line = (c: DoctorCondition): string => `${c.type} ${c.status}${c.message ? `: ${c.message}` : ''}${c.lastTransitionTime ? ` (since ${c.lastTransitionTime})` : ''}`;
    if (h.problems.length > 0) {
      const more = h.problems.length > 1 ? ` +${h.problems.length - 1}` : '';
      badges.set(h.node, { text: `NPD: ${h.problems[0].type}${more}`, tooltip: `node-problem-detector (Node Doctor plugin): ${[...h.problems, ...h.unknown].map(line).join('; ')}` });
    } else if (h.unknown.length > 0) {
      badges.set(h.node, { text: 'NPD: unknown', tooltip: `node-problem-detector (Node Doctor plugin) could not tell: ${h.unknown.map(line).join('; ')}` });
    } else if (h.plugin === 'not-installed' && anyPlugin) {
      badges.set(h.node, { text: 'NPD: plugin not installed', tooltip: 'None of CNICacheCorrupt, SandboxBacklog, OrphanContainers, StuckSandbox is on this node: the npd-check plugin does not run here.' });
    }
  }
  const text = anyPlugin ? summary.text : `Node Doctor plugin not installed (${plural(health.length, 'node')})`;
  return { summary: text, badges };
}
