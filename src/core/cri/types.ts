/**
 * Domain view of the CRI `runtime.v1` objects this tool reads. Field names follow the proto's JSON names
 * (camelCase); timestamps are nanoseconds since the epoch as bigint-safe strings converted to numbers of ms.
 */
export type SandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';

export interface PodSandbox {
  readonly id: string;
  readonly name: string;
  readonly uid: string;
  readonly namespace: string;
  readonly attempt: number;
  readonly state: SandboxState;
  /** Milliseconds since the epoch. */
  readonly createdAtMs: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly runtimeHandler: string;
}

export interface SandboxStatus extends PodSandbox {
  readonly networkNamespacePath?: string;
  readonly ip?: string;
  readonly additionalIps: readonly string[];
  /** Raw `info` map from verbose status (containerd puts a JSON document under `info`). */
  readonly info: Readonly<Record<string, string>>;
}

export interface Container {
  readonly id: string;
  readonly podSandboxId: string;
  readonly name: string;
  readonly attempt: number;
  readonly image: string;
  readonly state: ContainerState;
  readonly createdAtMs: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface ContainerStatus extends Container {
  readonly startedAtMs: number;
  readonly finishedAtMs: number;
  readonly exitCode: number;
  readonly reason: string;
  readonly message: string;
  readonly logPath: string;
}

export interface RuntimeVersion {
  readonly version: string;
  readonly runtimeName: string;
  readonly runtimeVersion: string;
  readonly runtimeApiVersion: string;
}

export interface RuntimeCondition {
  readonly type: string;
  readonly status: boolean;
  readonly reason: string;
  readonly message: string;
}

export interface RuntimeStatus {
  readonly conditions: readonly RuntimeCondition[];
  readonly info: Readonly<Record<string, string>>;
}

/** Server-side filters, as CRI defines them (PodSandboxFilter / ContainerFilter). */
export interface SandboxFilter {
  readonly id?: string;
  readonly state?: SandboxState;
  readonly labelSelector?: Readonly<Record<string, string>>;
}

export interface ContainerFilter {
  readonly id?: string;
  readonly state?: ContainerState;
  readonly podSandboxId?: string;
  readonly labelSelector?: Readonly<Record<string, string>>;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
  /** Per-call deadline; the client applies a default when omitted. */
  readonly timeoutMs?: number;
}

export interface StatusCallOptions extends CallOptions {
  /** Ask for the runtime's verbose `info` (default true); a plain status is much smaller and cheaper. */
  readonly verbose?: boolean;
}

/** The subset of RuntimeService this tool calls. */
export interface CriRuntime {
  version(options?: CallOptions): Promise<RuntimeVersion>;
  status(options?: CallOptions): Promise<RuntimeStatus>;
  listPodSandbox(filter?: SandboxFilter, options?: CallOptions): Promise<PodSandbox[]>;
  /**
   * StreamPodSandboxes (cri-api 1.36, KEP-5825): the same list in several messages, so no single answer meets the send
   * cap. Rejects with the runtime's `Unimplemented` when it does not offer it. Optional: test doubles may leave it out.
   */
  streamPodSandboxes?(filter?: SandboxFilter, options?: CallOptions): Promise<PodSandbox[]>;
  podSandboxStatus(id: string, options?: StatusCallOptions): Promise<SandboxStatus>;
  stopPodSandbox(id: string, options?: CallOptions): Promise<void>;
  removePodSandbox(id: string, options?: CallOptions): Promise<void>;
  listContainers(filter?: ContainerFilter, options?: CallOptions): Promise<Container[]>;
  /** StreamContainers (cri-api 1.36, KEP-5825), like `streamPodSandboxes`. */
  streamContainers?(filter?: ContainerFilter, options?: CallOptions): Promise<Container[]>;
  containerStatus(id: string, options?: StatusCallOptions): Promise<ContainerStatus>;
  stopContainer(id: string, timeoutSeconds: number, options?: CallOptions): Promise<void>;
  removeContainer(id: string, options?: CallOptions): Promise<void>;
  close(): void;
}
