import type { CacheFileState } from '../cni/cacheFile';
import type { PluginDel } from '../cni/cniDel';
import type { RepairId } from '../model/repair';

export type Risk = 'low' | 'medium' | 'high';

/** What a step does; the executor re-checks each precondition right before acting. */
export type StepAction =
  /**
   * Move the file into the quarantine dir (`backupPath`, a node path), compare the moved bytes with the planned sha256
   * (moved back and refused when they differ). Precondition: a regular file with the same bytes (sha256) as planned.
   */
  | {
    readonly kind: 'remove-cache-file'; readonly path: string; readonly sha256: string; readonly state: CacheFileState; readonly sandboxId: string;
    readonly backupPath: string;
    /** The file records a network an earlier step of the plan released (CNI DEL): Undo does not bring it back. */
    readonly released?: boolean;
  }
  /**
   * Run the CNI DEL of the cached network: exactly `dels` (built at planning time from the file's bytes, which must still
   * have the planned sha256). `netns` is passed only while it still exists, else CNI_NETNS is empty. No `dels`: the
   * file could not be read when planning, and the step is refused. Precondition: same bytes, sandbox still absent.
   */
  | {
    readonly kind: 'cni-del'; readonly path: string; readonly sha256: string; readonly sandboxId: string; readonly binDir: string; readonly hostLocalDir?: string;
    readonly dels?: readonly PluginDel[]; readonly netns?: string;
  }
  /** StopPodSandbox then RemovePodSandbox. Precondition: the sandbox is not Ready. */
  | { readonly kind: 'remove-sandbox'; readonly sandboxId: string; readonly hostLocalDirs: readonly string[] }
  /** StopContainer then RemoveContainer. Precondition: its sandbox still absent (orphans) or it is still exited (prune). */
  | { readonly kind: 'remove-container'; readonly containerId: string; readonly sandboxId: string; readonly expect: 'sandbox-missing' | 'exited' }
  /**
   * StopPodSandbox with a bounded deadline; if it does not finish and the sandbox is still Ready, SIGKILL its shim (only
   * if that PID still has the planned start time and command line), then Stop + Remove and verify NOT_FOUND.
   * `shim` absent: none was found (or processes were not visible) when planning; `needsHostProcesses`: the plan was
   * made without sight of the node's processes (a bridge outside the host-pid profile). See stuckSandbox.ts.
   */
  | { readonly kind: 'force-stop-sandbox'; readonly sandboxId: string; readonly stopTimeoutMs: number; readonly shim?: ShimProcess; readonly needsHostProcesses?: boolean }
  /**
   * Docker: inspect (the JSON goes into the audit: a container cannot be put back), stop within `stopTimeoutSeconds`,
   * remove. Precondition: same ID and state as planned; an orphan still has no podsandbox container and no checkpoint.
   */
  | {
    readonly kind: 'docker-remove-container'; readonly containerId: string; readonly sandboxId: string; readonly expect: 'sandbox-missing' | 'exited';
    readonly plannedState: string; readonly stopTimeoutSeconds: number; readonly checkpointDir: string;
  }
  /** Docker: move a sandbox checkpoint into quarantine (`backupPath`). Precondition: same bytes; no container has its ID or names it as sandbox. */
  | { readonly kind: 'remove-checkpoint'; readonly path: string; readonly sha256: string; readonly sandboxId: string; readonly backupPath: string }
  /**
   * Docker: remove a NotReady sandbox as dockershim's RemovePodSandbox does: its exited containers and podsandbox container
   * (inspect JSON into the audit), then its checkpoint (backed up). Precondition: nothing of it runs.
   */
  | {
    readonly kind: 'docker-remove-sandbox'; readonly sandboxId: string;
    readonly checkpoint?: { readonly path: string; readonly sha256: string; readonly backupPath: string };
  };

/** A sandbox's shim as planned (what the re-check before the kill compares). */
export interface ShimProcess {
  readonly pid: number;
  readonly startTime: string;
  readonly argv: readonly string[];
}

