import type { NodeAccess } from '../node/nodeAccess';

/** Where container runtimes put their CRI socket, most common first. Paths are node-absolute. */
export const WELL_KNOWN_ENDPOINTS: readonly { readonly runtime: string; readonly path: string }[] = [
  { runtime: 'containerd', path: '/run/containerd/containerd.sock' },
  { runtime: 'containerd (Talos system)', path: '/system/run/containerd/containerd.sock' },
  { runtime: 'CRI-O', path: '/var/run/crio/crio.sock' },
  { runtime: 'containerd (k3s, RKE2)', path: '/run/k3s/containerd/containerd.sock' },
  { runtime: 'containerd (k0s)', path: '/run/k0s/containerd.sock' },
  { runtime: 'containerd (MicroK8s)', path: '/var/snap/microk8s/common/run/containerd.sock' },
  { runtime: 'cri-dockerd', path: '/var/run/cri-dockerd.sock' },
  // kubelet ≤ 1.23 serves dockershim's CRI itself: the socket stays behind when kubelet is down (then Docker is read).
  { runtime: 'dockershim (kubelet)', path: '/var/run/dockershim.sock' },
  // A Docker node whose CRI side is gone: read through the Docker Engine API with dockershim's semantics.
  { runtime: 'Docker', path: '/var/run/docker.sock' },
];

export interface DiscoveredEndpoint {
  readonly endpoint: string;
  readonly runtime: string;
}

/** The CRI endpoint to use: the override when given, else the first well-known socket present on the node. */
export async function discoverEndpoint(access: NodeAccess, override?: string, signal?: AbortSignal): Promise<DiscoveredEndpoint | undefined> {
  if (override) return { endpoint: override, runtime: 'configured' };
  for (const candidate of WELL_KNOWN_ENDPOINTS) {
    const entry = await access.stat(candidate.path, signal);
    if (entry && !entry.isFile && !entry.isDirectory) {
      return { endpoint: `unix://${candidate.path}`, runtime: candidate.runtime };
    }
  }
  return undefined;
}

/** `unix:///run/x.sock` → `/run/x.sock`; undefined for anything that is not a unix endpoint. */
export function socketPath(endpoint: string): string | undefined {
  const match = /^unix:\/\/(\/.+)$/.exec(endpoint);
  return match?.[1];
}
