import { BridgeManager } from '../bridge/bridgeManager';
import { bridgeAccessFor } from '../bridge/openBridge';
import type { ExecTransport } from '../bridge/podExec';
import type { BridgeProfile } from '../bridge/podSpec';
import { describeStranded } from '../bridge/stranded';
import type { StrandedPod } from '../bridge/stranded';
import type { PodsLeft } from '../fleet/scan';
import { shellLine } from '../model/shell';
import { KubeApi } from '../cluster/kubeApi';
import type { KubeRequester } from '../cluster/kubeApi';
import { loadKubeconfigs } from '../cluster/kubeconfig';
import type { ContextInfo, Kubeconfigs } from '../cluster/kubeconfig';
import { requireValidName } from '../cluster/names';
import { getNode } from '../cluster/nodes';
import { podIdentities, sharedPodsOnNode } from '../cluster/podsOnNode';
import { discoverEndpoint } from '../cri/endpoints';
import { DEFAULT_DOCKER_ENDPOINT } from '../docker/dockershim';
import { describeError, NodeDoctorError } from '../errors';
import { LocalNodeAccess } from '../node/localNodeAccess';
import { DEFAULT_RUNTIME_ENDPOINT } from '../node/nodePaths';
import { nodeKey } from './nodeRef';
import type { NodeRef } from './nodeRef';
import { connectRuntime, discoveryOf, openLocalTarget, withDefaults } from './nodeTarget';
import type { LocalNodeSpec, NodePaths, NodeTarget, RuntimeConnection } from './nodeTarget';

/** How nodes are reached; read on every open, so changed settings apply without a restart. */
export interface ConnectorSettings {
  /** `auto`: offer the local node when a runtime socket is found (or `local.runtimeEndpoint` is set); `off`: never. */
  readonly localNode?: 'auto' | 'off';
  readonly local: LocalNodeSpec & { readonly name?: string };
  /** Explicit kubeconfig file (else KUBECONFIG, else ~/.kube/config). */
  readonly kubeconfig?: string;
  readonly bridge: NodePaths & {
    readonly namespace?: string;
    readonly image?: string;
    readonly profile?: BridgeProfile;
    readonly idleTimeoutMs?: number;
    readonly startTimeoutMs?: number;
    /** How often a starting bridge pod is polled (default 500 ms). */
    readonly pollIntervalMs?: number;
  };
  /** Node path a bridge pod mounts read-write for backups (absent: the state dir). */
  readonly quarantineDir?: string;
  /** Per Kubernetes API request (default 10 s). */
  readonly requestTimeoutMs?: number;
  /** Through a bridge: ask the API for the node's pods to split the runtime's lists by (default true). */
  readonly apiPods?: boolean;
}

export interface NodeConnectorOptions {
  readonly settings: () => ConnectorSettings;
  /** `vscode` or `cli`, recorded on bridge pods. */
  readonly client: string;
  readonly log?: (line: string) => void;
  /** Called for each bridge pod that could not be deleted on dispose (also returned by `dispose`). */
  readonly onStranded?: (pod: StrandedPod) => void;
  /**
   * How long an opened node stays open after its last user released it (default 0: closed at once). A repair that plans,
   * asks and executes within this time reuses the opened node (its access, endpoint and paths) instead of opening it
   * again. Its runtime connection is closed with its last user all the same, so a bridge pod's idle timer is unchanged.
   */
  readonly lingerMs?: number;
  /** Tests: the API client of a context (default: client-node with the kubeconfig's credentials). */
  readonly requester?: (context: string, configs: Kubeconfigs) => KubeRequester;
  /** Tests: the exec transport of the bridge pods (default: client-node's WebSocket exec with the context's kubeconfig). */
  readonly transport?: (context: string) => ExecTransport;
}

/** One use of an opened node: its target (the API's pods listed afresh per use), its runtime, and `release`. */
export interface NodeHandle {
  readonly ref: NodeRef;
  readonly target: NodeTarget;
  /** The node's runtime, connected on first call and shared by the concurrent uses of this opened node. */
  runtime(signal?: AbortSignal): Promise<RuntimeConnection>;
  /** Ends this use; `failed` closes the node once nobody uses it instead of keeping it open for reuse. */
  release(failed?: boolean): Promise<void>;
}

