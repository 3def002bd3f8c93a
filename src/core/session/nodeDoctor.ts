import { createHash } from 'node:crypto';
import { BridgeManager } from '../bridge/bridgeManager';
import { describeStranded } from '../bridge/stranded';
import type { StrandedPod } from '../bridge/stranded';
import type { PodsLeft } from '../fleet/scan';
import { shellLine } from '../model/shell';
import { bridgeAccessFor } from '../bridge/openBridge';
import type { BridgeProfile } from '../bridge/podSpec';
import { KubeApi } from '../cluster/kubeApi';
import { loadKubeconfigs } from '../cluster/kubeconfig';
import type { ContextInfo, Kubeconfigs } from '../cluster/kubeconfig';
import { listNodes } from '../cluster/nodes';
import type { NodeList } from '../cluster/nodes';
import { discoverEndpoint } from '../cri/endpoints';
import { describeError, NodeDoctorError } from '../errors';
import { podIdentities, sharedPodsOnNode } from '../cluster/podsOnNode';
import type { Inventory } from '../inventory/types';
import { LocalNodeAccess } from '../node/localNodeAccess';
import { requireNodeDir } from '../node/nodeDir';
import { DEFAULT_QUARANTINE_DIR, DEFAULT_RUNTIME_ENDPOINT } from '../node/nodePaths';
import { RepairExecutor } from '../repair/executor';
import type { ExecutionReport } from '../repair/executor';
import { planRepairs } from '../repair/planner';
import { discoverShim, discoverShimsFor, planForceStop, stuckFindingId } from '../repair/stuckSandbox';
import type { PlanOptions } from '../repair/planner';
import { planSelection, readPlanInputs, releasedFiles } from '../repair/selection';
import type { RepairSelection, SelectedPlan } from '../repair/selection';
import type { AuditSink, Backup, PlanStep, RepairPlan, StepResult } from '../repair/types';
import { InventoryStore } from './inventoryStore';
import { describeNode, nodeName } from './nodeRef';
import type { NodeRef } from './nodeRef';
import { DEFAULT_DOCKER_ENDPOINT } from '../docker/dockershim';
import { connectRuntime, discoveryOf, inspectTarget, openLocalTarget, runtimeStepsFor, withDefaults } from './nodeTarget';
import type { LocalNodeSpec, NodePaths, NodeTarget, RuntimeConnection } from './nodeTarget';

/** Prefixes a core error that does not say which node it is about with the node's name. */
function withNodeName(ref: NodeRef, error: unknown): unknown {
  if (!(error instanceof NodeDoctorError) || error.node !== undefined || error.reason === 'cancelled') return error;
  return new NodeDoctorError(error.reason, `${describeNode(ref)}: ${error.message}`, {
    cluster: ref.kind === 'bridge' ? ref.context : undefined, node: nodeName(ref), hint: error.hint, cause: error,
  });
}

/** Read on every operation, so changed settings apply without a restart. */
export interface NodeDoctorSettings {
  /** `auto`: offer the local node when a runtime socket is found (or `local.runtimeEndpoint` is set); `off`: never. */
  readonly localNode: 'auto' | 'off';
  readonly local: LocalNodeSpec & { readonly name?: string };
  /** Explicit kubeconfig file (else KUBECONFIG, else ~/.kube/config). */
  readonly kubeconfig?: string;
  readonly bridge: NodePaths & {
    readonly namespace?: string;
    readonly image?: string;
    readonly profile?: BridgeProfile;
    readonly idleTimeoutMs?: number;
    readonly startTimeoutMs?: number;
  };
  /** Node path for backups of removed files. */
  readonly quarantineDir?: string;
  /** Force-stop of a stuck sandbox: the first StopPodSandbox's deadline (default 30 s). */
  readonly stopTimeoutMs?: number;
  /** Prune thresholds (kubeNodeDoctor.repair.pruneKeep / pruneMinAge); the planner's defaults when unset. */
  readonly prune?: { readonly keep?: number; readonly minAgeMs?: number };
  /** Per Kubernetes API request (default 10 s). */
  readonly requestTimeoutMs?: number;
  /** Most IDs found on disk but in no list answer that an inspection looks up one by one (default 5,000). */
  readonly maxIdLookups?: number;
  /** Through a bridge: ask the API for the node's pods to split the runtime's lists by (default true). */
  readonly apiPods?: boolean;
}

export interface NodeDoctorOptions {
  readonly settings: () => NodeDoctorSettings;
  readonly audit: AuditSink;
  /** Recorded in audit entries, e.g. `alice@laptop (VS Code)`. */
  readonly actor: string;
  /** `vscode` or `cli`, recorded on bridge pods. */
  readonly client: string;
  readonly log: (line: string) => void;
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
  private readonly emptyPlans = new WeakMap<Inventory, Set<string>>();
  /** Bridge profile chosen for a context in this session (the host-pid switch a force-stop asks for), over the setting. */
  private readonly profiles = new Map<string, BridgeProfile>();
  private readonly managers = new Map<string, Promise<BridgeManager>>();
  private configs: Promise<Kubeconfigs> | undefined;
  private disposed = false;

