import * as path from 'node:path';
import { socketPath } from '../cri/endpoints';
import { NodeDoctorError } from '../errors';
import type { DiscoveryPaths } from '../inventory/discovery';
import { requireNodeDir } from '../node/nodeDir';
import {
  DEFAULT_CNI_CACHE_DIR, DEFAULT_CNI_CONF_DIR, DEFAULT_CONTAINERD_ROOT, DEFAULT_CONTAINERD_STATE, DEFAULT_POD_LOG_DIR,
  DEFAULT_RUNTIME_ENDPOINT, DEFAULT_STATE_DIR,
} from '../node/nodePaths';

/**
 * What the bridge pod looks like. Everything it creates on the cluster is decided here, so the README can list it exactly.
 * `least-privilege` (default): not privileged, all capabilities dropped, read-only root filesystem, no host network or PID,
 * only the directories inspection and repair need mounted under `/host`. `host-pid`: adds host PID and privileged mode for
 * the last-resort repairs that act on host processes (killing a stuck shim) through `nsenter -t 1`.
 */
export type BridgeProfile = 'least-privilege' | 'host-pid';

/** The public default: Alpine (busybox `sh sleep stat find tar head chmod ln mv rm mkdir touch date env nsenter`) plus `socat` for the CRI relay. */
export const DEFAULT_BRIDGE_IMAGE = 'docker.io/alpine/socat:1.8.0.3';
export const BRIDGE_CONTAINER = 'bridge';
/** Where node directories appear inside the pod: node `/var/lib/cni` is `/host/var/lib/cni`. */
export const HOST_PREFIX = '/host';

export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const LABEL_COMPONENT = 'app.kubernetes.io/component';
export const LABEL_SESSION = 'kube-node-doctor.io/session';
export const ANNOTATION_NODE = 'kube-node-doctor.io/node';
export const ANNOTATION_CREATED = 'kube-node-doctor.io/created-at';
export const ANNOTATION_PROFILE = 'kube-node-doctor.io/profile';
export const ANNOTATION_CLIENT = 'kube-node-doctor.io/client';
/** How often the owning client touches the pod's heartbeat file, in seconds (so any other client can judge staleness). */
export const ANNOTATION_HEARTBEAT = 'kube-node-doctor.io/heartbeat-seconds';
/** A small in-memory emptyDir in the pod; the owning client touches `heartbeat` in it while it holds the pod. */
export const STATE_DIR = '/run/kube-node-doctor';
export const HEARTBEAT_FILE = `${STATE_DIR}/heartbeat`;
const STATE_VOLUME = 'knd-state';
export const MANAGED_BY = 'kube-node-doctor';
export const COMPONENT = 'node-bridge';
/** Selects every bridge pod this tool ever created (any session). */
export const BRIDGE_SELECTOR = `${LABEL_MANAGED_BY}=${MANAGED_BY},${LABEL_COMPONENT}=${COMPONENT}`;

export interface BridgeMount {
  /** Node-absolute directory (or socket); mounted at `/host<hostPath>`. */
  readonly hostPath: string;
  readonly readOnly: boolean;
  /**
   * hostPath type: `Directory` must exist; `DirectoryOrCreate` is created by the kubelet; `Socket`: a UNIX socket that
   * must exist (the runtime's or Docker's, mounted alone rather than its whole directory).
   */
  readonly type: 'Directory' | 'DirectoryOrCreate' | 'Socket';
}

export interface MountPlanOptions {
  /** CRI endpoint as seen on the node (default containerd's `unix:///run/containerd/containerd.sock`). */
  readonly runtimeEndpoint?: string;
  /** CNI result cache directory (default `/var/lib/cni`). */
  readonly cniCacheDir?: string;
  /** CNI network configs, for each network's cniVersion (default `/etc/cni/net.d`, mounted read-only). */
  readonly cniConfDir?: string;
  /** The runtime's persistent state (default `/var/lib/containerd`, mounted read-only). */
  readonly runtimeStateDirs?: readonly string[];
  /** Where repairs keep backups and the audit log (default `/var/lib/kube-node-doctor`). */
  readonly quarantineDir?: string;
  readonly extraMounts?: readonly BridgeMount[];
  /**
   * A Docker node (`containerRuntimeVersion` `docker://…`): mount the Docker socket itself and dockershim's root (its
   * sandbox checkpoints, which repairs may remove); the CRI socket's directory only when an endpoint was configured.
   */
  readonly docker?: { readonly socket: string; readonly dockershimDir: string };
  /**
   * What the inventory reads to prove its lists complete (all read-only): containerd's CRI plugin directories under
   * its root and state, kubelet's pod log directory, and CRI-O's `overlay-containers` (only when set, or when the
   * endpoint is CRI-O's: on a containerd node the directory does not exist and would be created by the mount).
   */
  readonly discovery?: DiscoveryPaths;
}