interface OpenNode {
  readonly key: string;
  readonly ref: NodeRef;
  readonly target: NodeTarget;
  /** Through a bridge: the API that lists the node's pods. */
  readonly api?: KubeRequester;
  runtime?: Promise<RuntimeConnection>;
  users: number;
  broken: boolean;
  closed: boolean;
  timer?: NodeJS.Timeout;
}

/**
 * Opens nodes for the extension and the CLI alike: the machine this process runs on, or a cluster node through a bridge
 * pod (the kubeconfig loaded once, one `BridgeManager` per context, RBAC preflight, a node that does not exist named as
 * such). An opened node is shared by concurrent uses (one access, one runtime connection) and, with `lingerMs`, kept
 * open after the last one, so a plan and the execution that follows use one opened node. `dispose` closes every node and deletes
 * every bridge pod this connector created, returning (and reporting through `onStranded`) the pods that could not be.
 */
export class NodeConnector {
  /** Bridge profile chosen for a context in this session (the host-pid switch a force-stop asks for), over the setting. */
  private readonly profiles = new Map<string, BridgeProfile>();
  private readonly managers = new Map<string, Promise<BridgeManager>>();
  private readonly opened = new Map<string, Promise<OpenNode>>();
  private configs: Promise<Kubeconfigs> | undefined;
  private disposed = false;

  constructor(private readonly options: NodeConnectorOptions) {}

