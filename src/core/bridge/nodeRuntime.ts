import type { KubeRequester } from '../cluster/kubeApi';
import { getNode } from '../cluster/nodes';
import { kubeletMinor } from '../docker/dockerInventory';
import { CRI_DOCKERD_DIR, DEFAULT_DOCKERSHIM_DIR } from '../docker/dockershim';
import { NodeDoctorError } from '../errors';

/** What the Node object says about a node's runtime (unknown fields are empty). */
export interface NodeRuntime {
  /** `containerRuntimeVersion` is `docker://…`: dockershim (kubelet < 1.24) or cri-dockerd. */
  readonly docker: boolean;
  readonly containerRuntimeVersion: string;
  readonly kubeletVersion: string;
  /** Docker nodes: the dockershim root the bridge mounts (configured, else by kubelet version). */
  readonly dockershimDir?: string;
}

/** The node's runtime from its Node object; unknown (treated as a CRI node) when the object cannot be read. */
export async function readNodeRuntime(api: KubeRequester, node: string, dockershimDir: string | undefined, signal?: AbortSignal): Promise<NodeRuntime> {
  try {
    const summary = await getNode(api, node, signal);
    const docker = summary.containerRuntimeVersion.startsWith('docker://');
    const minor = kubeletMinor(summary.kubeletVersion);
    return {
      docker, containerRuntimeVersion: summary.containerRuntimeVersion, kubeletVersion: summary.kubeletVersion,
      ...(docker ? { dockershimDir: dockershimDir ?? (minor !== undefined && minor >= 24 ? CRI_DOCKERD_DIR : DEFAULT_DOCKERSHIM_DIR) } : {}),
    };
  } catch (error) {
    if (error instanceof NodeDoctorError && error.reason === 'cancelled') throw error;
    return { docker: false, containerRuntimeVersion: '', kubeletVersion: '' };
  }
}
