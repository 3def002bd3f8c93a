import type { StrandedPod } from '../bridge/stranded';
import type { KubeApi } from '../cluster/kubeApi';
import type { PodsLeft } from '../fleet/scan';
import type { BridgeProfile } from '../bridge/podSpec';
import type { ContextInfo, Kubeconfigs } from '../cluster/kubeconfig';
import { listNodes } from '../cluster/nodes';
import type { NodeList } from '../cluster/nodes';
import { NodeDoctorError } from '../errors';
import type { Inventory } from '../inventory/types';
import { requireNodeDir } from '../node/nodeDir';
import { DEFAULT_QUARANTINE_DIR } from '../node/nodePaths';
import { RepairExecutor } from '../repair/executor';
import type { ExecutionReport } from '../repair/executor';
import { planRepairs } from '../repair/planner';
import type { PlanOptions } from '../repair/planner';
import { restoreBackup } from '../repair/restore';
import { discoverShim, discoverShimsFor, planForceStop, stuckFindingId } from '../repair/stuckSandbox';
import { planSelection, readPlanInputs, releasedFiles } from '../repair/selection';
import type { RepairSelection, SelectedPlan } from '../repair/selection';
import type { AuditSink, Backup, PlanStep, RepairPlan, StepResult } from '../repair/types';
import { InventoryStore } from './inventoryStore';
import { NodeConnector } from './nodeConnector';
import type { ConnectorSettings, NodeHandle } from './nodeConnector';
import { describeNode, nodeName } from './nodeRef';
import type { NodeRef } from './nodeRef';
import { inspectTarget, runtimeStepsFor, withDefaults } from './nodeTarget';
import type { NodeTarget, RuntimeConnection } from './nodeTarget';

/** Prefixes a core error that does not say which node it is about with the node's name. */
function withNodeName(ref: NodeRef, error: unknown): unknown {
  if (!(error instanceof NodeDoctorError) || error.node !== undefined || error.reason === 'cancelled') return error;
  return new NodeDoctorError(error.reason, `${describeNode(ref)}: ${error.message}`, {
    cluster: ref.kind === 'bridge' ? ref.context : undefined, node: nodeName(ref), hint: error.hint, cause: error,
  });
}

/** Read on every operation, so changed settings apply without a restart. */
export interface NodeDoctorSettings extends ConnectorSettings {
  readonly localNode: 'auto' | 'off';
  /** Node path for backups of removed files (default /var/lib/kube-node-doctor/quarantine). */
  readonly quarantineDir?: string;
  /** Force-stop of a stuck sandbox: the first StopPodSandbox's deadline (default 30 s). */
  readonly stopTimeoutMs?: number;
  /** Prune thresholds (kubeNodeDoctor.repair.pruneKeep / pruneMinAge); the planner's defaults when unset. */
  readonly prune?: { readonly keep?: number; readonly minAgeMs?: number };
  /** Most IDs found on disk but in no list answer that an inspection looks up one by one (default 5,000). */
  readonly maxIdLookups?: number;
}

export interface NodeDoctorOptions {
  readonly settings: () => NodeDoctorSettings;
  readonly audit: AuditSink;
  /** Recorded in audit entries, e.g. `alice@laptop (VS Code)`. */
  readonly actor: string;
  /** `vscode` or `cli`, recorded on bridge pods. */
  readonly client: string;
  readonly log: (line: string) => void;
  /**
   * How long an opened node stays open after an operation (default 2 min): the plan, the confirmation and the execution
   * of a repair use one opened node, not one each (the runtime connection still ends with each operation).
   */
  readonly lingerMs?: number;
}

export interface InspectProgress {
  readonly signal?: AbortSignal;
  readonly onProgress?: (message: string) => void;
}

export interface ExecuteProgress {
  readonly signal?: AbortSignal;
  readonly onStep?: (step: PlanStep, result: StepResult) => void;
}

/** A cached inventory that mentions a sandbox (for "Find on node" from a log). */
export interface SandboxMatch {
  readonly ref: NodeRef;
  readonly sandboxId: string;
  readonly inventory: Inventory;
}

