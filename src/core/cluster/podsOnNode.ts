import type { KubeRequester } from './kubeApi';

/** A pod as the stuck-sandbox check needs it: who it is, and whether (and when) it was deleted. */
export interface NodePod {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  /** When the pod is to be gone: set on delete to the delete time plus the grace period. */
  readonly deletionTimestamp?: string;
  readonly deletionGracePeriodSeconds?: number;
  /** A mirror pod's `kubernetes.io/config.mirror` annotation: the UID of the static pod the runtime knows. */
  readonly mirrorOf?: string;
  readonly phase?: string;
}

interface WirePod {
  metadata?: { uid?: string; namespace?: string; name?: string; deletionTimestamp?: string; deletionGracePeriodSeconds?: number; annotations?: Record<string, string> };
  status?: { phase?: string };
}

interface WirePodList {
  metadata?: { continue?: string };
  items?: WirePod[];
}

export const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

/** Every pod the API has scheduled on `node` (field selector `spec.nodeName`, all namespaces), page by page. */
export async function listPodsOnNode(api: KubeRequester, node: string, options: { signal?: AbortSignal; pageSize?: number } = {}): Promise<NodePod[]> {
  const pods: NodePod[] = [];
  let token: string | undefined;
  do {
    const page = await api.request<WirePodList>({
      method: 'GET', path: '/api/v1/pods',
      query: { fieldSelector: `spec.nodeName=${node}`, limit: options.pageSize ?? 500, continue: token },
      signal: options.signal,
    });
    for (const item of page.items ?? []) {
      const m = item.metadata ?? {};
      pods.push({
        uid: m.uid ?? '', namespace: m.namespace ?? '', name: m.name ?? '',
        ...(m.deletionTimestamp ? { deletionTimestamp: m.deletionTimestamp } : {}),
        ...(m.deletionGracePeriodSeconds !== undefined ? { deletionGracePeriodSeconds: m.deletionGracePeriodSeconds } : {}),
        ...(m.annotations?.[MIRROR_ANNOTATION] ? { mirrorOf: m.annotations[MIRROR_ANNOTATION] } : {}),
        ...(item.status?.phase ? { phase: item.status.phase } : {}),
      });
    }
    token = page.metadata?.continue || undefined;
  } while (token);
  return pods;
}

/**
 * One API list of the node's pods per node target, shared by the inventory (its namespace/UID split of the runtime's
 * lists) and the stuck-sandbox check: the first caller's request is the one both use.
 */
export function sharedPodsOnNode(api: KubeRequester, node: string): (signal?: AbortSignal) => Promise<NodePod[]> {
  let pending: Promise<NodePod[]> | undefined;
  return (signal) => {
    pending ??= listPodsOnNode(api, node, { signal });
    return pending;
  };
}

/** The pods that name a namespace, a name and a UID: what the inventory can split the runtime's lists by. */
export function podIdentities(pods: readonly NodePod[]): NodePod[] {
  return pods.filter((pod) => pod.uid !== '' && pod.namespace !== '' && pod.name !== '');
}
