import { createHash } from 'node:crypto';
import type { Container, ContainerState, PodSandbox } from '../cri/types';
import { NodeDoctorError } from '../errors';
import type { NodeAccess } from '../node/nodeAccess';
import type { DockerContainerSummary } from './dockerEngine';

/**
 * How dockershim (kubelet ≤ 1.23, `pkg/kubelet/dockershim`) and cri-dockerd (its continuation for kubelet ≥ 1.24) keep
 * pods in Docker, read back into CRI shapes exactly as their ListPodSandbox / ListContainers answer:
 * - every pod sandbox is a container labelled `io.kubernetes.docker.type=podsandbox`, named `k8s_POD_<pod>_<ns>_<uid>_<attempt>`;
 * - every other container is labelled `io.kubernetes.docker.type=container` and `io.kubernetes.sandbox.id=<sandbox ID>`,
 *   named `k8s_<container>_<pod>_<ns>_<uid>_<attempt>`;
 * - each sandbox also has a checkpoint file `<root>/sandbox/<sandbox ID>` (JSON); ListPodSandbox (unfiltered) adds every
 *   checkpoint without a sandbox container as a NotReady sandbox with only its ID, name and namespace.
 * Pod annotations are stored as labels prefixed `annotation.`; the internal labels are not shown as pod labels.
 */
export const TYPE_LABEL = 'io.kubernetes.docker.type';
export const TYPE_SANDBOX = 'podsandbox';
export const TYPE_CONTAINER = 'container';
export const SANDBOX_ID_LABEL = 'io.kubernetes.sandbox.id';
export const LOG_PATH_LABEL = 'io.kubernetes.container.logpath';
export const POD_NAME_LABEL = 'io.kubernetes.pod.name';
export const POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
export const POD_UID_LABEL = 'io.kubernetes.pod.uid';
export const CONTAINER_NAME_LABEL = 'io.kubernetes.container.name';
const ANNOTATION_PREFIX = 'annotation.';
const INTERNAL_LABELS = new Set([TYPE_LABEL, LOG_PATH_LABEL, SANDBOX_ID_LABEL]);

/** kubelet's `--experimental-dockershim-root-directory` default. */
export const DEFAULT_DOCKERSHIM_DIR = '/var/lib/dockershim';
/** cri-dockerd's `--cri-dockerd-root-directory` default (Mirantis/cri-dockerd `cmd/cli/options`). */
export const CRI_DOCKERD_DIR = '/var/lib/cri-dockerd';
/** Both keep checkpoints in `<root>/sandbox` (`sandboxCheckpointDir`). */
export const CHECKPOINT_SUBDIR = 'sandbox';
/**
 * kubelet's dockershim `--cni-cache-dir` default and cri-dockerd's `CNICacheDir` default: libcni's results are in
 * `/var/lib/cni/cache/results` on Docker nodes, not in `/var/lib/cni/results` as with containerd.
 */
export const DOCKER_CNI_CACHE_DIR = '/var/lib/cni/cache';
export const DEFAULT_DOCKER_ENDPOINT = 'unix:///var/run/docker.sock';

const FULL_ID = /^[0-9a-f]{64}$/;

/** A Docker name parsed the way dockershim's `parseSandboxName` / `parseContainerName` do. */
export interface KubeName {
  readonly container: string;
  readonly pod: string;
  readonly namespace: string;
  readonly uid: string;
  readonly attempt: number;
}

/** `/k8s_POD_web-1_default_<uid>_0` → its parts; undefined for a name dockershim did not make. */
export function parseKubeName(name: string): KubeName | undefined {
  const parts = name.replace(/^\//, '').split('_');
  // A seventh part is the random suffix dockershim adds when a name is taken.
  if (parts[0] !== 'k8s' || parts.length < 6 || parts.length > 7) return undefined;
  const attempt = Number(parts[5]);
  if (!Number.isInteger(attempt) || attempt < 0) return undefined;
  return { container: parts[1], pod: parts[2], namespace: parts[3], uid: parts[4], attempt };
}

function splitLabels(labels: Readonly<Record<string, string>> | null): { labels: Record<string, string>; annotations: Record<string, string> } {
  const out = { labels: {} as Record<string, string>, annotations: {} as Record<string, string> };
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (key.startsWith(ANNOTATION_PREFIX)) out.annotations[key.slice(ANNOTATION_PREFIX.length)] = value;
    else if (!INTERNAL_LABELS.has(key)) out.labels[key] = value;
  }
  return out;
}

