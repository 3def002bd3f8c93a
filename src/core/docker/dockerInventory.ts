import { hostLocalDir, readNetworkConfigs } from '../cni/confDir';
import type { Container, PodSandbox } from '../cri/types';
import { NodeDoctorError, throwIfAborted } from '../errors';
import { computeFindings } from '../inventory/findings';
import { analyseCacheFiles, countsOf, readCacheFiles, statusCandidates } from '../inventory/inspect';
import { containerWireBytes, listLimits, listWireBytes, sandboxWireBytes } from '../inventory/payload';
import type { CheckpointItem, ContainerItem, Finding, Inventory, ListSize, SandboxItem } from '../inventory/types';
import { shortId } from '../model/ids';
import type { NodeAccess } from '../node/nodeAccess';
import { DEFAULT_CNI_CONF_DIR } from '../node/nodePaths';
import type { IncompleteReason } from '../cri/listing';
import type { DockerApi, DockerContainerSummary } from './dockerEngine';
import { isDockerNotFound } from './dockerEngine';
import {
  DEFAULT_DOCKERSHIM_DIR, DOCKER_CNI_CACHE_DIR, TYPE_CONTAINER, TYPE_LABEL, TYPE_SANDBOX, containerFromDocker, exitCodeFromStatus, kubeType,
  readCheckpoints, sandboxFromCheckpoint, sandboxFromContainer,
} from './dockershim';
import type { Checkpoint, CheckpointListing } from './dockershim';
import { mapLimit } from '../model/concurrency';

export interface DockerInspectOptions {
  /** dockershim's root (default `/var/lib/dockershim`); checkpoints are in `<dir>/sandbox`. */
  readonly dockershimDir?: string;
  /** libcni's cache dir (default `/var/lib/cni/cache`, kubelet's and cri-dockerd's `--cni-cache-dir` default). */
  readonly cniCacheDir?: string;
  readonly cniConfDir?: string;
  /** `unix:///var/run/docker.sock` as seen on the node. */
  readonly endpoint?: string;
  readonly node?: string;
  /** Why this node is read through dockerd (shown with the runtime line). */
  readonly source?: string;
  /** e.g. `v1.18.6`: decides whether an orphan container stops kubelet from starting. */
  readonly kubeletVersion?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (message: string) => void;
  readonly timeoutMs?: number;
  /** Container inspections for exit codes and finish times (orphans first), at most this many (default 256). */
  readonly maxStatusLookups?: number;
  readonly perPodThreshold?: number;
  readonly totalThreshold?: number;
  readonly maxCacheFileBytes?: number;
}

/** `v1.18.6` → 18 (minor of a 1.x version); undefined when it does not parse. */
export function kubeletMinor(version: string | undefined): number | undefined {
  const m = /^v?1\.(\d{1,3})\./.exec(version ?? '');
  return m ? Number(m[1]) : undefined;
}

/** What the seed-004 orphan does to kubelet, by version (kubernetes/kubernetes#108325 made it non-fatal in 1.24). */
export function kubeletNote(version: string | undefined, sandboxId: string): string {
  const fatal = `kubelet before 1.24 refuses to start on it: "Failed to start ContainerManager failed to build map of initial containers from runtime: no PodsandBox found with Id '${sandboxId}'"`;
  const minor = kubeletMinor(version);
  if (minor === undefined) return `${fatal}; 1.24 and later (cri-dockerd) only log it. The kubelet version is not known here.`;
  return minor < 24 ? `This node's kubelet ${version} is affected: ${fatal}.` : `This node's kubelet ${version} (≥ 1.24) only logs it; ${fatal}.`;
}

