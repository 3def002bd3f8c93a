import { createHash } from 'node:crypto';
import { analyseCacheFile } from '../cni/cacheFile';
import { hostLocalDir, readNetworkConfigs } from '../cni/confDir';
import type { NetworkConfig } from '../cni/confDir';
import { listAllContainers, listAllSandboxes } from '../cri/listing';
import type { ContainerStatus, CriRuntime } from '../cri/types';
import { throwIfAborted } from '../errors';
import type { NodeAccess } from '../node/nodeAccess';
import { computeFindings } from './findings';
import { containerWireBytes, listWireBytes, sandboxWireBytes } from './payload';
import type { CacheEntry, ContainerItem, Counts, Inventory, ListSize, PodCount, RuntimeInfo, SandboxItem } from './types';

export interface InspectOptions {
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
  /** ContainerStatus lookups (exit codes, finish times) of not-running containers, at most this many (default 256). */
  readonly maxStatusLookups?: number;
  readonly perPodThreshold?: number;
  readonly totalThreshold?: number;
  /** Largest cache file read (default 1 MiB; real ones are about 1.4 KB). */
  readonly maxCacheFileBytes?: number;
}

const MIB = 1024 * 1024;
const CONCURRENCY = 32;

/** Runs `work` over `items` with bounded concurrency, in order of the results. */
async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>, signal?: AbortSignal): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      throwIfAborted(signal);
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function limits(bytes: number): ListSize['limits'] {
  return [
    { label: '4 MiB client default', bytes: 4 * MIB, percent: Math.round((bytes / (4 * MIB)) * 100) },
    { label: '16 MiB runtime send limit', bytes: 16 * MIB, percent: Math.round((bytes / (16 * MIB)) * 100) },
  ];
}

/** Reads and classifies every result cache file under `<cacheDir>/results`. */
export async function readCniCache(
  access: NodeAccess, cniCacheDir: string, networks: ReadonlyMap<string, NetworkConfig>, options: { signal?: AbortSignal; maxBytes?: number } = {},
): Promise<CacheEntry[]> {
  const dir = `${cniCacheDir.replace(/\/+$/, '')}/results`;
  const files = ((await access.listDir(dir, options.signal)) ?? []).filter((e) => e.isFile);
  const maxBytes = options.maxBytes ?? MIB;
  const versions = new Map([...networks].map(([name, n]) => [name, n.conf.cniVersion]));
  // Bulk read where the node access offers it (local access), one read per file otherwise (the bridge).
  const bulk = access.readSmallFiles ? await access.readSmallFiles(dir, files.map((f) => f.name), maxBytes, options.signal) : undefined;
  const entries = await mapLimit(files.map((file, index) => ({ file, index })), CONCURRENCY, async ({ file, index }): Promise<CacheEntry | undefined> => {
    // A file over maxBytes is no CNI result cache; it is left out rather than analysed as if it were empty.
    if (file.size > maxBytes) return undefined;
    let data: Buffer;
    if (bulk) {
      const read = bulk[index];
      if (read === undefined) return undefined; // removed or grown while reading: skip
      data = read;
    } else {
      try {
        data = await access.readFile(file.path, Math.max(file.size + 4096, 4096), options.signal);
      } catch {
        return undefined; // removed while reading, or too large: skip
      }
    }
    const a = analyseCacheFile({ ...file, size: data.length }, data, versions);
    if (!a) return undefined;
    return {
      path: a.path,
      name: a.name,
      network: a.network,
      sandboxId: a.containerId,
      ifName: a.ifName,
      size: a.size,
      mtimeMs: a.mtimeMs,
      sha256: createHash('sha256').update(data).digest('hex'),
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
    };
  }, options.signal);
  return entries.filter((e): e is CacheEntry => e !== undefined);
}

