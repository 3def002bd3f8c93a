import type { NodePod } from '../cluster/podsOnNode';
import { createCriClient } from '../cri/criClient';
import { CriError, GrpcCode } from '../cri/criError';
import { inspectDockerNode } from '../docker/dockerInventory';
import { DockerSteps } from '../docker/dockerRepair';
import { DockershimCri, isDockerEndpoint, openDocker, resolveDockershimDir } from '../docker/dockerRuntime';
import { DEFAULT_DOCKER_ENDPOINT, DOCKER_CNI_CACHE_DIR } from '../docker/dockershim';
import type { DockerApi } from '../docker/dockerEngine';
import { inspectNode } from '../inventory/inspect';
import { addStuckSandboxFindings } from '../inventory/stuckSandboxes';
import type { Inventory } from '../inventory/types';
import type { RuntimeSteps } from '../repair/executor';
import { discoverEndpoint, WELL_KNOWN_ENDPOINTS } from '../cri/endpoints';
import type { CriRuntime } from '../cri/types';
import { describeError, isNodeDoctorError, NodeDoctorError } from '../errors';
import { LocalNodeAccess } from '../node/localNodeAccess';
import type { DiscoveryPaths, PodIdentity } from '../inventory/discovery';
import type { CriEndpointLease, NodeAccess } from '../node/nodeAccess';
import { DEFAULT_CNI_BIN_DIR, DEFAULT_CNI_CACHE_DIR, DEFAULT_CNI_CONF_DIR } from '../node/nodePaths';


/** A node as the inventory and the repairs need it: how to reach its files and commands, and where its runtime and CNI state live. */
export interface NodeTarget {
  readonly access: NodeAccess;
  /** `unix:///...` as seen on the node. */
  readonly endpoint: string;
  readonly cniCacheDir: string;
  readonly cniConfDir: string;
  readonly cniBinDir: string;
  /** Through the bridge: the API's pods on this node (the stuck-sandbox check joins them with the sandboxes). */
  readonly podsOnNode?: (signal?: AbortSignal) => Promise<NodePod[]>;
  /** Docker nodes: dockershim's (or cri-dockerd's) root, when given; found on the node otherwise. */
  readonly dockershimDir?: string;
  /** The node's kubelet version when known (bridge: from the Node object). */
  readonly kubeletVersion?: string;
  /** Where the inventory finds the IDs and pods the node holds on disk ('' turns a source off; absent: the default). */
  readonly discovery?: DiscoveryPaths;
  /** The API's pods on this node (bridge targets), for the inventory's namespace/UID split: the same single list as `podsOnNode`. */
  readonly apiPods?: (signal?: AbortSignal) => Promise<readonly PodIdentity[]>;
}

/** Where a node's runtime and CNI state live; every field has the usual default. */
export interface NodePaths extends DiscoveryPaths {
  readonly runtimeEndpoint?: string;
  /** Docker nodes: dockershim's root (default `/var/lib/dockershim`, cri-dockerd's `/var/lib/cri-dockerd` when detected). */
  readonly dockershimDir?: string;
  readonly cniCacheDir?: string;
  readonly cniConfDir?: string;
  readonly cniBinDir?: string;
}

/** The discovery paths of a spec (undefined fields keep the inventory's defaults). */
export function discoveryOf(paths: DiscoveryPaths): DiscoveryPaths {
  return { containerdRoot: paths.containerdRoot, containerdState: paths.containerdState, crioStorage: paths.crioStorage, podLogDir: paths.podLogDir };
}

export interface LocalNodeSpec extends NodePaths {
  /** Where the node's `/` is mounted (default `/`; `/host` in a debug pod). */
  readonly hostRoot?: string;
}

/** Local access: this process runs on the node, or in a pod mounting it at `hostRoot`. Finds the runtime socket when not given. */
export async function openLocalTarget(spec: LocalNodeSpec, signal?: AbortSignal): Promise<NodeTarget> {
  if (spec.runtimeEndpoint !== undefined && !/^unix:\/\/\/./.test(spec.runtimeEndpoint)) {
    throw new NodeDoctorError('bad-input', `unsupported runtime endpoint "${spec.runtimeEndpoint}"`, { hint: 'Use unix:///path/to/the.sock.' });
  }
  const access = new LocalNodeAccess({ hostRoot: spec.hostRoot ?? '/' });
  const found = await discoverEndpoint(access, spec.runtimeEndpoint, signal);
  if (!found) {
    throw new NodeDoctorError('unreachable', `no container runtime socket found (looked for ${WELL_KNOWN_ENDPOINTS.map((e) => e.path).join(', ')})`, {
      hint: 'Run on the node as root, or name the socket (--runtime-endpoint, or the kubeNodeDoctor.localNode.runtimeEndpoint setting).',
    });
  }
  return {
    access, endpoint: found.endpoint, ...withDefaults(spec), discovery: discoveryOf(spec), ...(spec.dockershimDir ? { dockershimDir: spec.dockershimDir } : {}),
  };
}

/** The CNI directories of a spec, defaults filled in. */
export function withDefaults(paths: NodePaths): { cniCacheDir: string; cniConfDir: string; cniBinDir: string } {
  return {
    cniCacheDir: paths.cniCacheDir ?? DEFAULT_CNI_CACHE_DIR,
    cniConfDir: paths.cniConfDir ?? DEFAULT_CNI_CONF_DIR,
    cniBinDir: paths.cniBinDir ?? DEFAULT_CNI_BIN_DIR,
  };
}