function nameOf(c: DockerContainerSummary): KubeName | undefined {
  for (const n of c.Names ?? []) {
    const parsed = parseKubeName(n);
    if (parsed) return parsed;
  }
  return undefined;
}

export function kubeType(c: DockerContainerSummary): string | undefined {
  return c.Labels?.[TYPE_LABEL];
}

/** A podsandbox container as dockershim lists it: Ready only while the container runs. */
export function sandboxFromContainer(c: DockerContainerSummary): PodSandbox {
  const l = c.Labels ?? {};
  const parsed = nameOf(c);
  const { labels, annotations } = splitLabels(c.Labels);
  return {
    id: c.Id,
    name: l[POD_NAME_LABEL] ?? parsed?.pod ?? '',
    namespace: l[POD_NAMESPACE_LABEL] ?? parsed?.namespace ?? '',
    uid: l[POD_UID_LABEL] ?? parsed?.uid ?? '',
    attempt: parsed?.attempt ?? 0,
    state: c.State === 'running' ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY',
    createdAtMs: c.Created * 1000,
    labels,
    annotations,
    runtimeHandler: '',
  };
}

/** dockershim's state mapping (`toRuntimeAPIContainerState`): Up → running (paused too), Exited, Created, else unknown. */
export function containerState(dockerState: string): ContainerState {
  switch (dockerState) {
    case 'running':
    case 'paused': return 'CONTAINER_RUNNING';
    case 'exited': return 'CONTAINER_EXITED';
    case 'created': return 'CONTAINER_CREATED';
    default: return 'CONTAINER_UNKNOWN';
  }
}

const EXITED_STATUS = /^Exited \((-?\d{1,5})\)/;

/** The exit code in a list entry's `Status` (`Exited (137) 2 hours ago`); undefined when it shows none. */
export function exitCodeFromStatus(status: string): number | undefined {
  const m = EXITED_STATUS.exec(status);
  return m ? Number(m[1]) : undefined;
}

export function containerFromDocker(c: DockerContainerSummary): Container {
  const l = c.Labels ?? {};
  const parsed = nameOf(c);
  const { labels, annotations } = splitLabels(c.Labels);
  return {
    id: c.Id,
    podSandboxId: l[SANDBOX_ID_LABEL] ?? '',
    name: l[CONTAINER_NAME_LABEL] ?? parsed?.container ?? '',
    attempt: parsed?.attempt ?? 0,
    image: c.Image,
    state: containerState(c.State),
    createdAtMs: c.Created * 1000,
    labels,
    annotations,
  };
}

/** A sandbox checkpoint (`PodSandboxCheckpoint`, schema `v1`) as read from disk. */
export interface Checkpoint {
  /** The sandbox ID (the file name). */
  readonly id: string;
  /** Node-absolute path. */
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: string;
  /** False when the file is not a checkpoint document dockershim could read (it then skips it when listing). */
  readonly valid: boolean;
  readonly version?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly hostNetwork?: boolean;
  readonly portMappings: number;
  /**
   * `match`: the checksum is the one dockershim or cri-dockerd computes for the data; `differs`: it is not (for the
   * data shapes checked); `not-checked`: port mappings present, whose checksum input this tool does not rebuild.
   */
  readonly checksum: 'match' | 'differs' | 'not-checked';
}

/** FNV-32a, as Go's `hash/fnv` New32a. */
export function fnv32a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * The checksum dockershim writes for checkpoint data without port mappings: `checksum.New(*cp.Data)` is FNV-32a over
 * `hashutil.DeepHashObject`'s spew `%#v` rendering of the CheckpointData value. The Go package name is part of the
 * rendering: `dockershim` (kubelet) or `core` with `config.PortMapping` (cri-dockerd).
 */
export function checkpointChecksums(hostNetwork: boolean): number[] {
  return [
    `(dockershim.CheckpointData){PortMappings:([]*dockershim.PortMapping)<nil> HostNetwork:(bool)${hostNetwork}}`,
    `(core.CheckpointData){PortMappings:([]*config.PortMapping)<nil> HostNetwork:(bool)${hostNetwork}}`,
  ].map(fnv32a);
}

interface WireCheckpoint {
  version?: unknown;
  name?: unknown;
  namespace?: unknown;
  data?: { port_mappings?: unknown; host_network?: unknown } | null;
  checksum?: unknown;
}