/**
 * The node-side engine behind the sidebar, the report and the repairs: opens nodes (local or through bridge pods, one
 * manager per context), reads and caches their inventories, plans and runs repairs with the executor's re-checks,
 * backups and audit, and deletes every bridge pod it created on dispose. No UI: progress and cancellation come in.
 */
export class NodeDoctor {
  /** The node inventories of this process: views subscribe to its change event. */
  readonly store = new InventoryStore();
  /** Opens nodes (local or through bridge pods) for every operation below, and for the CLI. */
  readonly connector: NodeConnector;
  private readonly emptyPlans = new WeakMap<Inventory, Set<string>>();

  constructor(private readonly options: NodeDoctorOptions) {
    this.connector = new NodeConnector({
      settings: () => ({ ...this.settings, quarantineDir: this.quarantineDir }),
      client: options.client, log: options.log, lingerMs: options.lingerMs ?? 120_000,
    });
  }

  private get settings(): NodeDoctorSettings {
    return this.options.settings();
  }

  /** The merged kubeconfig, loaded once until `reloadKubeconfig`. Throws `not-found` when there is none. */
  kubeconfigs(): Promise<Kubeconfigs> {
    return this.connector.kubeconfigs();
  }

  /** Forgets the kubeconfig (and the bridge managers built from it, deleting their pods); returns the pods left behind. */
  reloadKubeconfig(): Promise<StrandedPod[]> {
    return this.connector.reloadKubeconfig();
  }

  /** Contexts, the current one first. */
  contexts(): Promise<{ contexts: ContextInfo[]; current?: string }> {
    return this.connector.contexts();
  }

  async listNodes(context: string, signal?: AbortSignal): Promise<NodeList> {
    return listNodes(await this.connector.api(context), { signal });
  }

  /** The local node's runtime endpoint, when this machine is a node (or the settings name a socket); else undefined. */
  probeLocalNode(signal?: AbortSignal): Promise<string | undefined> {
    return this.connector.probeLocalNode(signal);
  }

  localRef(): NodeRef {
    return { kind: 'local', name: this.settings.local.name || 'Local node' };
  }

  /** Opens the node (or joins it while open), runs `work`, and releases it (kept open a while for the next operation). */
  private withTarget<T>(ref: NodeRef, signal: AbortSignal | undefined, work: (target: NodeTarget, handle: NodeHandle) => Promise<T>): Promise<T> {
    return this.connector.withNode(ref, signal, (handle) => work(handle.target, handle));
  }

  /** As `withTarget`, with the node's runtime connected; errors say which node. */
  private async withNode<T>(ref: NodeRef, signal: AbortSignal | undefined, work: (target: NodeTarget, runtime: RuntimeConnection) => Promise<T>): Promise<T> {
    try {
      return await this.withTarget(ref, signal, async (target, handle) => work(target, await handle.runtime(signal)));
    } catch (error) {
      throw withNodeName(ref, error);
    }
  }

  /** Reads the node's sandboxes, containers, CNI cache and findings; the result is cached until the next inspection. */
  async inspect(ref: NodeRef, progress: InspectProgress = {}): Promise<Inventory> {
    const { inventory, shims } = await this.withNode(ref, progress.signal, async (target, runtime) => {
      const read = await inspectTarget(target, runtime, {
        maxIdLookups: this.settings.maxIdLookups,
        node: nodeName(ref), signal: progress.signal, onProgress: progress.onProgress,
      });
      // Stuck sandboxes: their shims are looked for now, while the node is open, so every plan (tree, report) names the PID.
      return { inventory: read, shims: await discoverShimsFor(target.access, read, 'all', { endpoint: target.endpoint, signal: progress.signal }) };
    });
    this.store.set(ref, inventory, shims);
    return inventory;
  }

  /**
   * Whether a repairable finding's plan (from the last inventory, with the current settings) has any step: a prune whose
   * objects are all kept (too young, keep-count, Ready) has none, and the tree offers no Repair for it.
   */
  hasRepairSteps(ref: NodeRef, findingId: string): boolean {
    const inventory = this.inventory(ref);
    if (!inventory) return false;
    let empty = this.emptyPlans.get(inventory);
    if (!empty) {
      empty = new Set<string>();
      for (const f of inventory.findings) {
        if (!f.repair) continue;
        try {
          if (planRepairs(inventory, [f.id], this.planOptions(ref, {})).steps.length === 0) empty.add(f.id);
        } catch {
          empty.add(f.id);
        }
      }
      this.emptyPlans.set(inventory, empty);
    }
    return inventory.findings.some((f) => f.id === findingId && f.repair !== undefined) && !empty.has(findingId);
  }

