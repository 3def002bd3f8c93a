import type { NodePod } from '../cluster/podsOnNode';
import { createCriClient } from '../cri/criClient';
import { discoverEndpoint, WELL_KNOWN_ENDPOINTS } from '../cri/endpoints';
import type { CriRuntime } from '../cri/types';
import { isNodeDoctorError, NodeDoctorError } from '../errors';
import { LocalNodeAccess } from '../node/localNodeAccess';
import type { NodeAccess } from '../node/nodeAccess';
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
}

/** Where a node's runtime and CNI state live; every field has the usual default. */
export interface NodePaths {
  readonly runtimeEndpoint?: string;
  readonly cniCacheDir?: string;
  readonly cniConfDir?: string;
  readonly cniBinDir?: string;
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
  return { access, endpoint: found.endpoint, ...withDefaults(spec) };
}

/** The CNI directories of a spec, defaults filled in. */
export function withDefaults(paths: NodePaths): { cniCacheDir: string; cniConfDir: string; cniBinDir: string } {
  return {
    cniCacheDir: paths.cniCacheDir ?? DEFAULT_CNI_CACHE_DIR,
    cniConfDir: paths.cniConfDir ?? DEFAULT_CNI_CONF_DIR,
    cniBinDir: paths.cniBinDir ?? DEFAULT_CNI_BIN_DIR,
  };
}

/** A CRI client on a node's runtime socket, already known to answer; `close` releases the client and the endpoint lease. */
export interface RuntimeConnection {
  readonly cri: CriRuntime;
  close(): Promise<void>;
}

/** Opens the runtime endpoint through the node access and checks that the runtime answers (Version). */
export async function connectRuntime(target: NodeTarget, signal?: AbortSignal): Promise<RuntimeConnection> {
  const lease = await target.access.openCriEndpoint(target.endpoint, signal);
  const cri = createCriClient(lease.address);
  const close = async (): Promise<void> => {
    cri.close();
    await lease.close().catch(() => undefined);
  };
  try {
    await cri.version({ signal, timeoutMs: 5_000 });
  } catch (error) {
    await close();
    if (isNodeDoctorError(error) && (error.reason === 'unreachable' || error.reason === 'timeout')) {
      throw new NodeDoctorError('unreachable', `cannot reach the container runtime at ${target.endpoint}`, {
        hint: 'Check that containerd (or CRI-O) is running and the socket path is right.', cause: error,
      });
    }
    throw error;
  }
  return { cri, close };
}