/** The read-only directories the inventory's discovery needs (a '' path is a source turned off). */
export function discoveryMounts(discovery: DiscoveryPaths = {}, runtimeEndpoint = DEFAULT_RUNTIME_ENDPOINT): BridgeMount[] {
  const dirs: string[] = [];
  const root = discovery.containerdRoot ?? DEFAULT_CONTAINERD_ROOT;
  const state = discovery.containerdState ?? DEFAULT_CONTAINERD_STATE;
  const podLogs = discovery.podLogDir ?? DEFAULT_POD_LOG_DIR;
  if (root) dirs.push(path.posix.join(root, 'io.containerd.grpc.v1.cri'));
  if (state) dirs.push(path.posix.join(state, 'io.containerd.grpc.v1.cri'));
  if (podLogs) dirs.push(podLogs);
  const crio = discovery.crioStorage ?? (/crio/.test(runtimeEndpoint) ? '/var/lib/containers/storage' : '');
  if (crio) dirs.push(path.posix.join(crio, 'overlay-containers'));
  return dirs.map((dir): BridgeMount => ({ hostPath: requireNodeDir('A discovery directory', dir), readOnly: true, type: 'DirectoryOrCreate' }));
}

/**
 * The least set of host paths: the runtime socket itself (not its directory, which holds the runtime's other sockets and
 * state), the CNI cache and configs, the runtime state, the quarantine. Every path must be absolute, without `.`/`..`
 * segments and not `/` (see `requireNodeDir`): a setting cannot widen a mount to the node's root.
 */