/** Parses one checkpoint file. */
export function parseCheckpoint(id: string, path: string, data: Buffer, mtimeMs: number): Checkpoint {
  const base = { id, path, size: data.length, mtimeMs, sha256: createHash('sha256').update(data).digest('hex'), portMappings: 0 };
  let wire: WireCheckpoint;
  try {
    wire = JSON.parse(data.toString('utf8')) as WireCheckpoint;
  } catch {
    return { ...base, valid: false, checksum: 'differs' };
  }
  if (typeof wire !== 'object' || wire === null || typeof wire.name !== 'string' || typeof wire.namespace !== 'string') {
    return { ...base, valid: false, checksum: 'differs' };
  }
  const ports = Array.isArray(wire.data?.port_mappings) ? wire.data.port_mappings.length : 0;
  const hostNetwork = wire.data?.host_network === true;
  const checksum = ports > 0 ? 'not-checked' : checkpointChecksums(hostNetwork).includes(Number(wire.checksum)) ? 'match' : 'differs';
  return {
    ...base, valid: true, version: typeof wire.version === 'string' ? wire.version : undefined, name: wire.name, namespace: wire.namespace,
    hostNetwork, portMappings: ports, checksum,
  };
}

/** The bytes dockershim writes for a sandbox (tests and the demo node use it; the field order is Go's struct order). */
export function checkpointBytes(namespace: string, name: string, hostNetwork = false): Buffer {
  const data = hostNetwork ? { host_network: true } : {};
  return Buffer.from(JSON.stringify({ version: 'v1', name, namespace, data, checksum: checkpointChecksums(hostNetwork)[0] }));
}

/** A checkpoint-only sandbox, as dockershim's `checkpointToRuntimeAPISandbox` lists it (NotReady, ID, name, namespace). */
export function sandboxFromCheckpoint(cp: Checkpoint): PodSandbox {
  return {
    id: cp.id, name: cp.name ?? '', namespace: cp.namespace ?? '', uid: '', attempt: 0, state: 'SANDBOX_NOTREADY',
    // dockershim reports no creation time; the file's mtime (when it was written) stands in for age-based pruning.
    createdAtMs: Math.round(cp.mtimeMs), labels: {}, annotations: {}, runtimeHandler: '',
  };
}

export interface CheckpointListing {
  readonly dir: string;
  /** False when the directory does not exist (dockershim creates it at start: then there are none, or the dir is wrong). */
  readonly present: boolean;
  readonly checkpoints: Checkpoint[];
  /** Files skipped (not a 64-hex name, a directory, larger than 64 KiB). */
  readonly skipped: number;
}

const MAX_CHECKPOINT_BYTES = 64 * 1024;

export function checkpointDir(dockershimDir: string): string {
  return `${dockershimDir.replace(/\/+$/, '')}/${CHECKPOINT_SUBDIR}`;
}

/** Reads every checkpoint under `<dockershimDir>/sandbox`. Errors other than a missing directory propagate. */
export async function readCheckpoints(access: NodeAccess, dockershimDir: string, signal?: AbortSignal): Promise<CheckpointListing> {
  const dir = checkpointDir(dockershimDir);
  const entries = await access.listDir(dir, signal);
  if (!entries) return { dir, present: false, checkpoints: [], skipped: 0 };
  const wanted = entries.filter((e) => e.isFile && FULL_ID.test(e.name) && e.size <= MAX_CHECKPOINT_BYTES);
  let skipped = entries.length - wanted.length;
  const checkpoints: Checkpoint[] = [];
  const bulk = access.readSmallFiles ? await access.readSmallFiles(dir, wanted.map((e) => e.name), MAX_CHECKPOINT_BYTES, signal) : undefined;
  for (let i = 0; i < wanted.length; i++) {
    const entry = wanted[i];
    let data = bulk?.[i];
    if (!bulk) {
      try {
        data = await access.readFile(entry.path, MAX_CHECKPOINT_BYTES, signal);
      } catch (error) {
        if (error instanceof NodeDoctorError && error.reason === 'cancelled') throw error;
        data = undefined;
      }
    }
    if (data === undefined) { skipped += 1; continue; } // removed while reading
    checkpoints.push(parseCheckpoint(entry.name, entry.path, data, entry.mtimeMs));
  }
  return { dir, present: true, checkpoints, skipped };
}
