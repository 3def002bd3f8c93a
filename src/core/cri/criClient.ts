import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';
import { NodeDoctorError } from '../errors';
import { CriError, GrpcCode } from './criError';
import { RUNTIME_V1_PROTO } from './runtimeProto';
import type {
  CallOptions, Container, ContainerFilter, ContainerState, ContainerStatus, CriRuntime, PodSandbox, RuntimeStatus,
  RuntimeVersion, SandboxFilter, SandboxState, SandboxStatus, StatusCallOptions,
} from './types';

export interface CriClientOptions {
  /** Deadline applied to a call that sets none (default 30 s; lists of 10k objects take well under 1 s). */
  readonly defaultTimeoutMs?: number;
  /** Largest message accepted from the runtime (default 256 MiB, far past containerd's 16 MiB send cap). */
  readonly maxReceiveBytes?: number;
  /** How long "server is not initialized yet" is retried (default 10 s: containerd recovers 10k sandboxes in ~3 s). */
  readonly notReadyRetryMs?: number;
}

type Callback = (error: grpc.ServiceError | null, response: unknown) => void;
type UnaryMethod = (request: unknown, metadata: grpc.Metadata, options: grpc.CallOptions, callback: Callback) => grpc.ClientUnaryCall;
type StreamMethod = (request: unknown, metadata: grpc.Metadata, options: grpc.CallOptions) => grpc.ClientReadableStream<unknown>;
type RuntimeServiceClient = grpc.Client & Record<string, UnaryMethod>;

interface WireMetadata { name?: string; uid?: string; namespace?: string; attempt?: number }
interface WireSandbox {
  id: string; metadata?: WireMetadata; state: SandboxState; createdAt: string; labels?: Record<string, string>;
  annotations?: Record<string, string>; runtimeHandler?: string;
}
interface WireContainer {
  id: string; podSandboxId?: string; metadata?: { name?: string; attempt?: number }; image?: { image?: string };
  imageRef?: string; state: ContainerState; createdAt: string; labels?: Record<string, string>; annotations?: Record<string, string>;
}
interface WireContainerStatus extends WireContainer {
  startedAt: string; finishedAt: string; exitCode: number; reason: string; message: string; logPath: string;
}

let serviceConstructor: grpc.ServiceClientConstructor | undefined;

function runtimeService(): grpc.ServiceClientConstructor {
  if (!serviceConstructor) {
    const root = protobuf.parse(RUNTIME_V1_PROTO, { keepCase: false }).root;
    const definition = protoLoader.fromJSON(root.toJSON(), { keepCase: false, longs: String, enums: String, defaults: true });
    const loaded = grpc.loadPackageDefinition(definition) as unknown as { runtime: { v1: { RuntimeService: grpc.ServiceClientConstructor } } };
    serviceConstructor = loaded.runtime.v1.RuntimeService;
  }
  return serviceConstructor;
}

/** Nanoseconds since the epoch (int64 as a decimal string) to milliseconds. */
export function nanosToMs(value: string | number | undefined): number {
  if (value === undefined || value === '' || value === '0' || value === 0) return 0;
  return Number(BigInt(String(value)) / 1_000_000n);
}

function toSandbox(w: WireSandbox): PodSandbox {
  return {
    id: w.id,
    name: w.metadata?.name ?? '',
    uid: w.metadata?.uid ?? '',
    namespace: w.metadata?.namespace ?? '',
    attempt: w.metadata?.attempt ?? 0,
    state: w.state,
    createdAtMs: nanosToMs(w.createdAt),
    labels: w.labels ?? {},
    annotations: w.annotations ?? {},
    runtimeHandler: w.runtimeHandler ?? '',
  };
}

function toContainer(w: WireContainer): Container {
  return {
    id: w.id,
    podSandboxId: w.podSandboxId ?? '',
    name: w.metadata?.name ?? '',
    attempt: w.metadata?.attempt ?? 0,
    image: w.image?.image || w.imageRef || '',
    state: w.state,
    createdAtMs: nanosToMs(w.createdAt),
    labels: w.labels ?? {},
    annotations: w.annotations ?? {},
  };
}

function sandboxFilter(filter: SandboxFilter | undefined): unknown {
  if (!filter) return undefined;
  return { id: filter.id ?? '', state: filter.state ? { state: filter.state } : undefined, labelSelector: filter.labelSelector ?? {} };
}

function containerFilter(filter: ContainerFilter | undefined): unknown {
  if (!filter) return undefined;
  return {
    id: filter.id ?? '', state: filter.state ? { state: filter.state } : undefined,
    podSandboxId: filter.podSandboxId ?? '', labelSelector: filter.labelSelector ?? {},
  };
}

