import type { PodIdentity } from '../inventory/discovery';
import type { KubeApi } from './kubeApi';

interface WirePodList {
  metadata?: { continue?: string };
  items?: { metadata?: { name?: string; namespace?: string; uid?: string } }[];
}

/**
 * The API's pods on one node (server-side field selector `spec.nodeName`, paged), as namespace/name/UID: the
 * inventory splits the runtime's lists by these namespaces and UIDs. Needs `list pods` in all namespaces; without it
 * the call fails and the inventory records the source as unreadable.
 */
export async function listPodIdentitiesOnNode(api: KubeApi, node: string, signal?: AbortSignal): Promise<PodIdentity[]> {
  const out: PodIdentity[] = [];
  let next: string | undefined;
  do {
    const page: WirePodList = await api.request<WirePodList>({
      method: 'GET', path: '/api/v1/pods', signal,
      query: { fieldSelector: `spec.nodeName=${node}`, limit: 500, continue: next },
    });
    for (const item of page.items ?? []) {
      const m = item.metadata;
      if (m?.namespace && m.name && m.uid) out.push({ namespace: m.namespace, name: m.name, uid: m.uid });
    }
    next = page.metadata?.continue || undefined;
  } while (next);
  return out;
}