export interface PlanStep {
  /** Stable within a plan: `<n>-<kind>`. */
  readonly id: string;
  readonly findingId: string;
  readonly repair: RepairId;
  readonly title: string;
  readonly risk: Risk;
  /** The exact object acted on: a path, or `sandbox <64-hex>` / `container <64-hex>`. */
  readonly object: string;
  /** What must still hold when the step runs. */
  readonly precondition: string;
  /**
   * The commands a person would run on the node to do the same (one or more lines, every value shell-quoted): what the
   * executor does, with the plan's quarantine dir, cache paths, runtime endpoint and plugin invocations.
   */
  readonly manualCommand: string;
  readonly action: StepAction;
}

export interface RepairPlan {
  readonly node: string;
  readonly createdAt: string;
  /** Every finding the plan acts on (the selected ones, and those a selected one needs, e.g. a sandbox's other bad files). */
  readonly findingIds: readonly string[];
  /** The runtime endpoint (`unix:///…`) the steps' `crictl` lines and the executor talk to. */
  readonly endpoint: string;
  /** Node path the files are moved into before they count as removed. */
  readonly quarantineDir: string;
  readonly steps: readonly PlanStep[];
  /** Things to do besides the steps (e.g. the kubelet GC settings), and findings that have no repair. */
  readonly notes: readonly string[];
}

export type StepOutcome = 'done' | 'already-done' | 'refused' | 'failed' | 'skipped';

export interface Backup {
  readonly original: string;
  readonly quarantinePath: string;
  readonly size: number;
  readonly sha256: string;
  /** The content, base64, up to 64 KiB (`truncated` says whether all of it). */
  readonly contentBase64: string;
  readonly truncated: boolean;
  /**
   * Set when the file recorded a network the repair released (CNI DEL ran): restoring it would not take the IP and veth
   * back, only bring back a cache file of a network that no longer exists. Undo leaves it in quarantine.
   */
  readonly released?: boolean;
}

/** A container's full `docker inspect` JSON, taken right before removal; a container cannot be restored from it. */
export interface ContainerSnapshot {
  readonly containerId: string;
  readonly inspectJson: string;
  readonly restorable: false;
}

export interface StepResult {
  readonly stepId: string;
  readonly findingId: string;
  readonly outcome: StepOutcome;
  readonly detail: string;
  /** The runtime's or plugin's exact error text when the step failed. */
  readonly error?: string;
  /** `precondition-changed` when refused because the node changed, `backup-failed` when the backup could not be made. */
  readonly reason?: string;
  readonly backup?: Backup;
  /** Docker: the removed containers' inspect JSON. */
  readonly snapshots?: readonly ContainerSnapshot[];
}

export interface AuditEntry {
  /**
   * Write-ahead: `intent` is appended before a step acts (result `intended`), `outcome` after. A step whose intent
   * cannot be recorded is not run; an `intent` without its `outcome` is a step interrupted while acting.
   */
  readonly phase?: 'intent' | 'outcome';
  /** One ID per run of a plan (or per restore): the repair history groups records by it. Absent in older logs. */
  readonly runId?: string;
  readonly at: string;
  readonly actor: string;
  readonly node: string;
  readonly access: string;
  readonly stepId: string;
  readonly findingId: string;
  /** `undo` for a restore of a backed-up file (NodeDoctor.restore). */
  readonly repair: RepairId | 'undo';
  readonly action: StepAction['kind'] | 'restore-file';
  readonly object: string;
  readonly before: string;
  readonly after: string;
  readonly result: StepOutcome | 'intended';
  readonly detail: string;
  readonly error?: string;
  readonly backup?: Backup;
  readonly snapshots?: readonly ContainerSnapshot[];
}

export interface AuditSink {
  /** Resolves once the entry is durable (written and flushed); rejects when it could not be, and then nothing acts. */
  append(entry: AuditEntry): Promise<void>;
}
