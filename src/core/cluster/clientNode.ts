/**
 * `@kubernetes/client-node` 1.x is ESM-only and heavy: load it on first use (esbuild bundles it; plain Node imports it).
 * Pinned to 1.x because 2.x needs Node 22 (VS Code 1.100's extension host is Node 20).
 */
import type * as k8s from '@kubernetes/client-node' with { 'resolution-mode': 'import' };

export type ClientNode = typeof k8s;
export type KubeConfigObject = InstanceType<ClientNode['KubeConfig']>;

let loading: Promise<ClientNode> | undefined;

export function loadClientNode(): Promise<ClientNode> {
  loading ??= import('@kubernetes/client-node');
  return loading;
}
