import * as path from 'node:path';
import { isNodeDoctorError, NodeDoctorError, throwIfAborted } from '../errors';
import type { NodeAccess } from '../node/nodeAccess';
import {
  DEFAULT_CONTAINERD_ROOT, DEFAULT_CONTAINERD_STATE, DEFAULT_CRIO_STORAGE, DEFAULT_POD_LOG_DIR,
} from '../node/nodePaths';

/**
 * Where a node keeps what proves which sandboxes and containers exist, independently of what the runtime agrees to
 * send in one answer. `''` turns a source off. Defaults are the stock containerd / CRI-O / kubelet paths; k3s, RKE2
 * and Talos move them (see `DISCOVERY_PRESETS`).
 */
export interface DiscoveryPaths {
  /** containerd's `root`: sandboxes in `<root>/io.containerd.grpc.v1.cri/sandboxes/<id>`, containers in `…/containers/<id>`. */
  readonly containerdRoot?: string;
  /** containerd's `state`: the same two directories under `<state>/io.containerd.grpc.v1.cri/`. */
  readonly containerdState?: string;
  /** CRI-O's containers/storage root: every container (the pod's infra container too) in `<dir>/overlay-containers/<id>/userdata`. */
  readonly crioStorage?: string;
  /** kubelet's pod log directories `<dir>/<namespace>_<name>_<uid>`: the pods the node has held, with their namespaces and UIDs. */
  readonly podLogDir?: string;
}

/** Discovery paths of the distributions whose paths differ from the stock ones (documented in the README). */
export const DISCOVERY_PRESETS: Readonly<Record<'standard' | 'k3s' | 'rke2' | 'talos', Required<DiscoveryPaths>>> = {
  standard: { containerdRoot: DEFAULT_CONTAINERD_ROOT, containerdState: DEFAULT_CONTAINERD_STATE, crioStorage: DEFAULT_CRIO_STORAGE, podLogDir: DEFAULT_POD_LOG_DIR },
  k3s: { containerdRoot: '/var/lib/rancher/k3s/agent/containerd', containerdState: '/run/k3s/containerd', crioStorage: '', podLogDir: DEFAULT_POD_LOG_DIR },
  rke2: { containerdRoot: '/var/lib/rancher/rke2/agent/containerd', containerdState: '/run/k3s/containerd', crioStorage: '', podLogDir: DEFAULT_POD_LOG_DIR },
  talos: { containerdRoot: '/var/lib/containerd', containerdState: '/run/containerd', crioStorage: '', podLogDir: '/var/log/pods' },
};

export type DiscoverySourceKind = 'containerd-root' | 'containerd-state' | 'crio-storage' | 'pod-logs' | 'cni-cache' | 'api-pods';

/**
 * How one source was read. `read`: listed (possibly empty); `absent`: the directory is not there (or not mounted in the
 * bridge pod); `unreadable`: it is there but could not be listed; `off`: turned off by its setting.
 */
export interface DiscoverySource {
  readonly source: DiscoverySourceKind;
  /** Node path read, or `spec.nodeName=<node>` for the API. */
  readonly path: string;
  readonly status: 'read' | 'absent' | 'unreadable' | 'off';
  readonly sandboxIds: number;
  readonly containerIds: number;
  readonly pods: number;
  readonly error?: string;
}

/** A pod identity seen on the node (pod log directory, CNI cache file, API). */
export interface PodIdentity {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

export interface Discovered {
  /** Sandbox IDs the runtime's own directories (and the CNI cache) hold. */
  readonly sandboxIds: ReadonlySet<string>;
  readonly containerIds: ReadonlySet<string>;
  /** IDs whose kind the source does not say cheaply (CRI-O's `overlay-containers` holds both). */
  readonly unclassifiedIds: ReadonlySet<string>;
  readonly pods: readonly PodIdentity[];
  readonly sources: readonly DiscoverySource[];
  /**
   * Whether the IDs the runtime holds on disk are known: at least one runtime directory was read and none was there
   * but unreadable. Only then can a split list be proven complete.
   */
  readonly runtimeIdsKnown: boolean;
  /** Why they are not known (machine-readable code and a sentence), when they are not. */
  readonly unknownReason?: { readonly code: 'no-runtime-dir' | 'runtime-dir-unreadable'; readonly message: string };
}

const CRI_PLUGIN_DIR = 'io.containerd.grpc.v1.cri';
const HEX64 = /^[0-9a-f]{64}$/;

/** A 64-hex runtime ID, or undefined (other entries are not CRI objects). */
export function parseRuntimeId(name: string): string | undefined {
  return HEX64.test(name) ? name : undefined;
}

/**
 * `<namespace>_<name>_<uid>` (kubelet's pod log directory name). Namespaces and pod names are DNS names without `_`,
 * UIDs are UUIDs; anything else is not a pod log directory.
 */
export function parsePodLogDir(name: string): PodIdentity | undefined {
  const parts = name.split('_');
  if (parts.length !== 3) return undefined;
  const [namespace, podName, uid] = parts;
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) return undefined;
  if (!/^[a-z0-9]([-.a-z0-9]{0,251}[a-z0-9])?$/.test(podName)) return undefined;
  if (!/^[0-9A-Za-z][-0-9A-Za-z]{0,127}$/.test(uid)) return undefined;
  return { namespace, name: podName, uid };
}

