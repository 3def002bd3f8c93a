import type { BridgeManager } from './bridgeManager';
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
