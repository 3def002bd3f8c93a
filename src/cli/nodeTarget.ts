import { NodeDoctorError } from '../core/errors';
import { DEFAULT_RUNTIME_ENDPOINT } from '../core/node/nodePaths';
import { openLocalTarget, withDefaults } from '../core/session/nodeTarget';
import type { NodeTarget } from '../core/session/nodeTarget';
import { describeStranded } from '../core/bridge/stranded';
import { openBridgeNodeAccess } from '../core/bridge/openBridge';
import { listPodsOnNode } from '../core/cluster/podsOnNode';
import type { BridgeProfile } from '../core/bridge/podSpec';

/** Flags shared by `inspect` and `repair` that say which node and runtime to talk to. */
export interface NodeFlags {
  readonly runtimeEndpoint?: string;
  readonly hostRoot?: string;
  readonly cniCacheDir?: string;
  readonly cniConfDir?: string;
  readonly cniBinDir?: string;
  /** Through the Kubernetes API (debug-pod bridge): `--context CTX --node NODE`. */
  readonly context?: string;
  readonly node?: string;
  readonly kubeconfig?: string;
  readonly bridgeNamespace?: string;
  readonly bridgeImage?: string;
  readonly bridgeProfile?: string;
  /** Set by `repair` (--quarantine-dir): a bridge pod mounts it. */
  readonly quarantineDir?: string;
}

export type { NodeTarget } from '../core/session/nodeTarget';

export const NODE_FLAGS_HELP = `  --runtime-endpoint unix:///PATH  CRI socket (default: the first well-known one present)
  --host-root DIR                  where the node's / is mounted (default /; /host in a debug pod)
  --cni-cache-dir DIR              libcni's cache dir (default /var/lib/cni; files in DIR/results)
  --cni-conf-dir DIR               CNI network configs (default /etc/cni/net.d)
  --cni-bin-dir DIR                CNI plugin binaries (default /opt/cni/bin)
  --context CTX --node NODE        reach NODE through the Kubernetes API with a short-lived bridge pod (kubeconfig context CTX)
  --kubeconfig FILE                kubeconfig to use (default: KUBECONFIG, then ~/.kube/config)
  --bridge-namespace NS            namespace of the bridge pod (default kube-system)
  --bridge-image IMAGE             bridge image (default docker.io/alpine/socat; mirror it for air-gapped clusters)
  --bridge-profile PROFILE         least-privilege (default) or host-pid (last-resort repairs on host processes)`;

/** Parses one of the node flags at `args[i]`; returns how many arguments it used (0 when it is not a node flag). */
export function parseNodeFlag(args: readonly string[], i: number, flags: { -readonly [K in keyof NodeFlags]: NodeFlags[K] }): number {
  const names: Readonly<Record<string, keyof NodeFlags>> = {
    '--runtime-endpoint': 'runtimeEndpoint', '--host-root': 'hostRoot', '--cni-cache-dir': 'cniCacheDir', '--cni-conf-dir': 'cniConfDir', '--cni-bin-dir': 'cniBinDir',
    '--context': 'context', '--node': 'node', '--kubeconfig': 'kubeconfig', '--bridge-namespace': 'bridgeNamespace', '--bridge-image': 'bridgeImage',
    '--bridge-profile': 'bridgeProfile',
  };
  const arg = args[i];
  const eq = arg.indexOf('=');
  const name = eq > 0 ? arg.slice(0, eq) : arg;
  const key = names[name];
  if (key === undefined) return 0;
  const value = eq > 0 ? arg.slice(eq + 1) : args[i + 1];
  if (value === undefined || value === '') throw new NodeDoctorError('bad-input', `${name} needs a value`);
  flags[key] = value;
  return eq > 0 ? 1 : 2;
}

/** Through a bridge pod (`--node`, optionally `--context`); disposing the access deletes the pod. */
async function resolveBridgeTarget(flags: NodeFlags, signal?: AbortSignal): Promise<NodeTarget> {
  if (!flags.node) throw new NodeDoctorError('bad-input', '--context needs --node NODE (kubectl get nodes lists them)');
  if (flags.bridgeProfile !== undefined && flags.bridgeProfile !== 'least-privilege' && flags.bridgeProfile !== 'host-pid') {
    throw new NodeDoctorError('bad-input', `unknown --bridge-profile "${flags.bridgeProfile}" (least-privilege or host-pid)`);
  }
  const { cniCacheDir, cniConfDir, cniBinDir } = withDefaults(flags);
  const { access, manager } = await openBridgeNodeAccess({
    explicitPath: flags.kubeconfig, context: flags.context, node: flags.node, namespace: flags.bridgeNamespace, image: flags.bridgeImage,
    profile: flags.bridgeProfile as BridgeProfile | undefined, runtimeEndpoint: flags.runtimeEndpoint, cniCacheDir, cniConfDir,
    quarantineDir: flags.quarantineDir, client: 'cli', signal,
    // A pod that could not be deleted on the way out (any exit: done, failed, Ctrl-C, SIGTERM, SIGHUP) is named with its command.
    onStranded: (pod) => process.stderr.write(`kube-node-doctor: ${describeStranded(pod)}\n`),
  });
  const node = flags.node;
  return {
    access, endpoint: flags.runtimeEndpoint ?? DEFAULT_RUNTIME_ENDPOINT, cniCacheDir, cniConfDir, cniBinDir,
    podsOnNode: (podSignal) => listPodsOnNode(manager.api, node, { signal: podSignal }),
  };
}

/** Local access (this process runs on the node, or in a pod mounting it at --host-root), or the bridge with --context/--node. */
export async function resolveNodeTarget(flags: NodeFlags, signal?: AbortSignal): Promise<NodeTarget> {
  if (flags.node !== undefined || flags.context !== undefined) return resolveBridgeTarget(flags, signal);
  return openLocalTarget(flags, signal);
}