  constructor(private readonly options: NodeDoctorOptions) {}

  private get settings(): NodeDoctorSettings {
    return this.options.settings();
  }

  /** The merged kubeconfig, loaded once until `reloadKubeconfig`. Throws `not-found` when there is none. */
  kubeconfigs(): Promise<Kubeconfigs> {
    this.configs ??= loadKubeconfigs({ explicitPath: this.settings.kubeconfig || undefined }).catch((error: unknown) => {
      this.configs = undefined;
      throw error;
    });
    return this.configs;
  }

  /** Forgets the kubeconfig (and the bridge managers built from it, deleting their pods); returns the pods left behind. */
  async reloadKubeconfig(): Promise<StrandedPod[]> {
    this.configs = undefined;
    return this.disposeManagers();
  }

  private async disposeManagers(): Promise<StrandedPod[]> {
    const managers = [...this.managers.values()];
    this.managers.clear();
    const left = await Promise.all(managers.map(async (m) => (await (await m.catch(() => undefined))?.dispose()) ?? []));
    return left.flat();
  }

  /** Contexts, the current one first. */
  async contexts(): Promise<{ contexts: ContextInfo[]; current?: string }> {
    const configs = await this.kubeconfigs();
    const current = configs.currentContext;
    const contexts = [...configs.contexts].sort((a, b) => Number(b.name === current) - Number(a.name === current));
    return { contexts, current };
  }

  private async api(context: string): Promise<KubeApi> {
    const configs = await this.kubeconfigs();
    return new KubeApi(context, configs.forContext(context), this.settings.requestTimeoutMs ?? 10_000);
  }

  async listNodes(context: string, signal?: AbortSignal): Promise<NodeList> {
    return listNodes(await this.api(context), { signal });
  }

  /** The local node's runtime endpoint, when this machine is a node (or the settings name a socket); else undefined. */
  async probeLocalNode(signal?: AbortSignal): Promise<string | undefined> {
    const settings = this.settings;
    if (settings.localNode === 'off') return undefined;
    const access = new LocalNodeAccess({ hostRoot: settings.local.hostRoot ?? '/' });
    try {
      return (await discoverEndpoint(access, settings.local.runtimeEndpoint, signal))?.endpoint;
    } catch {
      return undefined;
    } finally {
      await access.dispose();
    }
  }

  localRef(): NodeRef {
    return { kind: 'local', name: this.settings.local.name || 'Local node' };
  }

  private manager(context: string): Promise<BridgeManager> {
    let manager = this.managers.get(context);
    if (!manager) {
      const bridge = this.settings.bridge;
      const { cniCacheDir, cniConfDir } = withDefaults(bridge);
      manager = this.api(context).then((api) => new BridgeManager(api, {
        namespace: bridge.namespace, image: bridge.image, profile: this.profiles.get(context) ?? bridge.profile, idleTimeoutMs: bridge.idleTimeoutMs,
        startTimeoutMs: bridge.startTimeoutMs, runtimeEndpoint: bridge.runtimeEndpoint, cniCacheDir, cniConfDir, dockershimDir: bridge.dockershimDir,
        quarantineDir: this.quarantineDir, discovery: discoveryOf(bridge), client: this.options.client, log: this.options.log,
        kubeconfigPath: this.settings.kubeconfig || undefined,
      }));
      manager.catch(() => this.managers.delete(context));
      this.managers.set(context, manager);
    }
    return manager;
  }

  private async openTarget(ref: NodeRef, signal?: AbortSignal): Promise<NodeTarget> {
    if (this.disposed) throw new NodeDoctorError('cancelled', 'Kube Node Doctor is shutting down.');
    if (ref.kind === 'local') return openLocalTarget(this.settings.local, signal);
    const manager = await this.manager(ref.context);
    await manager.ensure(ref.node, signal);
    const bridge = this.settings.bridge;
    const runtime = manager.runtimeOf(ref.node);
    const pods = sharedPodsOnNode(manager.api, ref.node);
    return {
      access: bridgeAccessFor(manager, ref.node), endpoint: bridge.runtimeEndpoint ?? (runtime?.docker ? DEFAULT_DOCKER_ENDPOINT : DEFAULT_RUNTIME_ENDPOINT), ...withDefaults(bridge),
      discovery: discoveryOf(bridge), podsOnNode: pods,
      apiPods: this.settings.apiPods === false ? undefined : async (podSignal?: AbortSignal) => podIdentities(await pods(podSignal)),
      ...(runtime?.dockershimDir ? { dockershimDir: runtime.dockershimDir } : {}), ...(runtime?.kubeletVersion ? { kubeletVersion: runtime.kubeletVersion } : {}),
    };
  }

