// In-memory CriRuntime for unit tests. It mirrors what containerd 1.6 was seen to do in the runtime lab:
// StopPodSandbox of a sandbox with an unreadable cache file of a >= 0.4.0 network fails with libcni's decode error and
// leaves it NotReady; RemovePodSandbox wraps that error in "failed to forcibly stop sandbox"; a removed sandbox
// answers NOT_FOUND to status/stop while RemovePodSandbox of it succeeds. The seed error text is asserted for real
// in test/integration; here only its shape matters.
import { CriError, GrpcCode } from '../../src/core/cri/criError';
import type {
  CallOptions, Container, ContainerFilter, ContainerStatus, CriRuntime, PodSandbox, RuntimeStatus, RuntimeVersion, SandboxFilter,
  SandboxStatus,
} from '../../src/core/cri/types';

const HEX = '0123456789abcdef';

/** A deterministic 64-hex ID from a short label (`fakeId('sb1')`). */
export function fakeId(label: string): string {
  let out = '';
  let seed = 0;
  for (const ch of label) seed = (seed * 31 + ch.charCodeAt(0)) >>> 0;
  for (let i = 0; i < 64; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    out += HEX[(seed >>> 16) & 15];
  }
  return out;
}

export interface FakeSandboxInit {
  readonly id: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly state?: PodSandbox['state'];
  readonly createdAtMs?: number;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

export interface FakeContainerInit {
  readonly id: string;
  readonly podSandboxId: string;
  readonly name?: string;
  readonly state?: Container['state'];
  readonly createdAtMs?: number;
  readonly exitCode?: number;
  readonly finishedAtMs?: number;
}

interface StoredContainer extends ContainerStatus {
  state: Container['state'];
}

export class FakeCri implements CriRuntime {
  readonly sandboxes = new Map<string, PodSandbox>();
  readonly containers = new Map<string, StoredContainer>();
  /** Every call, e.g. `StopPodSandbox <id>`. */
  readonly calls: string[] = [];
  /** Decides whether StopPodSandbox fails; return the runtime's error text to fail it. */
  stopFailure: (id: string) => string | undefined | Promise<string | undefined> = () => undefined;
  /** Set to fail every list call with the runtime's send-limit error. */
  refuseLists = false;

  addSandbox(init: FakeSandboxInit): PodSandbox {
    const sandbox: PodSandbox = {
      id: init.id,
      name: init.name ?? 'pod',
      namespace: init.namespace ?? 'default',
      uid: init.uid ?? `uid-${init.id.slice(0, 8)}`,
      attempt: 0,
      state: init.state ?? 'SANDBOX_READY',
      createdAtMs: init.createdAtMs ?? 1_700_000_000_000,
      labels: init.labels ?? {},
      annotations: init.annotations ?? {},
      runtimeHandler: '',
    };
    this.sandboxes.set(sandbox.id, sandbox);
    return sandbox;
  }

  addContainer(init: FakeContainerInit): StoredContainer {
    const container: StoredContainer = {
      id: init.id,
      podSandboxId: init.podSandboxId,
      name: init.name ?? 'app',
      attempt: 0,
      image: 'localhost/knd/tool:1.0',
      state: init.state ?? 'CONTAINER_EXITED',
      createdAtMs: init.createdAtMs ?? 1_700_000_000_000,
      labels: {},
      annotations: {},
      startedAtMs: init.createdAtMs ?? 1_700_000_000_000,
      finishedAtMs: init.finishedAtMs ?? (init.state === 'CONTAINER_RUNNING' ? 0 : 1_700_000_001_000),
      exitCode: init.exitCode ?? 0,
      reason: init.exitCode ? 'Error' : 'Completed',
      message: '',
      logPath: '',
    };
    this.containers.set(container.id, container);
    return container;
  }

  private notFoundSandbox(method: string, id: string): CriError {
    return new CriError(method, GrpcCode.NOT_FOUND, `an error occurred when try to find sandbox "${id}": not found`);
  }

  private refuse(method: string): void {
    if (this.refuseLists) throw new CriError(method, GrpcCode.RESOURCE_EXHAUSTED, 'grpc: trying to send message larger than max (17775539 vs. 16777216)');
  }

