import { socketPath } from '../cri/endpoints';
import { CriError, GrpcCode } from '../cri/criError';
import type {
  CallOptions, Container, ContainerFilter, ContainerStatus, CriRuntime, PodSandbox, RuntimeStatus, RuntimeVersion, SandboxFilter, SandboxStatus,
} from '../cri/types';
import { NodeDoctorError } from '../errors';
import type { CriEndpointLease, NodeAccess } from '../node/nodeAccess';
import { DockerEngine, isDockerNotFound } from './dockerEngine';
import type { DockerApi } from './dockerEngine';
import {
  CRI_DOCKERD_DIR, DEFAULT_DOCKERSHIM_DIR, TYPE_CONTAINER, TYPE_LABEL, TYPE_SANDBOX, checkpointDir, containerFromDocker, containerState,
  parseCheckpoint, readCheckpoints, sandboxFromCheckpoint, sandboxFromContainer,
} from './dockershim';

/** True for an endpoint naming a Docker daemon socket (`unix:///var/run/docker.sock`, `…/docker.sock`). */
export function isDockerEndpoint(endpoint: string): boolean {
  return /\/docker\.sock$/.test(socketPath(endpoint) ?? '');
}

/** Where cri-dockerd serves CRI (its packaging's socket unit); its presence says cri-dockerd, not kubelet's dockershim. */
export const CRI_DOCKERD_SOCKETS = ['/var/run/cri-dockerd.sock', '/run/cri-dockerd.sock'];

/**
 * The dockershim root to read checkpoints from: the one given; else cri-dockerd's `/var/lib/cri-dockerd` when cri-dockerd
 * is detected (its socket, or its checkpoint dir without dockershim's); else kubelet's `/var/lib/dockershim`.
 */
export async function resolveDockershimDir(access: NodeAccess, given: string | undefined, signal?: AbortSignal): Promise<{ dir: string; why: string }> {
  if (given) return { dir: given, why: 'as given' };
  for (const sock of CRI_DOCKERD_SOCKETS) {
    const entry = await access.stat(sock, signal).catch(() => undefined);
    if (entry && !entry.isFile && !entry.isDirectory) return { dir: CRI_DOCKERD_DIR, why: `cri-dockerd detected (${sock})` };
  }
  const [shim, criDockerd] = await Promise.all([
    access.stat(checkpointDir(DEFAULT_DOCKERSHIM_DIR), signal).catch(() => undefined),
    access.stat(checkpointDir(CRI_DOCKERD_DIR), signal).catch(() => undefined),
  ]);
  if (!shim?.isDirectory && criDockerd?.isDirectory) return { dir: CRI_DOCKERD_DIR, why: `cri-dockerd detected (${checkpointDir(CRI_DOCKERD_DIR)})` };
  return { dir: DEFAULT_DOCKERSHIM_DIR, why: 'kubelet dockershim default' };
}

function notFound(method: string, what: string): CriError {
  return new CriError(method, GrpcCode.NOT_FOUND, `${what} not found (Docker backend)`);
}

/**
 * The CRI surface as dockershim would answer it, over the Docker Engine API and the checkpoint files: lets the parts of
 * the tool written against CRI (a CNI DEL's "sandbox still absent" re-check) work on a Docker node. Sandbox stop/remove
 * are not offered here: the Docker steps do them with their own re-checks.
 */
export class DockershimCri implements CriRuntime {
  constructor(private readonly docker: DockerApi, private readonly access: NodeAccess, private readonly dockershimDir: string) {}

  async version(options?: CallOptions): Promise<RuntimeVersion> {
    const v = await this.docker.version(options);
    return { version: '0.1.0', runtimeName: 'docker', runtimeVersion: v.Version, runtimeApiVersion: v.ApiVersion };
  }

  async status(options?: CallOptions): Promise<RuntimeStatus> {
    await this.docker.ping(options);
    return { conditions: [{ type: 'RuntimeReady', status: true, reason: '', message: '' }], info: {} };
  }

  async listPodSandbox(filter?: SandboxFilter, options?: CallOptions): Promise<PodSandbox[]> {
    const labels = [`${TYPE_LABEL}=${TYPE_SANDBOX}`, ...Object.entries(filter?.labelSelector ?? {}).map(([k, v]) => `${k}=${v}`)];
    const { containers } = await this.docker.listContainers({ labels, ids: filter?.id ? [filter.id] : undefined }, options);
    const items = containers.map(sandboxFromContainer);
    if (!filter) {
      // dockershim adds checkpoint-only sandboxes to an unfiltered list only.
      const seen = new Set(items.map((s) => s.id));
      const listing = await readCheckpoints(this.access, this.dockershimDir, options?.signal);
      for (const cp of listing.checkpoints) if (cp.valid && !seen.has(cp.id)) items.push(sandboxFromCheckpoint(cp));
    }
    return items.filter((s) => !filter?.state || s.state === filter.state);
  }