  /** Opens the node, runs `work`, and releases the access (a bridge pod stays for reuse until idle). */
  private async withTarget<T>(ref: NodeRef, signal: AbortSignal | undefined, work: (target: NodeTarget) => Promise<T>): Promise<T> {
    const target = await this.openTarget(ref, signal);
    try {
      return await work(target);
    } finally {
      await target.access.dispose().catch(() => undefined);
    }
  }

  /** Opens the node and its runtime, runs `work`, and releases both; errors say which node. */
  private async withNode<T>(ref: NodeRef, signal: AbortSignal | undefined, work: (target: NodeTarget, runtime: RuntimeConnection) => Promise<T>): Promise<T> {
    try {
      return await this.withTarget(ref, signal, async (target) => {
        const runtime = await connectRuntime(target, signal);
        try {
          return await work(target, runtime);
        } finally {
          await runtime.close();
        }
      });
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
    return this.profiles.get(context) ?? this.settings.bridge.profile ?? 'least-privilege';
  }

  /** Switches a context's bridge to another profile: its pods are deleted now and recreated with it on next use. */
  async useBridgeProfile(context: string, profile: BridgeProfile): Promise<void> {
    this.profiles.set(context, profile);
    const manager = this.managers.get(context);
    this.managers.delete(context);
    await (await manager?.catch(() => undefined))?.dispose();
    this.options.log(`bridge of context ${context}: ${profile} profile from now on in this session`);
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
      const record = (result: 'done' | 'refused', detail: string, after: string, error?: string): Promise<void> => this.options.audit.append({
        at: new Date().toISOString(), actor: this.options.actor, node: nodeName(ref), access: target.access.description,
        stepId: `undo-${backup.sha256.slice(0, 12)}`, findingId: '', repair: 'undo', action: 'restore-file', object: backup.original,
        before: `absent; backup ${backup.quarantinePath} (${backup.size} bytes, sha256 ${backup.sha256})`, after, result, detail, error,
      });
      if (await target.access.stat(backup.original, signal)) {
        const error = new NodeDoctorError('precondition-changed', `${backup.original} exists again on ${describeNode(ref)}; the backup was not restored over it.`, { hint: `The backup stays at ${backup.quarantinePath}.` });
        await record('refused', 'the file exists again', 'unchanged', error.message);
        throw error;
      }
      const data = await target.access.readFile(backup.quarantinePath, Math.max(backup.size, 1), signal);
      if (createHash('sha256').update(data).digest('hex') !== backup.sha256) {
        const error = new NodeDoctorError('precondition-changed', `The backup ${backup.quarantinePath} no longer holds the bytes that were removed.`);
        await record('refused', 'the backup changed', 'unchanged', error.message);
        throw error;
      }
      await target.access.writeFile(backup.original, data, 0o600, signal);
      await record('done', `restored from ${backup.quarantinePath}`, `present (${data.length} bytes)`);
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
    return this.api(context);
  }

  /**
   * Deletes every bridge pod of a context now (a cluster scan's, and any reused from earlier inspections), then proves
   * what is left by listing the session's pods: `count` 0 only when that list is empty; unknown when it fails.
   */
  async releaseBridges(context: string): Promise<PodsLeft> {
    const pending = this.managers.get(context);
    this.managers.delete(context);
    const manager = await pending?.catch(() => undefined);
    if (!manager) return { count: 0, pods: [] };
    const stranded = await manager.dispose();
    const why = new Map(stranded.map((p) => [p.name, p]));
    try {
      const listed = await manager.listSessionPods();
      const pods = listed.map((p) => ({ name: p.name, node: p.node, ...(why.get(p.name) ? { error: why.get(p.name)!.error } : {}) }));
      for (const pod of stranded) this.options.log(describeStranded(pod));
      return { count: pods.length, pods, ...(stranded.length ? { detail: `remove with: ${stranded.map((p) => shellLine(p.command)).join('; ')}` } : {}) };
    } catch (error) {
      return {
        count: undefined, pods: stranded.map((p) => ({ name: p.name, node: p.node, error: p.error })),
        detail: `listing the session's bridge pods after the cleanup failed: ${describeError(error)}`,
      };
    }
  }

  /** Bridge pods labelled as ours in a context that this session does not use; deleted unless `dryRun`. */
  async cleanupLeftovers(context: string, options: { dryRun?: boolean; signal?: AbortSignal } = {}): Promise<string[]> {
    return (await this.manager(context)).cleanupLeftovers(options);
  }

  /** Deletes every bridge pod this session created; returns those that could not be deleted (with their commands). */
  async dispose(): Promise<StrandedPod[]> {
    this.disposed = true;
    return this.disposeManagers();
  }
}