  /** The last inventory read of a node, if any. */
  inventory(ref: NodeRef): Inventory | undefined {
    return this.store.get(ref)?.inventory;
  }

  /** The plan options of a node from the settings: its plugin dir, the quarantine dir, the prune thresholds. */
  private planOptions(ref: NodeRef, options: PlanOptions): PlanOptions {
    const settings = this.settings;
    return {
      cniBinDir: withDefaults(ref.kind === 'local' ? settings.local : settings.bridge).cniBinDir, quarantineDir: this.quarantineDir,
      keep: settings.prune?.keep, minAgeMs: settings.prune?.minAgeMs,
      shims: this.store.get(ref)?.shims, stopTimeoutMs: settings.stopTimeoutMs, ...options,
    };
  }

  /**
   * "Force-stop stuck sandbox…" of one sandbox of the node's cached inventory: its shim is looked for on the node now.
   * `reason` says why the pod is meant to be gone (a finding, a log line, or the user's word).
   */
  async planForceStop(ref: NodeRef, sandboxId: string, reason: string, signal?: AbortSignal): Promise<RepairPlan> {
    const inventory = this.inventory(ref);
    if (!inventory) throw new NodeDoctorError('not-found', `${describeNode(ref)} has not been inspected yet.`, { hint: 'Inspect the node first.' });
    const finding = inventory.findings.find((f) => f.id === stuckFindingId(sandboxId));
    try {
      return await this.withTarget(ref, signal, async (target) => planForceStop(inventory, {
        sandboxId, reason: finding?.detail ?? reason, findingId: finding?.id, stopTimeoutMs: this.settings.stopTimeoutMs,
        endpoint: target.endpoint, quarantineDir: this.quarantineDir,
      }, await discoverShim(target.access, sandboxId, { endpoint: target.endpoint, signal })));
    } catch (error) {
      throw withNodeName(ref, error);
    }
  }

  /** The bridge profile pods of a context get (this session's choice, else the setting). */
  bridgeProfile(context: string): BridgeProfile {
    return this.connector.bridgeProfile(context);
  }

  /** Switches a context's bridge to another profile: its pods are deleted now and recreated with it on next use. */
  useBridgeProfile(context: string, profile: BridgeProfile): Promise<void> {
    return this.connector.useBridgeProfile(context, profile);
  }

  /**
   * Plans a selection from the node's cached inventory: the same `planSelection` the CLI uses. The cache files of
   * networks the plan releases are read from the node (their bytes are the DEL commands shown and run).
   */
  async plan(ref: NodeRef, selection: RepairSelection, options: PlanOptions & { readonly signal?: AbortSignal } = {}): Promise<SelectedPlan> {
    const inventory = this.inventory(ref);
    if (!inventory) throw new NodeDoctorError('not-found', `${describeNode(ref)} has not been inspected yet.`, { hint: 'Inspect the node first.' });
    const ids = selection.kind === 'all' ? 'all' : selection.kind === 'findings' ? selection.findingIds : inventory.findings.map((f) => f.id);
    const files = releasedFiles(inventory, ids);
    const cacheContents = options.cacheContents ?? (files.length > 0
      ? await this.withTarget(ref, options.signal, (target) => readPlanInputs(target.access, files, options.signal)).catch((error: unknown) => {
        this.options.log(`reading the cache files to release on ${describeNode(ref)} failed: ${String(error)}`);
        return new Map<string, Buffer>();
      })
      : new Map<string, Buffer>());
    return planSelection(undefined, inventory, selection, this.planOptions(ref, { ...options, cacheContents }));
  }

