import type { CacheFileState } from '../cni/cacheFile';
import type { RepairId } from '../model/repair';

export type Risk = 'low' | 'medium' | 'high';

/** What a step does; the executor re-checks each precondition right before acting. */
export type StepAction =
  /** Back the file up into the quarantine dir, then remove it. Precondition: same bytes (sha256) as planned. */
  | { readonly kind: 'remove-cache-file'; readonly path: string; readonly sha256: string; readonly state: CacheFileState; readonly sandboxId: string }
  /** Run the CNI DEL of the cached network from the file's own contents. Precondition: same bytes, sandbox still absent. */
  | { readonly kind: 'cni-del'; readonly path: string; readonly sha256: string; readonly sandboxId: string; readonly binDir: string; readonly hostLocalDir?: string }
  /** StopPodSandbox then RemovePodSandbox. Precondition: the sandbox is not Ready. */
  | { readonly kind: 'remove-sandbox'; readonly sandboxId: string; readonly hostLocalDirs: readonly string[] }
  /** StopContainer then RemoveContainer. Precondition: its sandbox still absent (orphans) or it is still exited (prune). */
  | { readonly kind: 'remove-container'; readonly containerId: string; readonly sandboxId: string; readonly expect: 'sandbox-missing' | 'exited' };

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
  /** The equivalent command a person would run by hand. */
  readonly manualCommand: string;
  readonly action: StepAction;
}

export interface RepairPlan {
  readonly node: string;
  readonly createdAt: string;
  readonly findingIds: readonly string[];
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
}

export interface StepResult {
  readonly stepId: string;
  readonly findingId: string;
  readonly outcome: StepOutcome;
  readonly detail: string;
  /** The runtime's or plugin's exact error text when the step failed. */
  readonly error?: string;
  /** `precondition-changed` when refused. */
  readonly reason?: string;
  readonly backup?: Backup;
}

export interface AuditEntry {
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
  readonly result: StepOutcome;
  readonly detail: string;
  readonly error?: string;
  readonly backup?: Backup;
}

export interface AuditSink {
  append(entry: AuditEntry): Promise<void>;
}
