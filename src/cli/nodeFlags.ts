import { NodeDoctorError } from '../core/errors';
import { describeStranded } from '../core/bridge/stranded';
import { NodeConnector } from '../core/session/nodeConnector';
import type { ConnectorSettings } from '../core/session/nodeConnector';
import type { NodeRef } from '../core/session/nodeRef';
import { discoveryOf } from '../core/session/nodeTarget';
import type { NodePaths, NodeTarget } from '../core/session/nodeTarget';

export type { NodeTarget } from '../core/session/nodeTarget';

/** Flags shared by `inspect` and `repair` that say which node and runtime to talk to. */
export interface NodeFlags {
  readonly runtimeEndpoint?: string;
  readonly hostRoot?: string;
  readonly cniCacheDir?: string;
  readonly cniConfDir?: string;
  readonly cniBinDir?: string;
  /** Docker nodes: dockershim's root (checkpoints in DIR/sandbox). */
  readonly dockershimDir?: string;
  /** Through the Kubernetes API (debug-pod bridge): `--context CTX --node NODE`. */
  readonly context?: string;
  readonly node?: string;
  readonly kubeconfig?: string;
  readonly bridgeNamespace?: string;
  readonly bridgeImage?: string;
  readonly bridgeProfile?: 'least-privilege' | 'host-pid';
  /** Set by `repair` (--quarantine-dir): a bridge pod mounts it. */
  readonly quarantineDir?: string;
  /** Discovery sources (`off` turns one off): containerd root and state, CRI-O storage, kubelet's pod log dir. */
  readonly containerdRoot?: string;
  readonly containerdState?: string;
  readonly crioStorage?: string;
  readonly podLogDir?: string;
  /** `off`: do not ask the API for the node's pods (bridge only). */
  readonly apiPods?: string;
  /** Most IDs found on disk but unlisted that are looked up one by one. */
  readonly maxIdLookups?: number;
}

export const NODE_FLAGS_HELP = `  --runtime-endpoint unix:///PATH  CRI socket, or a Docker socket (unix:///var/run/docker.sock) to read a Docker node through
                                   the Docker Engine API (default: the first well-known one present; a CRI socket that does
                                   not answer on a node whose Docker socket answers falls back to Docker)
  --host-root DIR                  where the node's / is mounted (default /; /host in a debug pod)
  --cni-cache-dir DIR              libcni's cache dir (default /var/lib/cni; /var/lib/cni/cache on Docker nodes; files in DIR/results)
  --cni-conf-dir DIR               CNI network configs (default /etc/cni/net.d)
  --cni-bin-dir DIR                CNI plugin binaries (default /opt/cni/bin)
  --dockershim-dir DIR             Docker nodes: dockershim's root, checkpoints in DIR/sandbox (default /var/lib/dockershim;
                                   /var/lib/cri-dockerd when cri-dockerd is detected)
  --context CTX --node NODE        reach NODE through the Kubernetes API with a short-lived bridge pod (kubeconfig context CTX)
  --kubeconfig FILE                kubeconfig to use (default: KUBECONFIG, then ~/.kube/config)
  --bridge-namespace NS            namespace of the bridge pod (default kube-system)
  --bridge-image IMAGE             bridge image (default docker.io/alpine/socat; mirror it for air-gapped clusters)
  --bridge-profile PROFILE         least-privilege (default) or host-pid (last-resort repairs on host processes)
Where the inventory finds every sandbox and pod the node holds (proof of a complete list past the send cap;
DIR "off" turns a source off):
  --containerd-root DIR            containerd's root (default /var/lib/containerd; k3s /var/lib/rancher/k3s/agent/containerd,
                                   RKE2 /var/lib/rancher/rke2/agent/containerd)
  --containerd-state DIR           containerd's state (default /run/containerd; k3s and RKE2 /run/k3s/containerd)
  --crio-storage DIR               CRI-O's storage root (default /var/lib/containers/storage)
  --pod-log-dir DIR                kubelet's pod log directories (default /var/log/pods)
  --api-pods on|off                through the bridge: the API's pods on the node (default on)
  --max-id-lookups N               IDs on disk but in no list answer looked up one by one (default 5000)`;

