import { BRIDGE_CONTAINER } from '../../src/core/bridge/podSpec';
import { ApiError } from '../../src/core/cluster/kubeApi';
import type { ApiRequest, KubeRequester } from '../../src/core/cluster/kubeApi';
import { NodeDoctorError } from '../../src/core/errors';

export type FakePod = {
  metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string>; creationTimestamp?: string };
  spec: { activeDeadlineSeconds?: number; hostPID?: boolean };
  status?: Record<string, unknown>;
};

/**
 * The few API calls a bridge makes, in memory: access reviews (verbs in `denied`, e.g. `create pods/exec`, refused),
 * nodes (those in `nodes`), and pods (created Running, listed by label selector); `deleteFails` makes every DELETE fail
 * as an unreachable server does. Every request is recorded in `calls`.
 */
export class FakeKubeApi implements KubeRequester {
  readonly pods = new Map<string, FakePod>();
  readonly calls: string[] = [];
  readonly nodes = new Set(['node-a', 'node-b']);
  readonly denied = new Set<string>();
  deleteFails = false;

  constructor(readonly context: string) {}

  async request<T>(req: ApiRequest): Promise<T> {
    this.calls.push(`${req.method} ${req.path}`);
    if (req.path.endsWith('/selfsubjectaccessreviews')) {
      const attrs = (req.body as { spec: { resourceAttributes: { verb: string; resource: string; subresource?: string } } }).spec.resourceAttributes;
      return { status: { allowed: !this.denied.has(`${attrs.verb} ${attrs.resource}${attrs.subresource ? `/${attrs.subresource}` : ''}`) } } as T;
    }
    const node = /^\/api\/v1\/nodes\/([^/]+)$/.exec(req.path);
    if (node) {
      if (!this.nodes.has(node[1])) throw new ApiError('not-found', `nodes "${node[1]}" not found`, 404, undefined, { cluster: this.context });
      return { metadata: { name: node[1] }, status: { nodeInfo: { containerRuntimeVersion: 'containerd://1.7.0', kubeletVersion: 'v1.30.0' } } } as T;
    }
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods(?:\/([^/]+))?$/.exec(req.path);
    if (!m) throw new Error(`unexpected ${req.method} ${req.path}`);
    const name = m[2];
    if (req.method === 'POST') {
      const pod = req.body as FakePod;
      this.pods.set(pod.metadata.name, pod);
      return pod as T;
    }
    if (req.method === 'GET' && !name) {
      const selector = String(req.query?.labelSelector ?? '').split(',').filter(Boolean).map((s) => s.split('='));
      return { items: [...this.pods.values()].filter((p) => selector.every(([k, v]) => p.metadata.labels[k] === v)) } as T;
    }
    const pod = name ? this.pods.get(name) : undefined;
    if (!pod) throw new ApiError('not-found', 'not found', 404, undefined, { cluster: this.context });
    if (req.method === 'GET') {
      return { ...pod, status: pod.status ?? { phase: 'Running', containerStatuses: [{ name: BRIDGE_CONTAINER, state: { running: {} } }] } } as T;
    }
    if (req.method === 'DELETE') {
      if (this.deleteFails) throw new NodeDoctorError('unreachable', `Cannot reach the API server of context "${this.context}" (ECONNREFUSED).`);
      this.pods.delete(pod.metadata.name);
      return pod as T;
    }
    throw new Error(`unexpected ${req.method}`);
  }
}