function countsOf(sandboxes: readonly SandboxItem[], containers: readonly ContainerItem[], cache: readonly CacheEntry[]): Counts {
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
    .sort((a, b) => b.notReadySandboxes + b.exitedContainers - (a.notReadySandboxes + a.exitedContainers) || a.pod.localeCompare(b.pod))
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
 * Read-only: nothing on the node changes.
 */
export async function inspectNode(access: NodeAccess, cri: CriRuntime, options: InspectOptions = {}): Promise<Inventory> {
  const { signal } = options;
  const progress = options.onProgress ?? ((): void => undefined);
  const call = { signal, timeoutMs: options.timeoutMs };
  const cniCacheDir = options.cniCacheDir ?? '/var/lib/cni';
  const cniConfDir = options.cniConfDir ?? '/etc/cni/net.d';
  const timings: Record<string, number> = {};
  const time = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    try {
      return await work();
    } finally {
      timings[label] = Math.round((performance.now() - start) * 10) / 10;
    }
  };

  progress('reading the runtime version');
  const [version, status] = await time('version', () => Promise.all([cri.version(call), cri.status(call)]));
  const runtime: RuntimeInfo = {
    endpoint: options.endpoint ?? '',
    runtimeName: version.runtimeName,
    runtimeVersion: version.runtimeVersion,
    runtimeApiVersion: version.runtimeApiVersion,
    conditions: status.conditions.map((c) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message })),
  };

  progress(`reading CNI cache files under ${cniCacheDir}/results`);
  const networks = await readNetworkConfigs(access, cniConfDir, signal);
  const cache = await time('cniCache', () => readCniCache(access, cniCacheDir, networks, { signal, maxBytes: options.maxCacheFileBytes }));
  throwIfAborted(signal);

  progress('listing pod sandboxes');
  const diskIds = [...new Set(cache.map((e) => e.sandboxId))];
  const listedSandboxes = await time('listPodSandbox', () => listAllSandboxes(cri, { sandboxIds: diskIds }, call));
  progress('listing containers');
  const listedContainers = await time('listContainers', () => listAllContainers(cri, listedSandboxes.items.map((s) => s.id), call));

  const netByIdSandbox = new Map<string, { netns?: string; ips: string[] }>();
  for (const e of cache) {
    if (e.state !== 'valid' || e.ifName === 'lo') continue;
    const known = netByIdSandbox.get(e.sandboxId) ?? { ips: [] };
    netByIdSandbox.set(e.sandboxId, { netns: known.netns ?? e.netns, ips: [...known.ips, ...e.ips] });
  }
  const sandboxes: SandboxItem[] = listedSandboxes.items.map((s) => ({
    id: s.id, state: s.state, name: s.name, namespace: s.namespace, uid: s.uid, attempt: s.attempt, createdAtMs: s.createdAtMs,
    runtimeHandler: s.runtimeHandler, netns: netByIdSandbox.get(s.id)?.netns, ips: netByIdSandbox.get(s.id)?.ips ?? [],
  })).sort((a, b) => a.createdAtMs - b.createdAtMs || a.id.localeCompare(b.id));

  const notRunning = listedContainers.items.filter((c) => c.state !== 'CONTAINER_RUNNING').slice(0, options.maxStatusLookups ?? 256);
  progress(`reading the status of ${notRunning.length} stopped containers`);
  const statuses = new Map<string, ContainerStatus>();
  await time('containerStatus', () => mapLimit(notRunning, 16, async (c) => {
    try {
      statuses.set(c.id, await cri.containerStatus(c.id, call));
    } catch {
      // removed meanwhile: keep the listed data
    }
  }, signal));
  const containers: ContainerItem[] = listedContainers.items.map((c) => {
    const st = statuses.get(c.id);
    return {
      id: c.id, name: c.name, state: c.state, sandboxId: c.podSandboxId, attempt: c.attempt, image: c.image, createdAtMs: c.createdAtMs,
      ...(st ? { exitCode: st.exitCode, finishedAtMs: st.finishedAtMs, reason: st.reason } : {}),
    };
  }).sort((a, b) => a.createdAtMs - b.createdAtMs || a.id.localeCompare(b.id));

  const listSizes: ListSize[] = [
    { method: 'ListPodSandbox', items: listedSandboxes.items.length, bytes: listWireBytes(listedSandboxes.items, sandboxWireBytes), limits: [] },
    { method: 'ListContainers', items: listedContainers.items.length, bytes: listWireBytes(listedContainers.items, containerWireBytes), limits: [] },
  ].map((s): ListSize => ({ ...s, method: s.method as ListSize['method'], limits: limits(s.bytes) }));
  const complete = listedSandboxes.complete && listedContainers.complete;
  const findings = computeFindings(sandboxes, containers, cache, listSizes, {
    listComplete: complete, perPodThreshold: options.perPodThreshold, totalThreshold: options.totalThreshold,
  });
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
      notes: [...listedSandboxes.notes, ...listedContainers.notes],
    },
    listSizes,
    counts: countsOf(sandboxes, containers, cache),
    timingsMs: timings,
  };
}
