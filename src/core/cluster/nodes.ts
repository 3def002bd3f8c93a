import type { KubeRequester } from './kubeApi';
import { requireValidName } from './names';

export interface NodeCondition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
  /** RFC 3339, when the condition last changed status (node-problem-detector sets it on each transition). */
  readonly lastTransitionTime?: string;
}

export interface NodeTaint {
  readonly key: string;
  readonly value?: string;
  readonly effect: string;
}

export interface NodeSummary {
  readonly name: string;
  readonly uid: string;
  /** `Ready` condition: true/false, undefined when the node reports none (Unknown). */
  readonly ready: boolean | undefined;
  readonly conditions: readonly NodeCondition[];
  readonly kubeletVersion: string;
  readonly containerRuntimeVersion: string;
  readonly osImage: string;
  readonly kernelVersion: string;
  readonly taints: readonly NodeTaint[];
  readonly unschedulable: boolean;
  readonly internalIp?: string;
  /** From `node-role.kubernetes.io/<role>` labels (and the older `kubernetes.io/role`), sorted; empty when none. */
  readonly roles?: readonly string[];
}

interface WireNode {
  metadata?: { name?: string; uid?: string; labels?: Record<string, string> };
  spec?: { taints?: NodeTaint[]; unschedulable?: boolean };
  status?: {
    conditions?: NodeCondition[];
    nodeInfo?: { kubeletVersion?: string; containerRuntimeVersion?: string; osImage?: string; kernelVersion?: string };
    addresses?: { type: string; address: string }[];
  };
}

interface WireNodeList {
  metadata?: { continue?: string };
  items?: WireNode[];
}

export interface ListNodesOptions {
  /** Page size sent as `limit` (default 500, kubectl's chunk size). */
  readonly pageSize?: number;
  /** Sent as `labelSelector`: the API server filters (e.g. `node-role.kubernetes.io/worker`, `pool in (a,b)`). */
  readonly labelSelector?: string;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

export interface NodeList {
  readonly nodes: NodeSummary[];
  readonly pages: number;
}

const ROLE_PREFIX = 'node-role.kubernetes.io/';

function nodeRoles(labels: Readonly<Record<string, string>> | undefined): string[] {
  const roles = new Set<string>();
  for (const key of Object.keys(labels ?? {})) if (key.startsWith(ROLE_PREFIX) && key.length > ROLE_PREFIX.length) roles.add(key.slice(ROLE_PREFIX.length));
  const legacy = labels?.['kubernetes.io/role'];
  if (legacy) roles.add(legacy);
  return [...roles].sort();
}

function toSummary(node: WireNode): NodeSummary {
  const conditions = (node.status?.conditions ?? []).map((c) => ({
    type: c.type, status: c.status, reason: c.reason, message: c.message, ...(c.lastTransitionTime ? { lastTransitionTime: c.lastTransitionTime } : {}),
  }));
  const ready = conditions.find((c) => c.type === 'Ready');
  const info = node.status?.nodeInfo ?? {};
  return {
    name: node.metadata?.name ?? '',
    uid: node.metadata?.uid ?? '',
    ready: ready === undefined || ready.status === 'Unknown' ? undefined : ready.status === 'True',
    conditions,
    kubeletVersion: info.kubeletVersion ?? '',
    containerRuntimeVersion: info.containerRuntimeVersion ?? '',
    osImage: info.osImage ?? '',
    kernelVersion: info.kernelVersion ?? '',
    taints: (node.spec?.taints ?? []).map((t) => ({ key: t.key, value: t.value, effect: t.effect })),
    unschedulable: node.spec?.unschedulable === true,
    internalIp: node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address,
    roles: nodeRoles(node.metadata?.labels),
  };
}

/** Lists every node, page by page (`limit` / `continue`), so 5,000-node clusters never come back as one huge answer. */
export async function listNodes(api: KubeRequester, options: ListNodesOptions = {}): Promise<NodeList> {
  const nodes: NodeSummary[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await api.request<WireNodeList>({
      method: 'GET', path: '/api/v1/nodes', query: { limit: options.pageSize ?? 500, continue: token, labelSelector: options.labelSelector },
      signal: options.signal, timeoutMs: options.timeoutMs,
    });
    pages += 1;
    for (const item of page.items ?? []) nodes.push(toSummary(item));
    token = page.metadata?.continue || undefined;
  } while (token);
  return { nodes, pages };
}

/** One node by name. */
export async function getNode(api: KubeRequester, name: string, signal?: AbortSignal): Promise<NodeSummary> {
  return toSummary(await api.request<WireNode>({ method: 'GET', path: `/api/v1/nodes/${encodeURIComponent(requireValidName('node', name))}`, signal }));
}
