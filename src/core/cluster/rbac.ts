import { NodeDoctorError } from '../errors';
import type { KubeRequester } from './kubeApi';

/** One `resourceAttributes` of a SelfSubjectAccessReview. */
export interface AccessCheck {
  readonly verb: string;
  readonly resource: string;
  readonly subresource?: string;
  /** Absent for cluster-scoped resources (nodes). */
  readonly namespace?: string;
}

export interface AccessReport {
  readonly allowed: readonly AccessCheck[];
  readonly denied: readonly AccessCheck[];
}

/** Exactly what the bridge uses: its pod's lifecycle and exec in one namespace, the node list, and pods list for UID cross-checks. */
export function bridgeAccessChecks(namespace: string): AccessCheck[] {
  return [
    { verb: 'list', resource: 'nodes' },
    { verb: 'create', resource: 'pods', namespace },
    { verb: 'get', resource: 'pods', namespace },
    { verb: 'delete', resource: 'pods', namespace },
    { verb: 'list', resource: 'pods', namespace },
    { verb: 'create', resource: 'pods', subresource: 'exec', namespace },
  ];
}

/** `create pods/exec in namespace kube-system`, `list nodes`. */
export function describeCheck(check: AccessCheck): string {
  const resource = check.subresource ? `${check.resource}/${check.subresource}` : check.resource;
  return `${check.verb} ${resource}${check.namespace ? ` in namespace ${check.namespace}` : ''}`;
}

interface ReviewAnswer {
  status?: { allowed?: boolean };
}

/** Asks the API server, one SelfSubjectAccessReview per check (in parallel), what the current user may do. */
export async function checkAccess(api: KubeRequester, checks: readonly AccessCheck[], signal?: AbortSignal): Promise<AccessReport> {
  const answers = await Promise.all(checks.map((check) => api.request<ReviewAnswer>({
    method: 'POST',
    path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { group: '', verb: check.verb, resource: check.resource, subresource: check.subresource, namespace: check.namespace } },
    },
    signal,
  })));
  return {
    allowed: checks.filter((_, i) => answers[i].status?.allowed === true),
    denied: checks.filter((_, i) => answers[i].status?.allowed !== true),
  };
}

/** Throws one `forbidden` error naming every missing verb; read-only features that need none of them keep working. */
export async function requireBridgeAccess(api: KubeRequester, namespace: string, signal?: AbortSignal): Promise<void> {
  const report = await checkAccess(api, bridgeAccessChecks(namespace), signal);
  if (report.denied.length > 0) {
    throw new NodeDoctorError('forbidden', `RBAC in context "${api.context}" does not allow ${report.denied.map(describeCheck).join(', ')}.`, {
      cluster: api.context, hint: 'Bind the kube-node-doctor ClusterRole/Role from the README to your user.',
    });
  }
}
