import { bridgeAccessFor } from '../../../src/core/bridge/openBridge';
import type { BridgeNodeAccess } from '../../../src/core/bridge/bridgeNodeAccess';
import type { StrandedPod } from '../../../src/core/bridge/stranded';
import { NodeConnector } from '../../../src/core/session/nodeConnector';
import type { ConnectorSettings } from '../../../src/core/session/nodeConnector';

export interface OpenBridgeOptions {
  readonly explicitPath: string;
  readonly context: string;
  readonly node: string;
  readonly namespace?: string;
  readonly image?: string;
  readonly pollIntervalMs?: number;
}

/**
 * A node opened through a bridge pod the way the CLI and the extension open it (the NodeConnector: RBAC preflight, the
 * node's existence, the pod); disposing the access closes the node and deletes the pod.
 */
export async function openBridgeNodeAccess(options: OpenBridgeOptions): Promise<{ access: BridgeNodeAccess; connector: NodeConnector; stranded: StrandedPod[] }> {
  const settings: ConnectorSettings = {
    local: {}, kubeconfig: options.explicitPath,
    bridge: { namespace: options.namespace, image: options.image, pollIntervalMs: options.pollIntervalMs },
  };
  const connector = new NodeConnector({ settings: () => settings, client: 'cli' });
  const stranded: StrandedPod[] = [];
  try {
    const handle = await connector.open({ kind: 'bridge', context: options.context, node: options.node });
    const access = bridgeAccessFor(await connector.manager(options.context), options.node, async () => {
      await handle.release();
      stranded.push(...await connector.dispose());
    });
    return { access, connector, stranded };
  } catch (error) {
    await connector.dispose();
    throw error;
  }
}