/** `sandboxID` from a verbose ContainerStatus `info.info` JSON document (containerd, CRI-O); undefined if absent. */
export function sandboxIdFromInfo(info: Readonly<Record<string, string>> | undefined): string | undefined {
  try {
    const parsed = JSON.parse(info?.info ?? '{}') as { sandboxID?: unknown };
    return typeof parsed.sandboxID === 'string' && parsed.sandboxID !== '' ? parsed.sandboxID : undefined;
  } catch {
    return undefined; // runtime-specific and optional
  }
}

const NOT_INITIALIZED = 'server is not initialized yet';

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}

class GrpcCriRuntime implements CriRuntime {
  private readonly client: RuntimeServiceClient;
  private readonly defaultTimeoutMs: number;
  private readonly notReadyRetryMs: number;

  constructor(private readonly address: string, options: CriClientOptions) {
    const Service = runtimeService();
    this.client = new Service(address, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': options.maxReceiveBytes ?? 256 * 1024 * 1024,
      'grpc.max_send_message_length': 16 * 1024 * 1024,
      // a unix socket's authority; grpc-js otherwise derives one from the path
      'grpc.default_authority': 'localhost',
    }) as RuntimeServiceClient;
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 30_000;
    this.notReadyRetryMs = options.notReadyRetryMs ?? 10_000;
  }

  private once(method: string, request: unknown, options: CallOptions): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (options.signal?.aborted) {
        reject(new NodeDoctorError('cancelled', `${method} cancelled.`));
        return;
      }
      const deadline = Date.now() + (options.timeoutMs ?? this.defaultTimeoutMs);
      const fn = this.client[method];
      const onAbort = (): void => call.cancel();
      const call = fn.call(this.client, request, new grpc.Metadata(), { deadline }, (error, response) => {
        options.signal?.removeEventListener('abort', onAbort);
        if (error) {
          const hint = error.code === GrpcCode.UNAVAILABLE
            ? `Is the container runtime running, and is ${this.address} its CRI socket? Set the runtime endpoint if it lives elsewhere.`
            : undefined;
          reject(new CriError(method, error.code, error.details || error.message, hint));
        } else {
          resolve(response);
        }
      });
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private async call(method: string, request: unknown, options: CallOptions = {}): Promise<unknown> {
    const giveUpAt = Date.now() + this.notReadyRetryMs;
    for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
      try {
        return await this.once(method, request, options);
      } catch (error) {
        const retry = error instanceof CriError && error.code === GrpcCode.UNKNOWN && error.details.includes(NOT_INITIALIZED)
          && Date.now() + delay < giveUpAt && !options.signal?.aborted;
        if (!retry) throw error;
        await sleep(delay, options.signal);
      }
    }
  }

  /**
   * A server-streaming list, every message collected (a stream is either read to its end or failed as a whole, as
   * kubelet does). An error anywhere, the runtime's `Unimplemented` included, rejects with a CriError.
   */
  private stream<T>(method: string, request: unknown, pick: (message: unknown) => T[] | undefined, options: CallOptions = {}): Promise<T[]> {
    return new Promise((resolve, reject) => {
      if (options.signal?.aborted) {
        reject(new NodeDoctorError('cancelled', `${method} cancelled.`));
        return;
      }
      const deadline = Date.now() + (options.timeoutMs ?? this.defaultTimeoutMs);
      const fn = (this.client as unknown as Record<string, StreamMethod>)[method];
      const items: T[] = [];
      let settled = false;
      const call = fn.call(this.client, request, new grpc.Metadata(), { deadline });
      const onAbort = (): void => call.cancel();
      const finish = (error?: CriError): void => {
        if (settled) return;
        settled = true;
        options.signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(items);
      };
      call.on('data', (message: unknown) => {
        const part = pick(message);
        if (part) for (const item of part) items.push(item);
      });
      call.on('error', (error: grpc.ServiceError) => finish(new CriError(method, error.code, error.details || error.message)));
      call.on('end', () => finish());
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  async version(options?: CallOptions): Promise<RuntimeVersion> {
    const r = await this.call('Version', { version: 'v1' }, options) as RuntimeVersion;
    return { version: r.version, runtimeName: r.runtimeName, runtimeVersion: r.runtimeVersion, runtimeApiVersion: r.runtimeApiVersion };
  }

  async status(options?: CallOptions): Promise<RuntimeStatus> {
    const r = await this.call('Status', { verbose: false }, options) as { status?: { conditions?: RuntimeStatus['conditions'] }; info?: Record<string, string> };
    return { conditions: r.status?.conditions ?? [], info: r.info ?? {} };
  }

  async listPodSandbox(filter?: SandboxFilter, options?: CallOptions): Promise<PodSandbox[]> {
    const r = await this.call('ListPodSandbox', { filter: sandboxFilter(filter) }, options) as { items?: WireSandbox[] };
    return (r.items ?? []).map(toSandbox);
  }

  async streamPodSandboxes(filter?: SandboxFilter, options?: CallOptions): Promise<PodSandbox[]> {
    return this.stream('StreamPodSandboxes', { filter: sandboxFilter(filter) },
      (m) => (m as { podSandboxes?: WireSandbox[] }).podSandboxes?.map(toSandbox), options);
  }

  async podSandboxStatus(id: string, options?: StatusCallOptions): Promise<SandboxStatus> {
    const r = await this.call('PodSandboxStatus', { podSandboxId: id, verbose: options?.verbose ?? true }, options) as {
      status?: WireSandbox & { network?: { ip?: string; additionalIps?: { ip: string }[] } }; info?: Record<string, string>;
    };
    if (!r.status) throw new CriError('PodSandboxStatus', GrpcCode.NOT_FOUND, `no status returned for sandbox "${id}"`);
    const info = r.info ?? {};
    let networkNamespacePath: string | undefined;
    try {
      const parsed = JSON.parse(info.info ?? '{}') as { runtimeSpec?: { linux?: { namespaces?: { type: string; path?: string }[] } } };
      networkNamespacePath = parsed.runtimeSpec?.linux?.namespaces?.find((n) => n.type === 'network')?.path || undefined;
    } catch {
      networkNamespacePath = undefined; // verbose info is runtime-specific; absent or unparsable is fine
    }
    return {
      ...toSandbox(r.status),
      networkNamespacePath,
      ip: r.status.network?.ip || undefined,
      additionalIps: (r.status.network?.additionalIps ?? []).map((a) => a.ip),
      info,
    };
  }

  async stopPodSandbox(id: string, options?: CallOptions): Promise<void> {
    await this.call('StopPodSandbox', { podSandboxId: id }, options);
  }

  async removePodSandbox(id: string, options?: CallOptions): Promise<void> {
    await this.call('RemovePodSandbox', { podSandboxId: id }, options);
  }

  async listContainers(filter?: ContainerFilter, options?: CallOptions): Promise<Container[]> {
    const r = await this.call('ListContainers', { filter: containerFilter(filter) }, options) as { containers?: WireContainer[] };
    return (r.containers ?? []).map(toContainer);
  }

  async streamContainers(filter?: ContainerFilter, options?: CallOptions): Promise<Container[]> {
    return this.stream('StreamContainers', { filter: containerFilter(filter) },
      (m) => (m as { containers?: WireContainer[] }).containers?.map(toContainer), options);
  }

  async containerStatus(id: string, options?: StatusCallOptions): Promise<ContainerStatus> {
    const r = await this.call('ContainerStatus', { containerId: id, verbose: options?.verbose ?? true }, options) as { status?: WireContainerStatus; info?: Record<string, string> };
    if (!r.status) throw new CriError('ContainerStatus', GrpcCode.NOT_FOUND, `no status returned for container "${id}"`);
    const s = r.status;
    return {
      ...toContainer(s),
      // ContainerStatus has no sandbox field; containerd and CRI-O name it in the verbose info document.
      podSandboxId: sandboxIdFromInfo(r.info) ?? s.labels?.['io.kubernetes.sandbox.id'] ?? '',
      startedAtMs: nanosToMs(s.startedAt),
      finishedAtMs: nanosToMs(s.finishedAt),
      exitCode: s.exitCode,
      reason: s.reason,
      message: s.message,
      logPath: s.logPath,
    };
  }

  async stopContainer(id: string, timeoutSeconds: number, options?: CallOptions): Promise<void> {
    await this.call('StopContainer', { containerId: id, timeout: String(timeoutSeconds) }, {
      ...options, timeoutMs: options?.timeoutMs ?? (timeoutSeconds * 1000 + this.defaultTimeoutMs),
    });
  }

  async removeContainer(id: string, options?: CallOptions): Promise<void> {
    await this.call('RemoveContainer', { containerId: id }, options);
  }

  close(): void {
    this.client.close();
  }
}

/** A CRI RuntimeService client over gRPC, e.g. `createCriClient('unix:///run/containerd/containerd.sock')`. */
export function createCriClient(address: string, options: CriClientOptions = {}): CriRuntime {
  if (!/^unix:\/\/\//.test(address) && !/^(dns:|ipv4:|ipv6:|127\.0\.0\.1:|localhost:|\[::1\]:)/.test(address)) {
    throw new NodeDoctorError('bad-input', `Unsupported runtime endpoint "${address}": expected unix:///path/to.sock.`, {
      hint: 'Use the form unix:///run/containerd/containerd.sock.',
    });
  }
  return new GrpcCriRuntime(address, options);
}