/** Parses one of the node flags at `args[i]`; returns how many arguments it used (0 when it is not a node flag). */
export function parseNodeFlag(args: readonly string[], i: number, flags: { -readonly [K in keyof NodeFlags]: NodeFlags[K] }): number {
  const names: Readonly<Record<string, keyof NodeFlags>> = {
    '--runtime-endpoint': 'runtimeEndpoint', '--host-root': 'hostRoot', '--cni-cache-dir': 'cniCacheDir', '--cni-conf-dir': 'cniConfDir', '--cni-bin-dir': 'cniBinDir', '--dockershim-dir': 'dockershimDir',
    '--context': 'context', '--node': 'node', '--kubeconfig': 'kubeconfig', '--bridge-namespace': 'bridgeNamespace', '--bridge-image': 'bridgeImage',
    '--bridge-profile': 'bridgeProfile', '--containerd-root': 'containerdRoot', '--containerd-state': 'containerdState',
    '--crio-storage': 'crioStorage', '--pod-log-dir': 'podLogDir', '--api-pods': 'apiPods', '--max-id-lookups': 'maxIdLookups',
  };
  const arg = args[i];
  const eq = arg.indexOf('=');
  const name = eq > 0 ? arg.slice(0, eq) : arg;
  const key = names[name];
  if (key === undefined) return 0;
  const value = eq > 0 ? arg.slice(eq + 1) : args[i + 1];
  if (value === undefined || value === '') throw new NodeDoctorError('bad-input', `${name} needs a value`);
  if (key === 'maxIdLookups') {
    if (!/^\d{1,9}$/.test(value)) throw new NodeDoctorError('bad-input', `${name} needs a whole number, got "${value}"`);
    flags.maxIdLookups = Number(value);
  } else if (key === 'apiPods') {
    if (value !== 'on' && value !== 'off') throw new NodeDoctorError('bad-input', `${name} is on or off, got "${value}"`);
    flags.apiPods = value;
  } else if (key === 'bridgeProfile') {
    if (value !== 'least-privilege' && value !== 'host-pid') throw new NodeDoctorError('bad-input', `unknown --bridge-profile "${value}" (least-privilege or host-pid)`);
    flags.bridgeProfile = value;
  } else if (key === 'containerdRoot' || key === 'containerdState' || key === 'crioStorage' || key === 'podLogDir') {
    if (value !== 'off' && !value.startsWith('/')) throw new NodeDoctorError('bad-input', `${name} needs an absolute node path or "off", got "${value}"`);
    flags[key] = value === 'off' ? '' : value;
  } else {
    flags[key] = value;
  }
  return eq > 0 ? 1 : 2;
}

/** What the flags say about reaching the node, as the connector's settings (the CLI's local node is always offered). */
export function connectorSettings(flags: NodeFlags): ConnectorSettings {
  const paths: NodePaths = {
    runtimeEndpoint: flags.runtimeEndpoint, cniCacheDir: flags.cniCacheDir, cniConfDir: flags.cniConfDir, cniBinDir: flags.cniBinDir,
    dockershimDir: flags.dockershimDir, ...discoveryOf(flags),
  };
  return {
    localNode: 'auto', local: { ...paths, hostRoot: flags.hostRoot }, kubeconfig: flags.kubeconfig,
    bridge: { ...paths, namespace: flags.bridgeNamespace, image: flags.bridgeImage, profile: flags.bridgeProfile },
    quarantineDir: flags.quarantineDir, apiPods: flags.apiPods !== 'off',
  };
}

/**
 * Which node the flags name: this machine (or the node mounted at --host-root), or with --context/--node a node reached
 * through a bridge pod (the kubeconfig's current context when --context is not given).
 */
export async function nodeRefOf(flags: NodeFlags, connector: NodeConnector): Promise<NodeRef> {
  if (flags.node === undefined && flags.context === undefined) return { kind: 'local', name: 'local' };
  if (!flags.node) throw new NodeDoctorError('bad-input', '--context needs --node NODE (kubectl get nodes lists them)');
  return { kind: 'bridge', context: await connector.resolveContext(flags.context), node: flags.node };
}

/** The connector of one CLI command: the node's flags as settings; a bridge pod that cannot be deleted is named on stderr. */
export function cliConnector(flags: NodeFlags): NodeConnector {
  const settings = connectorSettings(flags);
  return new NodeConnector({
    settings: () => settings, client: 'cli',
    log: (line) => { if (process.env.KND_VERBOSE) process.stderr.write(`… ${line}\n`); },
    // A pod that could not be deleted on the way out (any exit: done, failed, Ctrl-C, SIGTERM, SIGHUP) is named with its command.
    onStranded: (pod) => process.stderr.write(`kube-node-doctor: ${describeStranded(pod)}\n`),
  });
}

/**
 * For a command that needs only the node's target (no shared session): opens the node the flags name through its own
 * `cliConnector`; disposing the returned access closes the node and deletes a bridge pod it started.
 */
export async function resolveNodeTarget(flags: NodeFlags, signal?: AbortSignal): Promise<NodeTarget> {
  const connector = cliConnector(flags);
  try {
    const handle = await connector.open(await nodeRefOf(flags, connector), signal);
    const close = async (): Promise<void> => {
      await handle.release();
      await connector.dispose();
    };
    const access = new Proxy(handle.target.access, {
      get(target, property) {
        if (property === 'dispose') return close;
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    return { ...handle.target, access };
  } catch (error) {
    await connector.dispose();
    throw error;
  }
}