type Listing = { status: 'read'; names: string[] } | { status: 'absent' } | { status: 'unreadable'; error: string };

async function listNames(access: NodeAccess, dir: string, signal?: AbortSignal): Promise<Listing> {
  try {
    const names = access.listNames ? await access.listNames(dir, signal) : (await access.listDir(dir, signal))?.map((e) => e.name);
    return names === undefined ? { status: 'absent' } : { status: 'read', names };
  } catch (error) {
    if (isNodeDoctorError(error) && error.reason === 'cancelled') throw error;
    if (isNodeDoctorError(error) && error.reason === 'not-found') return { status: 'absent' };
    return { status: 'unreadable', error: error instanceof Error ? error.message : String(error) };
  }
}

export interface DiscoveryOptions extends DiscoveryPaths {
  readonly signal?: AbortSignal;
  /** The API's pods on this node (bridge only), for their namespaces and UIDs. */
  readonly apiPods?: (signal?: AbortSignal) => Promise<readonly PodIdentity[]>;
}

/** Reads containerd's `<base>/io.containerd.grpc.v1.cri/{sandboxes,containers}`. */
async function containerdSource(access: NodeAccess, kind: 'containerd-root' | 'containerd-state', base: string, out: MutableDiscovered, signal?: AbortSignal): Promise<DiscoverySource> {
  const plugin = path.posix.join(base, CRI_PLUGIN_DIR);
  const [sandboxes, containers] = await Promise.all([
    listNames(access, `${plugin}/sandboxes`, signal),
    listNames(access, `${plugin}/containers`, signal),
  ]);
  let status: DiscoverySource['status'] = 'read';
  let error: string | undefined;
  for (const listing of [sandboxes, containers]) {
    if (listing.status === 'unreadable') { status = 'unreadable'; error ??= listing.error; }
  }
  if (status === 'read' && sandboxes.status === 'absent' && containers.status === 'absent') {
    // Neither subdirectory: a runtime that never ran a sandbox still has the plugin directory; no plugin directory
    // at all means this is not containerd's directory (another distribution's path, or not mounted).
    const pluginListing = await listNames(access, plugin, signal);
    if (pluginListing.status === 'unreadable') { status = 'unreadable'; error = pluginListing.error; }
    else if (pluginListing.status === 'absent') status = 'absent';
  }
  let sandboxCount = 0;
  let containerCount = 0;
  if (sandboxes.status === 'read') for (const name of sandboxes.names) { const id = parseRuntimeId(name); if (id) { out.sandboxIds.add(id); sandboxCount += 1; } }
  if (containers.status === 'read') for (const name of containers.names) { const id = parseRuntimeId(name); if (id) { out.containerIds.add(id); containerCount += 1; } }
  return { source: kind, path: plugin, status, sandboxIds: sandboxCount, containerIds: containerCount, pods: 0, ...(error ? { error } : {}) };
}

interface MutableDiscovered {
  sandboxIds: Set<string>;
  containerIds: Set<string>;
  unclassifiedIds: Set<string>;
  pods: Map<string, PodIdentity>;
}

/**
 * Every sandbox and container ID and every pod identity the node holds outside the runtime's list answers: the
 * runtime's own directories (containerd root and state, CRI-O storage), kubelet's pod log directories, the CNI cache
 * (given by the caller, which reads it anyway) and, through the bridge, the API's pods on the node. Names only: no
 * file is opened, so it costs one directory listing per source.
 */