  /**
   * One plan per repairable finding, each exactly what `plan(ref, {findings: [id]})` gives (the report's cards and their
   * Copy buttons); the cache files to release are read once for all of them.
   */
  async planEach(ref: NodeRef, signal?: AbortSignal): Promise<Map<string, RepairPlan>> {
    const inventory = this.inventory(ref);
    const plans = new Map<string, RepairPlan>();
    if (!inventory) return plans;
    const files = releasedFiles(inventory, 'all');
    const cacheContents = files.length > 0
      ? await this.withTarget(ref, signal, (target) => readPlanInputs(target.access, files, signal)).catch(() => new Map<string, Buffer>())
      : new Map<string, Buffer>();
    for (const finding of inventory.findings) {
      if (!finding.repair) continue;
      const { plan } = await this.plan(ref, { kind: 'findings', findingIds: [finding.id] }, { cacheContents, signal });
      if (plan) plans.set(finding.id, plan);
    }
    return plans;
  }

  /** Runs a plan: each step re-checked right before it acts, its intent and outcome audited, files moved to quarantine. */
  async execute(ref: NodeRef, plan: RepairPlan, progress: ExecuteProgress = {}): Promise<ExecutionReport> {
    try {
      return await this.withNode(ref, progress.signal, async (target, runtime) => new RepairExecutor({
        access: target.access, cri: runtime.cri, audit: this.options.audit, actor: this.options.actor,
        signal: progress.signal, onStep: progress.onStep, runtimeSteps: runtimeStepsFor(target, runtime, progress.signal),
      }).execute(plan));
    } finally {
      this.store.markStale(ref, 'a repair ran on the node after this inventory was read');
    }
  }

  private get quarantineDir(): string {
    return requireNodeDir('The quarantine directory (kubeNodeDoctor.repair.quarantineDir)', this.settings.quarantineDir || DEFAULT_QUARANTINE_DIR);
  }

  /**
   * Undo of a removed file: copies the quarantined backup back to its original path. Refuses when something is there
   * again (libcni or the runtime wrote a new file) or the backup no longer has the recorded bytes.
   */
  async restore(ref: NodeRef, backup: Backup, signal?: AbortSignal): Promise<void> {
    await this.withTarget(ref, signal, async (target) => {
      await restoreBackup(backup, { access: target.access, audit: this.options.audit, actor: this.options.actor, node: nodeName(ref), nodeLabel: describeNode(ref), signal });
      this.options.log(`restored ${backup.original} on ${describeNode(ref)} from ${backup.quarantinePath}`);
      this.store.markStale(ref, 'a backup was restored on the node after this inventory was read');
    });
  }

  /** Reads a node file (a CNI cache file's content), bounded. */
  async readFile(ref: NodeRef, path: string, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
    return this.withTarget(ref, signal, (target) => target.access.readFile(path, maxBytes, signal));
  }

  /** Cached inventories holding a sandbox whose ID starts with `prefix` (12+ hex characters from a log). */
  findSandbox(prefix: string): SandboxMatch[] {
    const wanted = prefix.toLowerCase();
    const matches: SandboxMatch[] = [];
    for (const { ref, inventory } of this.store.all()) {
      const ids = new Set<string>();
      for (const s of inventory.sandboxes) if (s.id.startsWith(wanted)) ids.add(s.id);
      for (const c of inventory.cniCache) if (c.sandboxId.startsWith(wanted)) ids.add(c.sandboxId);
      for (const c of inventory.containers) if (c.sandboxId.startsWith(wanted)) ids.add(c.sandboxId);
      for (const id of ids) matches.push({ ref, sandboxId: id, inventory });
    }
    return matches;
  }

  /** The API client of a context (node list, node log query), with the request timeout of the settings. */
  kubeApi(context: string): Promise<KubeApi> {
    return this.connector.kubeApi(context);
  }

  /**
   * Deletes every bridge pod of a context now (a cluster scan's, and any reused from earlier inspections), then proves
   * what is left by listing the session's pods: `count` 0 only when that list is empty; unknown when it fails.
   */
  releaseBridges(context: string): Promise<PodsLeft> {
    return this.connector.releaseBridges(context);
  }

  /** Bridge pods labelled as ours in a context that this session does not use; deleted unless `dryRun`. */
  async cleanupLeftovers(context: string, options: { dryRun?: boolean; signal?: AbortSignal } = {}): Promise<string[]> {
    return (await this.connector.manager(context)).cleanupLeftovers(options);
  }

  /** Deletes every bridge pod this session created; returns those that could not be deleted (with their commands). */
  dispose(): Promise<StrandedPod[]> {
    return this.connector.dispose();
  }
}