export function planMounts(options: MountPlanOptions = {}): BridgeMount[] {
  const socket = socketPath(options.runtimeEndpoint ?? DEFAULT_RUNTIME_ENDPOINT);
  if (!socket) {
    throw new NodeDoctorError('bad-input', `Unsupported runtime endpoint "${options.runtimeEndpoint}".`, { hint: 'Use unix:///path/to/the.sock.' });
  }
  const docker = options.docker;
  const mounts: BridgeMount[] = [
    // Connecting needs write permission on the socket inode, which a read-only mount does not take away (the kernel
    // refuses writes on read-only mounts only for files, directories and links): the flag would promise nothing.
    ...(docker && options.runtimeEndpoint === undefined ? [] : [{ hostPath: requireNodeDir('The runtime socket', socket), readOnly: false, type: 'Socket' } as const]),
    ...(docker ? [
      { hostPath: requireNodeDir('The Docker socket', docker.socket), readOnly: false, type: 'Socket' } as const,
      { hostPath: requireNodeDir('The dockershim directory', docker.dockershimDir), readOnly: false, type: 'DirectoryOrCreate' } as const,
    ] : []),
    { hostPath: requireNodeDir('The CNI cache directory', options.cniCacheDir ?? DEFAULT_CNI_CACHE_DIR), readOnly: false, type: 'DirectoryOrCreate' },
    { hostPath: requireNodeDir('The CNI config directory', options.cniConfDir ?? DEFAULT_CNI_CONF_DIR), readOnly: true, type: 'DirectoryOrCreate' },
    // On a Docker node containerd's state is Docker's business: nothing of it is mounted unless asked for.
    ...(options.runtimeStateDirs ?? (docker ? [] : ['/var/lib/containerd'])).map((dir): BridgeMount => ({ hostPath: requireNodeDir('The runtime state directory', dir), readOnly: true, type: 'DirectoryOrCreate' })),
    { hostPath: requireNodeDir('The quarantine directory', options.quarantineDir ?? DEFAULT_STATE_DIR), readOnly: false, type: 'DirectoryOrCreate' },
    ...(options.extraMounts ?? []).map((m): BridgeMount => ({ ...m, hostPath: requireNodeDir('An extra bridge mount', m.hostPath) })),
  ];
  const seen = new Set<string>();
  const planned = mounts.filter((m) => {
    const key = path.posix.normalize(m.hostPath);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  // Discovery directories another mount already covers (containerd's root and state by default) add nothing.
  const extra = docker ? [] : discoveryMounts(options.discovery, options.runtimeEndpoint).filter((m) => !podPathFor(planned, m.hostPath));
  return [...planned, ...extra];
}

/** Node path → pod path when a mount covers it; undefined when the pod cannot see it. */
export function podPathFor(mounts: readonly BridgeMount[], nodePath: string): { podPath: string; mount: BridgeMount } | undefined {
  if (!path.posix.isAbsolute(nodePath)) {
    throw new NodeDoctorError('bad-input', `Expected an absolute node path, got "${nodePath}".`);
  }
  if (nodePath.split('/').includes('..')) throw new NodeDoctorError('bad-input', `Path "${nodePath}" escapes the node root.`);
  const normal = path.posix.normalize(nodePath);
  let best: BridgeMount | undefined;
  for (const mount of mounts) {
    const root = path.posix.normalize(mount.hostPath);
    if ((normal === root || normal.startsWith(`${root}/`)) && (!best || root.length > best.hostPath.length)) best = mount;
  }
  return best ? { podPath: HOST_PREFIX + normal, mount: best } : undefined;
}

export interface PodSpecInput {
  readonly name: string;
  readonly namespace: string;
  readonly node: string;
  readonly image: string;
  readonly profile: BridgeProfile;
  readonly mounts: readonly BridgeMount[];
  readonly sessionId: string;
  readonly client: string;
  readonly activeDeadlineSeconds: number;
  readonly createdAt: Date;
  /** Heartbeat interval of the owning client (default 60). */
  readonly heartbeatSeconds?: number;
}

function volumeName(index: number, hostPath: string): string {
  const slug = hostPath.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40);
  return `host-${index}-${slug || 'root'}`.replace(/-$/, '');
}

/** A DNS-1123 pod name for a node: `knd-bridge-<node>-<suffix>`. */
export function bridgePodName(node: string, suffix: string): string {
  const slug = node.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40).replace(/-+$/, '');
  return `knd-bridge-${slug || 'node'}-${suffix}`;
}

/** The pod manifest (plain JSON, as POSTed). */
export function bridgePodManifest(input: PodSpecInput): Record<string, unknown> {
  const hostPid = input.profile === 'host-pid';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: { [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_COMPONENT]: COMPONENT, [LABEL_SESSION]: input.sessionId },
      annotations: {
        [ANNOTATION_NODE]: input.node,
        [ANNOTATION_CREATED]: input.createdAt.toISOString(),
        [ANNOTATION_PROFILE]: input.profile,
        [ANNOTATION_CLIENT]: input.client,
        [ANNOTATION_HEARTBEAT]: String(input.heartbeatSeconds ?? 60),
      },
    },
    spec: {
      nodeName: input.node,
      restartPolicy: 'Never',
      activeDeadlineSeconds: input.activeDeadlineSeconds,
      terminationGracePeriodSeconds: 1,
      tolerations: [{ operator: 'Exists' }],
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      hostNetwork: false,
      hostPID: hostPid,
      containers: [{
        name: BRIDGE_CONTAINER,
        image: input.image,
        imagePullPolicy: 'IfNotPresent',
        command: ['sleep', String(input.activeDeadlineSeconds)],
        resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } },
        securityContext: hostPid
          ? { privileged: true, runAsUser: 0 }
          : {
            privileged: false, runAsUser: 0, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
          },
        volumeMounts: [
          ...input.mounts.map((m, i) => ({ name: volumeName(i, m.hostPath), mountPath: HOST_PREFIX + path.posix.normalize(m.hostPath), readOnly: m.readOnly })),
          { name: STATE_VOLUME, mountPath: STATE_DIR },
        ],
      }],
      volumes: [
        ...input.mounts.map((m, i) => ({ name: volumeName(i, m.hostPath), hostPath: { path: path.posix.normalize(m.hostPath), type: m.type } })),
        { name: STATE_VOLUME, emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
      ],
    },
  };
}