  private get settings(): ConnectorSettings {
    return this.options.settings();
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  /** The merged kubeconfig, loaded once until `reloadKubeconfig`. Throws `not-found` when there is none. */
  kubeconfigs(): Promise<Kubeconfigs> {
    this.configs ??= loadKubeconfigs({ explicitPath: this.settings.kubeconfig || undefined }).catch((error: unknown) => {
      this.configs = undefined;
      throw error;
    });
    return this.configs;
  }

  /** Forgets the kubeconfig (and the bridges built from it, deleting their pods); returns the pods left behind. */
  async reloadKubeconfig(): Promise<StrandedPod[]> {
    this.configs = undefined;
    await this.closeWhere((ref) => ref.kind === 'bridge');
    return this.disposeManagers([...this.managers.keys()]);
  }

  /** Contexts, the current one first. */
  async contexts(): Promise<{ contexts: ContextInfo[]; current?: string }> {
    const configs = await this.kubeconfigs();
    const current = configs.currentContext;
    const contexts = [...configs.contexts].sort((a, b) => Number(b.name === current) - Number(a.name === current));
    return { contexts, current };
  }

  /** The context a command names, else the kubeconfig's current one (`not-found` when there is neither or it is absent). */
  async resolveContext(context?: string): Promise<string> {
    const configs = await this.kubeconfigs();
    const name = context ?? configs.currentContext;
    configs.forContext(name); // throws, with the wording the user acts on, when it is missing or invalid
    return name ?? '';
  }

  /** The API client of a context. */
  async api(context: string): Promise<KubeRequester> {
    const configs = await this.kubeconfigs();
    if (this.options.requester) return this.options.requester(context, configs);
    return new KubeApi(context, configs.forContext(context), this.settings.requestTimeoutMs ?? 10_000);
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

  /** The bridge profile pods of a context get (this session's choice, else the setting). */
  bridgeProfile(context: string): BridgeProfile {
    return this.profiles.get(context) ?? this.settings.bridge.profile ?? 'least-privilege';
  }

  /** Switches a context's bridge to another profile: its nodes are closed and its pods deleted now, recreated on next use. */
  async useBridgeProfile(context: string, profile: BridgeProfile): Promise<void> {
    this.profiles.set(context, profile);
    await this.closeWhere((ref) => ref.kind === 'bridge' && ref.context === context);
    await this.disposeManagers([context]);
    this.log(`bridge of context ${context}: ${profile} profile from now on in this session`);
  }

  /** The bridge manager of a context (created on first use; it creates pods only when a node is opened). */
  manager(context: string): Promise<BridgeManager> {
    let manager = this.managers.get(context);
    if (!manager) {
      const settings = this.settings;
      const bridge = settings.bridge;
      const { cniCacheDir, cniConfDir } = withDefaults(bridge);
      manager = this.api(context).then((api) => new BridgeManager(api, {
        namespace: bridge.namespace, image: bridge.image, profile: this.profiles.get(context) ?? bridge.profile, idleTimeoutMs: bridge.idleTimeoutMs,
        startTimeoutMs: bridge.startTimeoutMs, pollIntervalMs: bridge.pollIntervalMs, runtimeEndpoint: bridge.runtimeEndpoint, cniCacheDir, cniConfDir,
        dockershimDir: bridge.dockershimDir, quarantineDir: settings.quarantineDir, discovery: discoveryOf(bridge), client: this.options.client,
        log: this.options.log, kubeconfigPath: settings.kubeconfig || undefined,
      }, this.options.transport?.(context)));
      manager.catch(() => this.managers.delete(context));
      this.managers.set(context, manager);
    }
    return manager;
  }

  /**
   * Opens a node, or joins the use of a node already open with the same settings. Through a bridge the first open of a
   * node checks RBAC, that the node exists, and starts its pod. Release the handle when done.
   */
  async open(ref: NodeRef, signal?: AbortSignal): Promise<NodeHandle> {
    if (this.disposed) throw new NodeDoctorError('cancelled', 'Kube Node Doctor is shutting down.');
    const key = `${nodeKey(ref)}\n${JSON.stringify(this.settings)}\n${ref.kind === 'bridge' ? this.bridgeProfile(ref.context) : ''}`;
    let pending = this.opened.get(key);
    if (pending) {
      const node = await pending.catch(() => undefined);
      if (!node || node.closed || node.broken) pending = undefined;
    }
    if (!pending) {
      pending = this.openNode(key, ref, signal);
      this.opened.set(key, pending);
      pending.catch(() => { if (this.opened.get(key) === pending) this.opened.delete(key); });
    }
    const node = await pending;
    node.users += 1;
    if (node.timer) clearTimeout(node.timer);
    node.timer = undefined;
    return this.handle(node);
  }

  /** Opens the node, runs `work`, and releases it (kept open for `lingerMs` unless `work` failed). */
  async withNode<T>(ref: NodeRef, signal: AbortSignal | undefined, work: (handle: NodeHandle) => Promise<T>): Promise<T> {
    const handle = await this.open(ref, signal);
    let failed = true;
    try {
      const result = await work(handle);
      failed = false;
      return result;
    } finally {
      await handle.release(failed);
    }
  }

  private handle(node: OpenNode): NodeHandle {
    const pods = node.api && node.ref.kind === 'bridge' ? sharedPodsOnNode(node.api, node.ref.node) : undefined;
    const target: NodeTarget = pods
      ? { ...node.target, podsOnNode: pods, ...(this.settings.apiPods === false ? {} : { apiPods: async (signal?: AbortSignal) => podIdentities(await pods(signal)) }) }
      : node.target;
    let released = false;
    return {
      ref: node.ref,
      target,
      runtime: (signal) => {
        if (!node.runtime) {
          const connecting = connectRuntime(node.target, signal);
          node.runtime = connecting;
          connecting.catch(() => { if (node.runtime === connecting) node.runtime = undefined; });
        }
        return node.runtime;
      },
      release: async (failed = false) => {
        if (released) return;
        released = true;
        node.users -= 1;
        if (failed) node.broken = true;
        if (node.users > 0) return;
        const linger = this.options.lingerMs ?? 0;
        if (node.broken || linger <= 0 || this.disposed) {
          await this.close(node);
          return;
        }
        // The runtime connection ends with its last user: through a bridge its relay holds the pod busy, and an unused
        // pod must reach its idle deletion on time. The opened target lingers for the next operation.
        await this.closeRuntime(node);
        if (node.users > 0 || node.closed) return;
        node.timer = setTimeout(() => void this.close(node), linger);
        node.timer.unref();
      },
    };
  }

  private async openNode(key: string, ref: NodeRef, signal?: AbortSignal): Promise<OpenNode> {
    if (ref.kind === 'local') {
      const target = await openLocalTarget(this.settings.local, signal);
      return { key, ref, target, users: 0, broken: false, closed: false };
    }
    requireValidName('node', ref.node);
    const manager = await this.manager(ref.context);
    if (!(await manager.podFor(ref.node))) {
      await manager.checkAccess(signal);
      await this.requireNode(manager.api, ref, signal);
    }
    await manager.ensure(ref.node, signal);
    const bridge = this.settings.bridge;
    // A Docker node (containerRuntimeVersion docker://…) is read through the Docker socket the bridge mounts.
    const runtime = manager.runtimeOf(ref.node);
    const target: NodeTarget = {
      access: bridgeAccessFor(manager, ref.node),
      endpoint: bridge.runtimeEndpoint ?? (runtime?.docker ? DEFAULT_DOCKER_ENDPOINT : DEFAULT_RUNTIME_ENDPOINT),
      ...withDefaults(bridge), discovery: discoveryOf(bridge),
      ...(runtime?.dockershimDir ? { dockershimDir: runtime.dockershimDir } : {}), ...(runtime?.kubeletVersion ? { kubeletVersion: runtime.kubeletVersion } : {}),
    };
    return { key, ref, target, api: manager.api, users: 0, broken: false, closed: false };
  }

  private async requireNode(api: KubeRequester, ref: NodeRef & { kind: 'bridge' }, signal?: AbortSignal): Promise<void> {
    try {
      await getNode(api, ref.node, signal);
    } catch (error) {
      if (error instanceof NodeDoctorError && error.reason === 'not-found') {
        throw new NodeDoctorError('not-found', `Node "${ref.node}" does not exist in context "${ref.context}".`, {
          cluster: ref.context, node: ref.node, hint: 'kubectl get nodes lists them.',
        });
      }
      throw error;
    }
  }

  /** Closes an opened node: its runtime connection and its access (a bridge pod stays for reuse until idle). */
  private async close(node: OpenNode): Promise<void> {
    if (node.closed) return;
    node.closed = true;
    if (node.timer) clearTimeout(node.timer);
    const pending = this.opened.get(node.key);
    if (pending && (await pending.catch(() => undefined)) === node) this.opened.delete(node.key);
    await this.closeRuntime(node);
    await node.target.access.dispose().catch(() => undefined);
  }

  private async closeRuntime(node: OpenNode): Promise<void> {
    const pending = node.runtime;
    node.runtime = undefined;
    const runtime = await pending?.catch(() => undefined);
    await runtime?.close().catch(() => undefined);
  }

  private async closeWhere(match: (ref: NodeRef) => boolean): Promise<void> {
    const nodes = await Promise.all([...this.opened.values()].map((p) => p.catch(() => undefined)));
    await Promise.all(nodes.filter((n): n is OpenNode => n !== undefined && match(n.ref)).map((n) => this.close(n)));
  }

  private async disposeManagers(contexts: readonly string[]): Promise<StrandedPod[]> {
    const managers = contexts.map((c) => this.managers.get(c)).filter((m): m is Promise<BridgeManager> => m !== undefined);
    for (const c of contexts) this.managers.delete(c);
    const left = await Promise.all(managers.map(async (m) => (await (await m.catch(() => undefined))?.dispose()) ?? []));
    for (const pod of left.flat()) this.options.onStranded?.(pod);
    return left.flat();
  }

  /** The concrete API client of a context: text answers (the node log query) need more than `api`'s requester. */
  async kubeApi(context: string): Promise<KubeApi> {
    const configs = await this.kubeconfigs();
    return new KubeApi(context, configs.forContext(context), this.settings.requestTimeoutMs ?? 10_000);
  }

  /**
   * Deletes every bridge pod of a context now (its opened nodes closed first), then proves what is left by listing the
   * session's pods there: `count` 0 only when that list is empty; unknown, with the reason, when it fails.
   */
  async releaseBridges(context: string): Promise<PodsLeft> {
    await this.closeWhere((ref) => ref.kind === 'bridge' && ref.context === context);
    const pending = this.managers.get(context);
    this.managers.delete(context);
    const manager = await pending?.catch(() => undefined);
    if (!manager) return { count: 0, pods: [] };
    const stranded = await manager.dispose();
    for (const pod of stranded) this.log(describeStranded(pod));
    const why = new Map(stranded.map((p) => [p.name, p.error]));
    try {
      const listed = await manager.listSessionPods();
      const pods = listed.map((p) => ({ name: p.name, node: p.node, ...(why.has(p.name) ? { error: why.get(p.name) } : {}) }));
      return { count: pods.length, pods, ...(stranded.length ? { detail: `remove with: ${stranded.map((p) => shellLine(p.command)).join('; ')}` } : {}) };
    } catch (error) {
      return {
        count: undefined, pods: stranded.map((p) => ({ name: p.name, node: p.node, error: p.error })),
        detail: `listing the session's bridge pods after the cleanup failed: ${describeError(error)}`,
      };
    }
  }

  /**
   * Closes every opened node and deletes every bridge pod this connector created; returns the pods that could not be
   * deleted, each with the command that removes it. Idempotent.
   */
  async dispose(): Promise<StrandedPod[]> {
    this.disposed = true;
    await this.closeWhere(() => true);
    return this.disposeManagers([...this.managers.keys()]);
  }
}