  async version(): Promise<RuntimeVersion> {
    this.calls.push('Version');
    return { version: '0.1.0', runtimeName: 'containerd', runtimeVersion: '1.6.20~ds1', runtimeApiVersion: 'v1' };
  }

  async status(): Promise<RuntimeStatus> {
    this.calls.push('Status');
    return { conditions: [{ type: 'RuntimeReady', status: true, reason: '', message: '' }, { type: 'NetworkReady', status: true, reason: '', message: '' }], info: {} };
  }

  async listPodSandbox(filter?: SandboxFilter, _options?: CallOptions): Promise<PodSandbox[]> {
    this.calls.push(`ListPodSandbox${filter?.id ? ` ${filter.id}` : ''}`);
    if (!filter?.id) this.refuse('ListPodSandbox');
    return [...this.sandboxes.values()].filter((s) => (!filter?.id || s.id === filter.id) && (!filter?.state || s.state === filter.state)
      && Object.entries(filter?.labelSelector ?? {}).every(([k, v]) => s.labels[k] === v));
  }

  async podSandboxStatus(id: string): Promise<SandboxStatus> {
    this.calls.push(`PodSandboxStatus ${id}`);
    const s = this.sandboxes.get(id);
    if (!s) throw new CriError('PodSandboxStatus', GrpcCode.NOT_FOUND, 'an error occurred when try to find sandbox: not found');
    return { ...s, additionalIps: [], info: {} };
  }

  async stopPodSandbox(id: string): Promise<void> {
    this.calls.push(`StopPodSandbox ${id}`);
    const s = this.sandboxes.get(id);
    if (!s) throw this.notFoundSandbox('StopPodSandbox', id);
    const failure = await this.stopFailure(id);
    this.sandboxes.set(id, { ...s, state: 'SANDBOX_NOTREADY' });
    if (failure !== undefined) throw new CriError('StopPodSandbox', GrpcCode.UNKNOWN, failure);
    for (const c of this.containers.values()) if (c.podSandboxId === id && c.state === 'CONTAINER_RUNNING') c.state = 'CONTAINER_EXITED';
  }

  async removePodSandbox(id: string): Promise<void> {
    this.calls.push(`RemovePodSandbox ${id}`);
    if (!this.sandboxes.has(id)) return;
    const failure = await this.stopFailure(id);
    if (failure !== undefined) throw new CriError('RemovePodSandbox', GrpcCode.UNKNOWN, `failed to forcibly stop sandbox "${id}": ${failure}`);
    this.sandboxes.delete(id);
    for (const c of [...this.containers.values()]) if (c.podSandboxId === id) this.containers.delete(c.id);
  }

  async listContainers(filter?: ContainerFilter): Promise<Container[]> {
    this.calls.push('ListContainers');
    if (!filter?.id && !filter?.podSandboxId) this.refuse('ListContainers');
    return [...this.containers.values()].filter((c) => (!filter?.id || c.id === filter.id) && (!filter?.state || c.state === filter.state)
      && (!filter?.podSandboxId || c.podSandboxId === filter.podSandboxId));
  }

  async containerStatus(id: string): Promise<ContainerStatus> {
    this.calls.push(`ContainerStatus ${id}`);
    const c = this.containers.get(id);
    if (!c) throw new CriError('ContainerStatus', GrpcCode.NOT_FOUND, `an error occurred when try to find container "${id}": not found`);
    return { ...c };
  }

  async stopContainer(id: string): Promise<void> {
    this.calls.push(`StopContainer ${id}`);
    const c = this.containers.get(id);
    if (!c) throw new CriError('StopContainer', GrpcCode.NOT_FOUND, `an error occurred when try to find container "${id}": not found`);
    if (c.state === 'CONTAINER_RUNNING') c.state = 'CONTAINER_EXITED';
  }

  async removeContainer(id: string): Promise<void> {
    this.calls.push(`RemoveContainer ${id}`);
    this.containers.delete(id);
  }

  close(): void {
    this.calls.push('close');
  }
}