function orderOldestFirst<T extends { createdAtMs: number; id: string }>(items: T[]): T[] {
  return items.sort((a, b) => a.createdAtMs - b.createdAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Docker-only findings, and the orphan findings given the dockershim wording. */
function dockerFindings(base: Finding[], checkpoints: readonly CheckpointItem[], listComplete: boolean, kubeletVersion: string | undefined): Finding[] {
  const out = base.map((f): Finding => {
    if (f.rule !== 'orphan-container' || !f.sandboxId) return f;
    return {
      ...f,
      rule: 'dockershim-orphan-container',
      detail: `Neither a podsandbox container nor a checkpoint has ID ${f.sandboxId}, so ListPodSandbox does not list the sandbox this container names in io.kubernetes.sandbox.id. ${kubeletNote(kubeletVersion, f.sandboxId)} kubelet's GC never removes it.`,
    };
  });
  if (!listComplete) return out;
  for (const cp of checkpoints) {
    if (cp.hasContainer) continue;
    const pod = cp.pod ?? '(unreadable checkpoint)';
    if (cp.referencedBy.length > 0) {
      out.push({
        id: `runtime-object-missing:checkpoint-${cp.sandboxId}`,
        category: 'runtime-object-missing',
        rule: 'checkpoint-without-sandbox-container',
        severity: 'info',
        title: `Sandbox ${shortId(cp.sandboxId)} (${pod}) has lost its podsandbox container; only its checkpoint keeps it listed (NotReady)`,
        detail: `${cp.path}: ${cp.referencedBy.length} container(s) still name this sandbox (${cp.referencedBy.map(shortId).join(', ')}). Keep the checkpoint: without it they become orphans that stop kubelet < 1.24 from starting. kubelet removes the sandbox (and the checkpoint) once the pod is gone.`,
        sandboxId: cp.sandboxId,
        path: cp.path,
        pod: cp.pod,
        state: 'SANDBOX_NOTREADY',
      });
      continue;
    }
    out.push({
      id: `runtime-object-missing:checkpoint-${cp.sandboxId}`,
      category: 'runtime-object-missing',
      rule: 'stale-sandbox-checkpoint',
      severity: 'warning',
      title: `Checkpoint of sandbox ${shortId(cp.sandboxId)} (${pod}) without its podsandbox container or any container`,
      detail: `${cp.path}: dockershim lists it as a NotReady sandbox with no container behind it${cp.valid ? '' : ' (the file is not a readable checkpoint, so dockershim skips it)'}; nothing on the node uses it.`,
      repair: 'remove-stale-checkpoint',
      sandboxId: cp.sandboxId,
      path: cp.path,
      pod: cp.pod,
      state: 'SANDBOX_NOTREADY',
    });
  }
  return out;
}

/**
 * Reads a Docker node (dockershim or cri-dockerd) through the Docker Engine API and dockershim's checkpoint files, into
 * the same inventory model as a CRI node: sandboxes are podsandbox containers plus checkpoint-only NotReady sandboxes,
 * containers carry their sandbox ID and exit code, list sizes are those of the CRI answers dockershim would send.
 * Read-only. Complete only when Docker's list answered and the checkpoint directory was read (or proven absent).
 */
export async function inspectDockerNode(access: NodeAccess, docker: DockerApi, options: DockerInspectOptions = {}): Promise<Inventory> {
  const started = performance.now();
  const signal = options.signal;
  const call = { signal, timeoutMs: options.timeoutMs };
  const progress = options.onProgress ?? ((): void => undefined);
  const dockershimDir = options.dockershimDir ?? DEFAULT_DOCKERSHIM_DIR;
  const cniCacheDir = options.cniCacheDir ?? DOCKER_CNI_CACHE_DIR;
  const cniConfDir = options.cniConfDir ?? DEFAULT_CNI_CONF_DIR;
  const timings: Record<string, number> = {};
  const time = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    try {
      return await work();
    } finally {
      timings[label] = Math.round((performance.now() - start) * 10) / 10;
    }
  };
  throwIfAborted(signal);
  progress('listing Docker containers; reading dockershim checkpoints and CNI cache files');
  // Checkpoints first, then containers (dockershim's order): a sandbox created in between is not seen as checkpoint-only.
  const checkpointsDone = time('checkpoints', async (): Promise<CheckpointListing | NodeDoctorError> => {
    try {
      return await readCheckpoints(access, dockershimDir, signal);
    } catch (error) {
      if (error instanceof NodeDoctorError && error.reason !== 'cancelled') return error;
      throw error;
    }
  });
  const [version, listing, listed, { networks, cache }] = await Promise.all([
    time('version', () => docker.version(call)),
    checkpointsDone,
    checkpointsDone.then(() => time('listContainers', () => docker.listContainers({ labels: [TYPE_LABEL] }, call))),
    time('cniCache', async () => {
      const [nets, raw] = await Promise.all([
        readNetworkConfigs(access, cniConfDir, signal),
        readCacheFiles(access, cniCacheDir, { signal, maxBytes: options.maxCacheFileBytes }),
      ]);
      return { networks: nets, cache: await analyseCacheFiles(raw, nets, signal) };
    }),
  ]);

  const notes: string[] = [`Docker Engine API: ${listed.containers.length} Kubernetes containers in a ${listed.bytes}-byte answer (no size cap over HTTP)`];
  let complete = true;
  const reasons: IncompleteReason[] = [];
  let checkpoints: Checkpoint[] = [];
  let checkpointDirPresent = false;
  let checkpointDirPath = `${dockershimDir.replace(/\/+$/, '')}/sandbox`;
  if (listing instanceof NodeDoctorError) {
    complete = false;
    reasons.push({ code: 'runtime-dir-unreadable', message: `dockershim's checkpoints in ${checkpointDirPath} could not be read (${listing.message}): sandboxes kept only by a checkpoint are unknown, so no container is called an orphan` });
  } else {
    checkpoints = listing.checkpoints;
    checkpointDirPresent = listing.present;
    checkpointDirPath = listing.dir;
    if (!listing.present) {
      // dockershim and cri-dockerd create it at start: without it, checkpoints elsewhere cannot be ruled out.
      complete = false;
      reasons.push({ code: 'no-runtime-dir', message: `no checkpoint directory ${listing.dir}: sandboxes kept only by a checkpoint under another root cannot be ruled out, so no container is called an orphan (--dockershim-dir names the root kubelet or cri-dockerd uses)` });
    }
    else notes.push(`${checkpoints.length} checkpoints in ${listing.dir}${listing.skipped > 0 ? ` (${listing.skipped} other entries skipped)` : ''}`);
  }

  const sandboxContainers: DockerContainerSummary[] = [];
  const workloads: DockerContainerSummary[] = [];
  for (const c of listed.containers) {
    const type = kubeType(c);
    if (type === TYPE_SANDBOX) sandboxContainers.push(c);
    else if (type === TYPE_CONTAINER) workloads.push(c);
  }
  const criSandboxes: PodSandbox[] = sandboxContainers.map(sandboxFromContainer);
  const containerIds = new Set(criSandboxes.map((s) => s.id));
  for (const cp of checkpoints) if (cp.valid && !containerIds.has(cp.id)) criSandboxes.push(sandboxFromCheckpoint(cp));
  const criContainers: Container[] = workloads.map(containerFromDocker);
  const exitCodes = new Map(workloads.map((c) => [c.Id, exitCodeFromStatus(c.Status)]));

  const netBySandbox = new Map<string, { netns?: string; ips: string[] }>();
  for (const e of cache) {
    if (e.state !== 'valid' || e.ifName === 'lo') continue;
    const known = netBySandbox.get(e.sandboxId) ?? { ips: [] };
    known.netns ??= e.netns;
    known.ips.push(...e.ips);
    netBySandbox.set(e.sandboxId, known);
  }
  const sandboxes: SandboxItem[] = orderOldestFirst(criSandboxes.map((s) => ({
    id: s.id, state: s.state, name: s.name, namespace: s.namespace, uid: s.uid, attempt: s.attempt, createdAtMs: s.createdAtMs,
    runtimeHandler: s.runtimeHandler, netns: netBySandbox.get(s.id)?.netns, ips: netBySandbox.get(s.id)?.ips ?? [],
  })));

  // Finish times (for pruning by age) and authoritative exit codes come from inspecting, bounded like ContainerStatus.
  const lookups = statusCandidates(criContainers, sandboxes, options.maxStatusLookups ?? 256);
  progress(`inspecting ${lookups.length} containers (orphans, stopped containers of Ready sandboxes)`);
  const inspected = new Map<string, { exitCode: number; finishedAtMs: number; reason: string }>();
  await time('inspect', async () => {
    await mapLimit(lookups, 8, async (c) => {
      try {
        const { container } = await docker.inspectContainer(c.id, call);
        const finished = Date.parse(container.State.FinishedAt);
        inspected.set(c.id, {
          exitCode: container.State.ExitCode, finishedAtMs: Number.isFinite(finished) && finished > 0 ? finished : 0,
          reason: container.State.OOMKilled ? 'OOMKilled' : container.State.Error ?? '',
        });
      } catch (error) {
        if (!isDockerNotFound(error)) throw error; // removed meanwhile: keep the listed data
      }
    }, signal);
  });
  const containers: ContainerItem[] = orderOldestFirst(criContainers.map((c): ContainerItem => {
    const seen = inspected.get(c.id);
    const exitCode = seen?.exitCode ?? exitCodes.get(c.id);
    return {
      id: c.id, name: c.name, state: c.state, sandboxId: c.podSandboxId, attempt: c.attempt, image: c.image, createdAtMs: c.createdAtMs,
      ...(exitCode !== undefined && c.state === 'CONTAINER_EXITED' ? { exitCode } : {}),
      ...(seen ? { finishedAtMs: seen.finishedAtMs, reason: seen.reason } : {}),
    };
  }));

  const referencing = new Map<string, string[]>();
  for (const c of containers) referencing.set(c.sandboxId, [...(referencing.get(c.sandboxId) ?? []), c.id]);
  const checkpointItems: CheckpointItem[] = checkpoints.map((cp) => ({
    sandboxId: cp.id, path: cp.path, size: cp.size, mtimeMs: cp.mtimeMs, sha256: cp.sha256, valid: cp.valid,
    pod: cp.name !== undefined && cp.namespace !== undefined ? `${cp.namespace}/${cp.name}` : undefined,
    checksum: cp.checksum, hasContainer: containerIds.has(cp.id), referencedBy: referencing.get(cp.id) ?? [],
  }));

  const listSizes: ListSize[] = [
    { method: 'ListPodSandbox' as const, items: criSandboxes.length, bytes: listWireBytes(criSandboxes, sandboxWireBytes) },
    { method: 'ListContainers' as const, items: criContainers.length, bytes: listWireBytes(criContainers, containerWireBytes) },
  ].map((s) => ({ ...s, limits: listLimits(s.bytes) }));
  const base = computeFindings(sandboxes, containers, cache, listSizes, {
    listComplete: complete, perPodThreshold: options.perPodThreshold, totalThreshold: options.totalThreshold,
  });
  const findings = dockerFindings(base, checkpointItems, complete, options.kubeletVersion);
  timings.total = Math.round((performance.now() - started) * 10) / 10;
  return {
    node: options.node ?? 'local',
    access: access.description,
    generatedAt: new Date().toISOString(),
    cniCacheDir,
    cniConfDir,
    runtime: {
      endpoint: options.endpoint ?? '',
      runtimeName: 'docker',
      runtimeVersion: version.Version,
      runtimeApiVersion: `Engine API ${version.ApiVersion}`,
      conditions: [],
      backend: 'docker',
      source: options.source ?? `Docker Engine API at ${options.endpoint ?? 'the Docker socket'} with dockershim checkpoints in ${checkpointDirPath}`,
    },
    sandboxes,
    containers,
    cniCache: cache,
    cniNetworks: [...networks.values()].map((n) => ({
      name: n.conf.name, cniVersion: n.conf.cniVersion, source: n.source, plugins: n.conf.plugins.map((p) => p.type), hostLocalDir: hostLocalDir(n.conf),
    })),
    findings,
    listStrategy: { sandboxes: 'single-list', containers: 'single-list', complete, reasons, notes },
    listSizes,
    counts: countsOf(sandboxes, containers, cache),
    timingsMs: timings,
    docker: {
      dockershimDir, checkpointDir: checkpointDirPath, checkpointDirPresent, checkpoints: checkpointItems, listBytes: listed.bytes,
      podsandboxContainers: sandboxContainers.length, ...(options.kubeletVersion ? { kubeletVersion: options.kubeletVersion } : {}),
    },
  };
}
