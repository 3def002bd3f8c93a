import { NodeDoctorError } from '../errors';
import { KubeApi } from '../cluster/kubeApi';
import { loadKubeconfigs } from '../cluster/kubeconfig';
import type { KubeconfigSourceOptions } from '../cluster/kubeconfig';
import { requireValidName } from '../cluster/names';
import { getNode } from '../cluster/nodes';
import { BridgeManager } from './bridgeManager';
import type { BridgeOptions } from './bridgeManager';
import { BridgeNodeAccess } from './bridgeNodeAccess';

/** NodeAccess for one node through a manager's bridge pod (the pod is created on first use and shared). */
export function bridgeAccessFor(manager: BridgeManager, node: string, onDispose?: () => Promise<void>): BridgeNodeAccess {
  return new BridgeNodeAccess({
    exec: (argv, options) => manager.exec(node, argv, options),
    relay: (argv, local, signal) => manager.relay(node, argv, local, signal),
  }, {
    description: `bridge pod in ${manager.namespace} on node ${node} (context ${manager.api.context})`,
    mounts: manager.mountsFor(node),
    profile: manager.profile,
    onDispose,
  });
}

export interface OpenBridgeOptions extends BridgeOptions, KubeconfigSourceOptions {
  /** Kubeconfig context (the current one when omitted). */
  readonly context?: string;
  readonly node: string;
  /** Per API request (default 10 s, so a dead cluster fails well within 20 s). */
  readonly requestTimeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** A manager for a kubeconfig context, without creating anything (for cleanup); the context must exist. */
export async function openBridgeManager(options: Omit<OpenBridgeOptions, 'node'>): Promise<BridgeManager> {
  const configs = await loadKubeconfigs(options);
  const context = options.context ?? configs.currentContext ?? '';
  return new BridgeManager(new KubeApi(context, configs.forContext(options.context), options.requestTimeoutMs ?? 10_000), { kubeconfigPath: options.explicitPath, ...options });
}

/**
 * Everything the CLI needs for `--context CTX --node NODE`: kubeconfig, RBAC preflight, the node's existence, and a running
 * bridge pod. The returned NodeAccess deletes the pod on dispose.
 */
export async function openBridgeNodeAccess(options: OpenBridgeOptions): Promise<{ access: BridgeNodeAccess; manager: BridgeManager }> {
  requireValidName('node', options.node);
  const configs = await loadKubeconfigs(options);
  const context = options.context ?? configs.currentContext ?? '';
  const api = new KubeApi(context, configs.forContext(options.context), options.requestTimeoutMs ?? 10_000);
  const manager = new BridgeManager(api, { kubeconfigPath: options.explicitPath, ...options });
  try {
    await manager.checkAccess(options.signal);
    try {
      await getNode(api, options.node, options.signal);
    } catch (error) {
      if (error instanceof NodeDoctorError && error.reason === 'not-found') {
        throw new NodeDoctorError('not-found', `Node "${options.node}" does not exist in context "${context}".`, { cluster: context, node: options.node, hint: 'kubectl get nodes lists them.' });
      }
      throw error;
    }
    await manager.ensure(options.node, options.signal);
  } catch (error) {
    await manager.dispose();
    throw error;
  }
  return { access: bridgeAccessFor(manager, options.node, async () => { await manager.dispose(); }), manager };
}
