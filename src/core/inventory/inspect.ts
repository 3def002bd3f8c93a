import { hash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { analyseCacheFile } from '../cni/cacheFile';
import type { ConfigVersionMemo } from '../cni/cacheFile';
import { hostLocalDir, readNetworkConfigs } from '../cni/confDir';
import type { NetworkConfig } from '../cni/confDir';
import { listAllContainers, listAllSandboxes } from '../cri/listing';
import type { Container, ContainerStatus, CriRuntime } from '../cri/types';
import { NodeDoctorError, throwIfAborted } from '../errors';
import type { FileEntry, NodeAccess } from '../node/nodeAccess';
import { DEFAULT_CNI_CACHE_DIR, DEFAULT_CNI_CONF_DIR } from '../node/nodePaths';
import { discoverNode, withCniCache } from './discovery';
import type { DiscoveryPaths, PodIdentity } from './discovery';
import { computeFindings } from './findings';
import { containerWireBytes, listLimits, listWireBytes, sandboxWireBytes } from './payload';
import type { CacheEntry, ContainerItem, Counts, Inventory, ListSize, PodCount, RuntimeInfo, SandboxItem } from './types';
import { mapLimit } from '../model/concurrency';

export interface InspectOptions extends DiscoveryPaths {
  /** The API's pods on this node (through the bridge), for their namespaces and UIDs. */
  readonly apiPods?: (signal?: AbortSignal) => Promise<readonly PodIdentity[]>;
  /** Most IDs found on disk but in no list answer that are looked up one by one (default 5,000); past it: incomplete. */
  readonly maxIdLookups?: number;
  /** libcni's cache dir on the node (default `/var/lib/cni`); results are in `<dir>/results`. */
  readonly cniCacheDir?: string;
  /** The CNI conf dir (default `/etc/cni/net.d`), for each network's cniVersion. */
  readonly cniConfDir?: string;
  readonly endpoint?: string;
  readonly node?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (message: string) => void;
  /** Per-call deadline for CRI calls (default 30 s). */
  readonly timeoutMs?: number;
  /**
   * ContainerStatus lookups (exit codes, finish times), at most this many (default 256). Only containers whose status
   * says something: orphans (their sandbox is not listed) first, then not-running containers of Ready sandboxes (a
   * crashing container of a live pod). Exited containers of NotReady sandboxes are dead-pod leftovers that the pile-up
   * findings count; one ContainerStatus call each would make the inventory grow with exactly what it reports.
   */
  readonly maxStatusLookups?: number;
  readonly perPodThreshold?: number;
  readonly totalThreshold?: number;
  /** Largest cache file read (default 1 MiB; real ones are about 1.4 KB). */
  readonly maxCacheFileBytes?: number;
}

const MIB = 1024 * 1024;
const CONCURRENCY = 32;
/** Cache files analysed per slice before the event loop gets a turn (CRI answers arriving meanwhile are handled). */
const ANALYSE_SLICE = 256;

/** A cache file as read from the node, before analysis. */
export interface RawCacheFile {
  readonly file: FileEntry;
  readonly data: Buffer;
}

function resultsDir(cniCacheDir: string): string {
  return `${cniCacheDir.replace(/\/+$/, '')}/results`;
}

/** Reads the files under `<cacheDir>/results` (one bulk read with local access, bounded-parallel reads over the bridge). */
export async function readCacheFiles(access: NodeAccess, cniCacheDir: string, options: { signal?: AbortSignal; maxBytes?: number } = {}): Promise<RawCacheFile[]> {
  const dir = resultsDir(cniCacheDir);
  const maxBytes = options.maxBytes ?? MIB;
  // A file over maxBytes is no CNI result cache; it is left out rather than analysed as if it were empty.
  const files = ((await access.listDir(dir, options.signal)) ?? []).filter((e) => e.isFile && e.size <= maxBytes);
  if (access.readSmallFiles) {
    const bulk = await access.readSmallFiles(dir, files.map((f) => f.name), maxBytes, options.signal);
    const out: RawCacheFile[] = [];
    files.forEach((file, index) => {
      const data = bulk[index];
      if (data !== undefined) out.push({ file, data }); // undefined: removed, replaced or grown while reading: skip
    });
    return out;
  }
  const read = await mapLimit(files, CONCURRENCY, async (file): Promise<RawCacheFile | undefined> => {
    try {
      return { file, data: await access.readFile(file.path, Math.max(file.size + 4096, 4096), options.signal) };
    } catch (error) {
      if (error instanceof NodeDoctorError && error.reason === 'cancelled') throw error;
      return undefined; // removed while reading, or too large: skip
    }
  }, options.signal);
  return read.filter((r): r is RawCacheFile => r !== undefined);
}

/**
 * Classifies cache files that were read. Yields to the event loop between slices, so CRI answers that arrive while
 * thousands of files are analysed are decoded meanwhile rather than after.
 */
export async function analyseCacheFiles(raw: readonly RawCacheFile[], networks: ReadonlyMap<string, NetworkConfig>, signal?: AbortSignal): Promise<CacheEntry[]> {
  const versions = new Map([...networks].map(([name, n]) => [name, n.conf.cniVersion]));
  const memo: ConfigVersionMemo = new Map();
  const entries: CacheEntry[] = [];
  for (let start = 0; start < raw.length; start += ANALYSE_SLICE) {
    throwIfAborted(signal);
    for (let i = start; i < Math.min(start + ANALYSE_SLICE, raw.length); i++) {
      const { file, data } = raw[i];
      const a = analyseCacheFile({ name: file.name, path: file.path, size: data.length, mtimeMs: file.mtimeMs, isFile: true, isDirectory: false }, data, versions, memo);
      if (!a) continue;
      entries.push({
        path: a.path,
        name: a.name,
        network: a.network,
        sandboxId: a.containerId,
        ifName: a.ifName,
        size: a.size,
        mtimeMs: a.mtimeMs,
        // Every file gets its hash: the repair re-check compares it before touching the file. One-shot hashing of
        // a 1.4 KB file costs ~1.5 µs (15 ms for 10k files), less than deciding which files a plan may need.
        sha256: hash('sha256', data, 'hex'),
        state: a.state,
        jsonValid: a.jsonValid,
        kind: a.kind,
        containerId: a.recordedContainerId,
        networkName: a.recordedNetworkName,
        recordedIfName: a.recordedIfName,
        ips: a.ips,
        netns: a.netnsPath,
        networkCniVersion: networks.get(a.network)?.conf.cniVersion ?? a.configCniVersion,
        readOnTeardown: a.readOnTeardown,
        readReason: a.readReason,
        pod: a.podNamespace && a.podName ? `${a.podNamespace}/${a.podName}` : undefined,
      });
    }
    if (start + ANALYSE_SLICE < raw.length) await new Promise((resolve) => setImmediate(resolve));
  }
  return entries;
}

/**
 * Which not-running containers get a ContainerStatus call: orphans first (their sandbox is not listed: the exit code
 * says what happened to them), then those of Ready sandboxes; at most `max`.
 */
export function statusCandidates(containers: readonly Container[], sandboxes: readonly SandboxItem[], max: number): Container[] {
  const state = new Map(sandboxes.map((s) => [s.id, s.state]));
  const orphans: Container[] = [];
  const live: Container[] = [];
  for (const c of containers) {
    if (c.state === 'CONTAINER_RUNNING') continue;
    const sandboxState = state.get(c.podSandboxId);
    if (sandboxState === undefined) orphans.push(c);
    else if (sandboxState === 'SANDBOX_READY') live.push(c);
  }
  return [...orphans, ...live].slice(0, Math.max(0, max));
}

/** Plain code-point order: IDs are hex and pod names DNS labels, so it equals locale order without ICU's cost per call. */
function codePointOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function oldestFirst(a: { createdAtMs: number; id: string }, b: { createdAtMs: number; id: string }): number {
  return a.createdAtMs - b.createdAtMs || codePointOrder(a.id, b.id);
}

/** The totals of an inventory (also used by tests that build inventories from fixtures). */
export function countsOf(sandboxes: readonly SandboxItem[], containers: readonly ContainerItem[], cache: readonly CacheEntry[]): Counts {
  const byId = new Map(sandboxes.map((s) => [s.id, s]));
  const pods = new Map<string, { sandboxes: number; notReadySandboxes: number; exitedContainers: number }>();
  for (const s of sandboxes) {
    const key = `${s.namespace}/${s.name}`;
    const p = pods.get(key) ?? { sandboxes: 0, notReadySandboxes: 0, exitedContainers: 0 };
    p.sandboxes += 1;
    if (s.state === 'SANDBOX_NOTREADY') p.notReadySandboxes += 1;
    pods.set(key, p);
  }
  for (const c of containers) {
    const s = byId.get(c.sandboxId);
    if (s && c.state === 'CONTAINER_EXITED') {
      const p = pods.get(`${s.namespace}/${s.name}`);
      if (p) p.exitedContainers += 1;
    }
  }
  const perPod: PodCount[] = [...pods.entries()]
    .map(([pod, p]) => ({ pod, ...p }))
    .filter((p) => p.notReadySandboxes + p.exitedContainers > 0)
    .sort((a, b) => b.notReadySandboxes + b.exitedContainers - (a.notReadySandboxes + a.exitedContainers) || codePointOrder(a.pod, b.pod))
    .slice(0, 50);
  return {
    sandboxes: sandboxes.length,
    readySandboxes: sandboxes.filter((s) => s.state === 'SANDBOX_READY').length,
    notReadySandboxes: sandboxes.filter((s) => s.state === 'SANDBOX_NOTREADY').length,
    containers: containers.length,
    runningContainers: containers.filter((c) => c.state === 'CONTAINER_RUNNING').length,
    exitedContainers: containers.filter((c) => c.state === 'CONTAINER_EXITED').length,
    cacheFiles: cache.length,
    unreadableCacheFiles: cache.filter((e) => e.state !== 'valid').length,
    perPod,
  };
}

/**
 * Reads a node's pod sandboxes, containers and CNI result cache files and cross-references them into findings.
 * Read-only: nothing on the node changes. The runtime lists, the cache-dir read and the conf-dir read run at the same
 * time; `timingsMs` gives each phase's own duration (they overlap) and the `total`.
 */
export async function inspectNode(access: NodeAccess, cri: CriRuntime, options: InspectOptions = {}): Promise<Inventory> {
  const started = performance.now();
  // A failing phase aborts the others; the caller gets that first error, not the `cancelled` of the phases it stopped.
  const inner = new AbortController();
  // Every CRI call in flight listens on it: bounded-parallel per-ID lookups add 16 at once.
  setMaxListeners(64, inner.signal);
  const outer = options.signal;
  const onOuterAbort = (): void => inner.abort(outer?.reason);
  if (outer?.aborted) inner.abort(outer.reason);
  else outer?.addEventListener('abort', onOuterAbort, { once: true });
  const signal = inner.signal;
  const progress = options.onProgress ?? ((): void => undefined);
  const call = { signal, timeoutMs: options.timeoutMs };
  const cniCacheDir = options.cniCacheDir ?? DEFAULT_CNI_CACHE_DIR;
  const cniConfDir = options.cniConfDir ?? DEFAULT_CNI_CONF_DIR;
  const timings: Record<string, number> = {};
  const time = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    try {
      return await work();
    } catch (error) {
      inner.abort(error);
      throw error;
    } finally {
      timings[label] = Math.round((performance.now() - start) * 10) / 10;
    }
  };

  try {
    throwIfAborted(outer);
    // The runtime works on its answers while this process reads and analyses the cache files.
    progress('listing pod sandboxes and containers; reading CNI cache files');
    const versionDone = time('version', () => Promise.all([cri.version(call), cri.status(call)]));
    const cacheDone = time('cniCache', async () => {
      const [networks, raw] = await Promise.all([
        readNetworkConfigs(access, cniConfDir, signal),
        readCacheFiles(access, cniCacheDir, { signal, maxBytes: options.maxCacheFileBytes }),
      ]);
      return { networks, cache: await analyseCacheFiles(raw, networks, signal) };
    });
    // What the node holds on disk, read while the runtime answers: the lists are split by the namespaces and UIDs it
    // names, and cross-checked against (and completed from) the IDs in the runtime's own directories.
    const discoveryDone = time('discovery', () => discoverNode(access, {
      containerdRoot: options.containerdRoot, containerdState: options.containerdState, crioStorage: options.crioStorage,
      podLogDir: options.podLogDir, apiPods: options.apiPods, signal,
    }));
    const diskDone = (async () => {
      const [found, { cache }] = await Promise.all([discoveryDone, cacheDone]);
      return withCniCache(found, cniCacheDir, cache.map((e) => e.sandboxId), cache.map((e) => e.pod?.split('/')[0] ?? '').filter(Boolean));
    })();
    diskDone.catch(() => undefined); // awaited below; a failure there aborts the other phases through `time`
    const sandboxDisk = async () => {
      const d = await diskDone;
      return { ids: d.sandboxIds, unclassified: d.unclassifiedIds, known: d.runtimeIdsKnown, unknownReason: d.unknownReason };
    };
    const containerDisk = async () => {
      const d = await diskDone;
      return { ids: d.containerIds, unclassified: d.unclassifiedIds, known: d.runtimeIdsKnown, unknownReason: d.unknownReason };
    };
    const maxIdLookups = options.maxIdLookups;
    const sandboxesDone = time('listPodSandbox', () => listAllSandboxes(cri, {
      disk: sandboxDisk, pods: async () => (await diskDone).pods, maxIdLookups,
    }, call));
    const containersDone = time('listContainers', () => listAllContainers(cri, async () => (await sandboxesDone).items.map((s) => s.id), {
      ...call, disk: containerDisk, maxIdLookups,
    }));
    const [[version, status], { networks, cache }, listedSandboxes, listedContainers, disk] = await Promise.all([versionDone, cacheDone, sandboxesDone, containersDone, diskDone]);
    const runtime: RuntimeInfo = {
      endpoint: options.endpoint ?? '',
      runtimeName: version.runtimeName,
      runtimeVersion: version.runtimeVersion,
      runtimeApiVersion: version.runtimeApiVersion,
      conditions: status.conditions.map((c) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message })),
    };

    const netByIdSandbox = new Map<string, { netns?: string; ips: string[] }>();
    for (const e of cache) {
      if (e.state !== 'valid' || e.ifName === 'lo') continue;
      const known = netByIdSandbox.get(e.sandboxId);
      if (known) {
        known.netns ??= e.netns;
        known.ips.push(...e.ips);
      } else {
        netByIdSandbox.set(e.sandboxId, { netns: e.netns, ips: [...e.ips] });
      }
    }
    const sandboxes: SandboxItem[] = listedSandboxes.items.map((s) => ({
      id: s.id, state: s.state, name: s.name, namespace: s.namespace, uid: s.uid, attempt: s.attempt, createdAtMs: s.createdAtMs,
      runtimeHandler: s.runtimeHandler, netns: netByIdSandbox.get(s.id)?.netns, ips: netByIdSandbox.get(s.id)?.ips ?? [],
    })).sort(oldestFirst);

    const lookups = statusCandidates(listedContainers.items, sandboxes, options.maxStatusLookups ?? 256);
    progress(`reading the status of ${lookups.length} containers (orphans, stopped containers of Ready sandboxes)`);
    const statuses = new Map<string, ContainerStatus>();
    await time('containerStatus', () => mapLimit(lookups, 16, async (c) => {
      try {
        statuses.set(c.id, await cri.containerStatus(c.id, call));
      } catch (error) {
        if (error instanceof NodeDoctorError && error.reason === 'cancelled') throw error;
        // removed meanwhile: keep the listed data
      }
    }, signal));
    const containers: ContainerItem[] = listedContainers.items.map((c) => {
      const st = statuses.get(c.id);
      return {
        id: c.id, name: c.name, state: c.state, sandboxId: c.podSandboxId, attempt: c.attempt, image: c.image, createdAtMs: c.createdAtMs,
        ...(st ? { exitCode: st.exitCode, finishedAtMs: st.finishedAtMs, reason: st.reason } : {}),
      };
    }).sort(oldestFirst);

    const listSizes: ListSize[] = [
      { method: 'ListPodSandbox', items: listedSandboxes.items.length, bytes: listWireBytes(listedSandboxes.items, sandboxWireBytes), limits: [] },
      { method: 'ListContainers', items: listedContainers.items.length, bytes: listWireBytes(listedContainers.items, containerWireBytes), limits: [] },
    ].map((s): ListSize => ({
      ...s, method: s.method as ListSize['method'],
      limits: listLimits(s.bytes, s.method === 'ListPodSandbox' ? listedSandboxes.sendCap ?? listedContainers.sendCap : listedContainers.sendCap ?? listedSandboxes.sendCap),
    }));
    const complete = listedSandboxes.complete && listedContainers.complete;
    const findings = computeFindings(sandboxes, containers, cache, listSizes, {
      listComplete: complete, perPodThreshold: options.perPodThreshold, totalThreshold: options.totalThreshold,
    });
    timings.total = Math.round((performance.now() - started) * 10) / 10;
    return {
      node: options.node ?? 'local',
      access: access.description,
      generatedAt: new Date().toISOString(),
      cniCacheDir,
      cniConfDir,
      runtime,
      sandboxes,
      containers,
      cniCache: cache,
      cniNetworks: [...networks.values()].map((n) => ({
        name: n.conf.name, cniVersion: n.conf.cniVersion, source: n.source, plugins: n.conf.plugins.map((p) => p.type), hostLocalDir: hostLocalDir(n.conf),
      })),
      findings,
      listStrategy: {
        sandboxes: listedSandboxes.strategy,
        containers: listedContainers.strategy,
        complete,
        reasons: [...listedSandboxes.reasons, ...listedContainers.reasons],
        stream: { sandboxes: listedSandboxes.stream, containers: listedContainers.stream },
        lookups: { sandboxes: listedSandboxes.lookups, containers: listedContainers.lookups },
        notes: [...listedSandboxes.notes, ...listedContainers.notes],
      },
      discovery: {
        sources: disk.sources,
        sandboxIdsOnDisk: disk.sandboxIds.size,
        containerIdsOnDisk: disk.containerIds.size,
        runtimeIdsKnown: disk.runtimeIdsKnown,
        unknownToRuntime: { sandboxes: listedSandboxes.unknownToRuntime, containers: listedContainers.unknownToRuntime },
      },
      listSizes,
      counts: countsOf(sandboxes, containers, cache),
      timingsMs: timings,
    };
  } finally {
    outer?.removeEventListener('abort', onOuterAbort);
  }
}