  async podSandboxStatus(id: string, options?: CallOptions): Promise<SandboxStatus> {
    try {
      const { container } = await this.docker.inspectContainer(id, options);
      if (container.Config.Labels?.[TYPE_LABEL] !== TYPE_SANDBOX) throw notFound('PodSandboxStatus', `sandbox ${id}`);
      const created = Date.parse(container.Created);
      return {
        ...sandboxFromContainer({
          Id: container.Id, Names: [container.Name], Image: container.Config.Image, ImageID: '', Created: Math.floor((Number.isFinite(created) ? created : 0) / 1000),
          State: container.State.Status, Status: '', Labels: container.Config.Labels,
        }),
        additionalIps: [], info: {},
      };
    } catch (error) {
      if (!isDockerNotFound(error)) throw error;
    }
    const file = `${checkpointDir(this.dockershimDir)}/${id}`;
    const entry = await this.access.stat(file, options?.signal);
    if (!entry) throw notFound('PodSandboxStatus', `sandbox ${id}`);
    const cp = parseCheckpoint(id, file, await this.access.readFile(file, 64 * 1024, options?.signal), entry.mtimeMs);
    if (!cp.valid) throw notFound('PodSandboxStatus', `sandbox ${id}`);
    return { ...sandboxFromCheckpoint(cp), additionalIps: [], info: {} };
  }

  stopPodSandbox(): Promise<void> {
    return Promise.reject(new NodeDoctorError('bad-input', 'On a Docker node, sandboxes are removed by the Docker repair steps.'));
  }

  removePodSandbox(): Promise<void> {
    return this.stopPodSandbox();
  }

  async listContainers(filter?: ContainerFilter, options?: CallOptions): Promise<Container[]> {
    const labels = [`${TYPE_LABEL}=${TYPE_CONTAINER}`, ...Object.entries(filter?.labelSelector ?? {}).map(([k, v]) => `${k}=${v}`)];
    if (filter?.podSandboxId) labels.push(`io.kubernetes.sandbox.id=${filter.podSandboxId}`);
    const { containers } = await this.docker.listContainers({ labels, ids: filter?.id ? [filter.id] : undefined }, options);
    return containers.map(containerFromDocker).filter((c) => !filter?.state || c.state === filter.state);
  }

  async containerStatus(id: string, options?: CallOptions): Promise<ContainerStatus> {
    let inspected;
    try {
      inspected = (await this.docker.inspectContainer(id, options)).container;
    } catch (error) {
      if (isDockerNotFound(error)) throw notFound('ContainerStatus', `container ${id}`);
      throw error;
    }
    if (inspected.Config.Labels?.[TYPE_LABEL] !== TYPE_CONTAINER) throw notFound('ContainerStatus', `container ${id}`);
    const ms = (t: string): number => { const v = Date.parse(t); return Number.isFinite(v) && v > 0 ? v : 0; };
    const base = containerFromDocker({
      Id: inspected.Id, Names: [inspected.Name], Image: inspected.Config.Image, ImageID: '', Created: Math.floor(ms(inspected.Created) / 1000),
      State: inspected.State.Status, Status: '', Labels: inspected.Config.Labels,
    });
    return {
      ...base, state: containerState(inspected.State.Status), startedAtMs: ms(inspected.State.StartedAt), finishedAtMs: ms(inspected.State.FinishedAt),
      exitCode: inspected.State.ExitCode, reason: inspected.State.OOMKilled ? 'OOMKilled' : '', message: inspected.State.Error ?? '', logPath: '',
    };
  }

  async stopContainer(id: string, timeoutSeconds: number, options?: CallOptions): Promise<void> {
    await this.docker.stopContainer(id, timeoutSeconds, options);
  }

  async removeContainer(id: string, options?: CallOptions): Promise<void> {
    await this.docker.removeContainer(id, options);
  }

  close(): void {
    // the connection owns the engine client
  }
}

/** A Docker daemon reached through the node access (locally, or relayed by the bridge pod). */
export interface DockerConnection {
  readonly engine: DockerEngine;
  readonly apiVersion: string;
  readonly endpoint: string;
  close(): Promise<void>;
}

/** Opens the Docker socket through the node access and checks that a Docker daemon answers `/_ping` (5 s). */
export async function openDocker(access: NodeAccess, endpoint: string, signal?: AbortSignal, timeoutMs = 5_000): Promise<DockerConnection> {
  const lease: CriEndpointLease = await access.openCriEndpoint(endpoint, signal);
  const path = socketPath(lease.address);
  if (!path) {
    await lease.close().catch(() => undefined);
    throw new NodeDoctorError('bad-input', `Unsupported Docker endpoint "${endpoint}".`, { hint: 'Use unix:///var/run/docker.sock.' });
  }
  const engine = new DockerEngine({ socketPath: path });
  const close = async (): Promise<void> => {
    engine.close();
    await lease.close().catch(() => undefined);
  };
  try {
    const { apiVersion } = await engine.ping({ signal, timeoutMs });
    return { engine, apiVersion, endpoint, close };
  } catch (error) {
    await close();
    throw error;
  }
}
