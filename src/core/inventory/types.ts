import type { CacheFileState, TeardownRead } from '../cni/cacheFile';
import type { ListStrategy } from '../cri/listing';
import type { ContainerState, SandboxState } from '../cri/types';
import type { Category, Severity } from '../model/category';

/** Repair ids, shared with the log diagnosis rules (`Rule.repair`). */
export type RepairId = 'remove-cache-file-and-sandbox' | 'release-leaked-ips' | 'remove-orphan-containers' | 'prune-dead-objects' | 'force-remove-sandbox' | 'force-stop-stuck-sandbox';

export interface RuntimeInfo {
  readonly endpoint: string;
  readonly runtimeName: string;
  readonly runtimeVersion: string;
  readonly runtimeApiVersion: string;
  readonly conditions: readonly { readonly type: string; readonly status: boolean; readonly reason: string; readonly message: string }[];
}

export interface SandboxItem {
  readonly id: string;
  readonly state: SandboxState;
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly attempt: number;
  readonly createdAtMs: number;
  readonly runtimeHandler: string;
  /** From the sandbox's CNI cache file (the runtime does not list it). */
  readonly netns?: string;
  readonly ips: readonly string[];
}

export interface ContainerItem {
  readonly id: string;
  readonly name: string;
  readonly state: ContainerState;
  readonly sandboxId: string;
  readonly attempt: number;
  readonly image: string;
  readonly createdAtMs: number;
  /** Only when ContainerStatus was read (not-running containers, up to a bound). */
  readonly exitCode?: number;
  readonly finishedAtMs?: number;
  readonly reason?: string;
}

export interface CacheEntry {
  /** Node-absolute path. */
  readonly path: string;
  readonly name: string;
  /** From the file name. */
  readonly network: string;
  readonly sandboxId: string;
  readonly ifName: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: string;
  readonly state: CacheFileState;
  readonly jsonValid: boolean;
  readonly kind?: string;
  readonly containerId?: string;
  readonly networkName?: string;
  readonly recordedIfName?: string;
  readonly ips: readonly string[];
  readonly netns?: string;
  /** cniVersion of the network's current configuration (conf dir; containerd's loopback is 0.3.1). */
  readonly networkCniVersion?: string;
  /** Whether the runtime reads this file on teardown (cniVersion >= 0.4.0), and why. */
  readonly readOnTeardown: TeardownRead;
  readonly readReason: string;
  readonly pod?: string;
}

export interface NetworkInfo {
  readonly name: string;
  readonly cniVersion: string;
  /** The conf file, or `built-in`. */
  readonly source: string;
  readonly plugins: readonly string[];
  /** host-local's directory of reserved IPs for this network, when it uses host-local. */
  readonly hostLocalDir?: string;
}

export interface ListLimit {
  readonly label: string;
  readonly bytes: number;
  readonly percent: number;
}

export interface ListSize {
  readonly method: 'ListPodSandbox' | 'ListContainers';
  readonly items: number;
  /** Estimated protobuf size of the unfiltered answer. */
  readonly bytes: number;
  readonly limits: readonly ListLimit[];
}

export interface ListStrategyInfo {
  readonly sandboxes: ListStrategy;
  readonly containers: ListStrategy;
  readonly complete: boolean;
  readonly notes: readonly string[];
}

export interface PodCount {
  readonly pod: string;
  readonly sandboxes: number;
  readonly notReadySandboxes: number;
  readonly exitedContainers: number;
}

export interface Counts {
  readonly sandboxes: number;
  readonly readySandboxes: number;
  readonly notReadySandboxes: number;
  readonly containers: number;
  readonly runningContainers: number;
  readonly exitedContainers: number;
  readonly cacheFiles: number;
  readonly unreadableCacheFiles: number;
  /** Pods with dead objects, most first (at most 50). */
  readonly perPod: readonly PodCount[];
}

export interface Finding {
  /** Stable: `<category>:<object>`, e.g. `cni-cache-corrupt:cbr0-<id>-eth0`. */
  readonly id: string;
  readonly category: Category;
  readonly rule: string;
  readonly severity: Severity;
  readonly title: string;
  readonly detail: string;
  readonly repair?: RepairId;
  readonly sandboxId?: string;
  readonly containerId?: string;
  readonly path?: string;
  readonly pod?: string;
  readonly state?: string;
  readonly ips?: readonly string[];
  /** For pile-ups: the counts; for list sizes: the bytes. */
  readonly count?: number;
  readonly bytes?: number;
}

export interface Inventory {
  readonly node: string;
  readonly access: string;
  readonly generatedAt: string;
  readonly cniCacheDir: string;
  readonly cniConfDir?: string;
  readonly runtime: RuntimeInfo;
  readonly sandboxes: readonly SandboxItem[];
  readonly containers: readonly ContainerItem[];
  readonly cniCache: readonly CacheEntry[];
  readonly cniNetworks: readonly NetworkInfo[];
  readonly findings: readonly Finding[];
  readonly listStrategy: ListStrategyInfo;
  readonly listSizes: readonly ListSize[];
  readonly counts: Counts;
  readonly timingsMs: Readonly<Record<string, number>>;
}