/** A runtime connection, already known to answer; `close` releases the client and the endpoint lease. */
export interface RuntimeConnection {
  /** CRI, or dockershim's CRI answers rebuilt from Docker on a Docker node. */
  readonly cri: CriRuntime;
  /** `cri`: the CRI socket answered; `docker`: the node is read through the Docker Engine API. */
  readonly backend: 'cri' | 'docker';
  /** One sentence saying which source is used and why (shown with the runtime line). */
  readonly source: string;
  /** The endpoint actually used. */
  readonly endpoint: string;
  readonly docker?: { readonly api: DockerApi; readonly dockershimDir: string };
  close(): Promise<void>;
}

async function connectDocker(target: NodeTarget, endpoint: string, why: string, signal?: AbortSignal): Promise<RuntimeConnection> {
  const connection = await openDocker(target.access, endpoint, signal);
  try {
    const shim = await resolveDockershimDir(target.access, target.dockershimDir, signal);
    return {
      cri: new DockershimCri(connection.engine, target.access, shim.dir), backend: 'docker', endpoint,
      source: `${why}; Docker Engine API ${connection.apiVersion} at ${endpoint}, checkpoints from ${shim.dir}/sandbox (${shim.why})`,
      docker: { api: connection.engine, dockershimDir: shim.dir }, close: () => connection.close(),
    };
  } catch (error) {
    await connection.close();
    throw error;
  }
}

/** Whether a CRI failure leaves the node to Docker: no answer, or a socket that does not serve CRI (Docker's containerd). */
function criDidNotAnswer(error: unknown): boolean {
  if (error instanceof CriError && error.code === GrpcCode.UNIMPLEMENTED) return true;
  return isNodeDoctorError(error) && (error.reason === 'unreachable' || error.reason === 'timeout');
}

/**
 * Opens the runtime endpoint through the node access and checks that it answers. A Docker socket endpoint is read
 * through the Docker Engine API. A CRI socket that does not answer (kubelet's dockershim is down with kubelet) on a node
 * whose Docker socket answers falls back to Docker, and says so in `source`.
 */
export async function connectRuntime(target: NodeTarget, signal?: AbortSignal): Promise<RuntimeConnection> {
  if (isDockerEndpoint(target.endpoint)) return connectDocker(target, target.endpoint, 'a Docker socket was named', signal);
  let failure: unknown;
  let lease: CriEndpointLease | undefined;
  try {
    lease = await target.access.openCriEndpoint(target.endpoint, signal);
  } catch (error) {
    if (!criDidNotAnswer(error)) throw error;
    failure = error;
  }
  if (lease) {
    const opened = lease;
    const cri = createCriClient(opened.address);
    const close = async (): Promise<void> => {
      cri.close();
      await opened.close().catch(() => undefined);
    };
    try {
      await cri.version({ signal, timeoutMs: 5_000 });
      return { cri, close, backend: 'cri', endpoint: target.endpoint, source: `CRI at ${target.endpoint}` };
    } catch (error) {
      await close();
      if (!criDidNotAnswer(error)) throw error;
      failure = error;
    }
  }
  try {
    const present = await target.access.stat(DEFAULT_DOCKER_ENDPOINT.slice('unix://'.length), signal);
    if (present && !present.isFile && !present.isDirectory) {
      return await connectDocker(target, DEFAULT_DOCKER_ENDPOINT, `the CRI socket ${target.endpoint} did not answer (${describeError(failure)})`, signal);
    }
  } catch (error) {
    if (isNodeDoctorError(error) && error.reason === 'cancelled') throw error;
    // no Docker either: report the CRI failure
  }
  throw new NodeDoctorError('unreachable', `cannot reach the container runtime at ${target.endpoint}`, {
    hint: 'Check that containerd (or CRI-O) is running and the socket path is right; on a Docker node, name unix:///var/run/docker.sock.', cause: failure,
  });
}

export interface InspectTargetOptions {
  readonly node?: string;
  /** CRI nodes: the inventory's bound on per-ID lookups (settings). */
  readonly maxIdLookups?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (message: string) => void;
}

/** Reads a node's inventory through whichever backend its runtime connection has. */
export async function inspectTarget(target: NodeTarget, runtime: RuntimeConnection, options: InspectTargetOptions = {}): Promise<Inventory> {
  if (runtime.backend === 'docker' && runtime.docker) {
    return inspectDockerNode(target.access, runtime.docker.api, {
      dockershimDir: runtime.docker.dockershimDir,
      // kubelet's dockershim and cri-dockerd default libcni's cache dir to /var/lib/cni/cache.
      cniCacheDir: target.cniCacheDir === DEFAULT_CNI_CACHE_DIR ? DOCKER_CNI_CACHE_DIR : target.cniCacheDir,
      cniConfDir: target.cniConfDir, endpoint: runtime.endpoint, node: options.node, source: runtime.source,
      kubeletVersion: target.kubeletVersion, signal: options.signal, onProgress: options.onProgress,
    });
  }
  const inventory = await inspectNode(target.access, runtime.cri, {
    cniCacheDir: target.cniCacheDir, cniConfDir: target.cniConfDir, endpoint: target.endpoint, ...target.discovery,
    apiPods: target.apiPods, maxIdLookups: options.maxIdLookups, node: options.node, signal: options.signal, onProgress: options.onProgress,
  });
  // Stuck sandboxes (bridge targets): Ready sandboxes whose pods the API shows deleted past their grace period, or gone.
  const withStuck = await addStuckSandboxFindings(inventory, target.podsOnNode, options.signal);
  return { ...withStuck, runtime: { ...withStuck.runtime, backend: 'cri', source: runtime.source } };
}

/** The steps a runtime carries out itself (Docker), for the executor. */
export function runtimeStepsFor(target: NodeTarget, runtime: RuntimeConnection, signal?: AbortSignal): RuntimeSteps | undefined {
  return runtime.docker ? new DockerSteps({ docker: runtime.docker.api, access: target.access, signal }) : undefined;
}