export async function discoverNode(access: NodeAccess, options: DiscoveryOptions): Promise<Discovered> {
  const signal = options.signal;
  throwIfAborted(signal);
  const out: MutableDiscovered = { sandboxIds: new Set(), containerIds: new Set(), unclassifiedIds: new Set(), pods: new Map() };
  const addPod = (pod: PodIdentity): void => { out.pods.set(`${pod.namespace}/${pod.uid}`, pod); };
  const off = (source: DiscoverySourceKind): DiscoverySource => ({ source, path: '', status: 'off', sandboxIds: 0, containerIds: 0, pods: 0 });
  const root = options.containerdRoot ?? DEFAULT_CONTAINERD_ROOT;
  const state = options.containerdState ?? DEFAULT_CONTAINERD_STATE;
  const crio = options.crioStorage ?? DEFAULT_CRIO_STORAGE;
  const podLogs = options.podLogDir ?? DEFAULT_POD_LOG_DIR;

  const tasks: Promise<DiscoverySource>[] = [
    root ? containerdSource(access, 'containerd-root', root, out, signal) : Promise.resolve(off('containerd-root')),
    state ? containerdSource(access, 'containerd-state', state, out, signal) : Promise.resolve(off('containerd-state')),
    crio ? (async (): Promise<DiscoverySource> => {
      const dir = path.posix.join(crio, 'overlay-containers');
      const listing = await listNames(access, dir, signal);
      let count = 0;
      if (listing.status === 'read') for (const name of listing.names) { const id = parseRuntimeId(name); if (id) { out.unclassifiedIds.add(id); count += 1; } }
      return { source: 'crio-storage', path: dir, status: listing.status, sandboxIds: 0, containerIds: count, pods: 0, ...(listing.status === 'unreadable' ? { error: listing.error } : {}) };
    })() : Promise.resolve(off('crio-storage')),
    podLogs ? (async (): Promise<DiscoverySource> => {
      const listing = await listNames(access, podLogs, signal);
      let count = 0;
      if (listing.status === 'read') for (const name of listing.names) { const pod = parsePodLogDir(name); if (pod) { addPod(pod); count += 1; } }
      return { source: 'pod-logs', path: podLogs, status: listing.status, sandboxIds: 0, containerIds: 0, pods: count, ...(listing.status === 'unreadable' ? { error: listing.error } : {}) };
    })() : Promise.resolve(off('pod-logs')),
  ];
  if (options.apiPods) {
    const apiPods = options.apiPods;
    tasks.push((async (): Promise<DiscoverySource> => {
      try {
        const pods = await apiPods(signal);
        for (const pod of pods) addPod(pod);
        return { source: 'api-pods', path: 'spec.nodeName', status: 'read', sandboxIds: 0, containerIds: 0, pods: pods.length };
      } catch (error) {
        if (error instanceof NodeDoctorError && error.reason === 'cancelled') throw error;
        return { source: 'api-pods', path: 'spec.nodeName', status: 'unreadable', sandboxIds: 0, containerIds: 0, pods: 0, error: error instanceof Error ? error.message : String(error) };
      }
    })());
  }
  const sources = await Promise.all(tasks);
  return { sandboxIds: out.sandboxIds, containerIds: out.containerIds, unclassifiedIds: out.unclassifiedIds, pods: [...out.pods.values()], sources, ...runtimeIdsKnown(sources) };
}

/**
 * Adds the CNI cache's sandbox IDs (files of sandboxes the runtime may have forgotten) and pod namespaces. The cache is
 * no proof of completeness: a stopped sandbox's files are gone after its network teardown.
 */
export function withCniCache(discovered: Discovered, dir: string, sandboxIds: Iterable<string>, namespaces: Iterable<string>): Discovered {
  const ids = new Set(discovered.sandboxIds);
  let count = 0;
  for (const id of new Set(sandboxIds)) if (parseRuntimeId(id)) { ids.add(id); count += 1; }
  const pods = [...discovered.pods];
  const seen = new Set(pods.map((p) => p.namespace));
  let podCount = 0;
  for (const namespace of new Set(namespaces)) {
    podCount += 1;
    if (!seen.has(namespace)) pods.push({ namespace, name: '', uid: '' });
  }
  return {
    ...discovered, sandboxIds: ids, pods,
    sources: [...discovered.sources, { source: 'cni-cache', path: `${dir.replace(/\/+$/, '')}/results`, status: 'read', sandboxIds: count, containerIds: 0, pods: podCount }],
  };
}

const RUNTIME_SOURCES: ReadonlySet<DiscoverySourceKind> = new Set(['containerd-root', 'containerd-state', 'crio-storage']);

/** Whether the runtime's directories prove which IDs exist: one read, none unreadable. */
export function runtimeIdsKnown(sources: readonly DiscoverySource[]): Pick<Discovered, 'runtimeIdsKnown' | 'unknownReason'> {
  const runtime = sources.filter((s) => RUNTIME_SOURCES.has(s.source));
  const unreadable = runtime.filter((s) => s.status === 'unreadable');
  if (unreadable.length > 0) {
    return {
      runtimeIdsKnown: false,
      unknownReason: {
        code: 'runtime-dir-unreadable',
        message: `the runtime's directory ${unreadable.map((s) => `${s.path} (${s.error ?? 'unreadable'})`).join(', ')} could not be read, so the sandbox IDs on disk are unknown`,
      },
    };
  }
  if (runtime.some((s) => s.status === 'read')) return { runtimeIdsKnown: true };
  const tried = runtime.filter((s) => s.status !== 'off').map((s) => s.path);
  return {
    runtimeIdsKnown: false,
    unknownReason: {
      code: 'no-runtime-dir',
      message: tried.length > 0
        ? `none of the runtime's directories was found (${tried.join(', ')}), so the sandbox IDs on disk are unknown; set the runtime's root/state paths (k3s, RKE2 and Talos differ)`
        : 'every runtime directory source is turned off, so the sandbox IDs on disk are unknown',
    },
  };
}
