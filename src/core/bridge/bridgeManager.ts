import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { describeError, NodeDoctorError } from '../errors';
import type { RunResult } from '../node/nodeAccess';
import { ApiError } from '../cluster/kubeApi';
import type { KubeRequester } from '../cluster/kubeApi';
import { requireValidName } from '../cluster/names';
import { requireBridgeAccess } from '../cluster/rbac';
import { DEFAULT_DOCKER_ENDPOINT } from '../docker/dockershim';
import { redact } from '../redact';
import { ExecInterruptedError, WebSocketExecTransport } from './podExec';
import type { ExecOptions, ExecTransport, PodRef } from './podExec';
import {
  ANNOTATION_NODE, BRIDGE_CONTAINER, BRIDGE_SELECTOR, DEFAULT_BRIDGE_IMAGE, HEARTBEAT_FILE, LABEL_SESSION, bridgePodManifest, bridgePodName, planMounts,
} from './podSpec';
import type { BridgeMount, BridgeProfile, MountPlanOptions } from './podSpec';
import type { StrandedPod } from './stranded';
import { sweepLeftovers } from './bridgeSweep';
import { readNodeRuntime } from './nodeRuntime';
import type { NodeRuntime } from './nodeRuntime';
import type { SweepOptions, SweepReport } from './bridgeSweep';
import { podsPath, waitRunning } from './podStatus';
import type { WirePod } from './podStatus';

export interface BridgeOptions extends MountPlanOptions {
  /** Docker nodes: dockershim's root (default `/var/lib/dockershim` for kubelet < 1.24, `/var/lib/cri-dockerd` from 1.24). */
  readonly dockershimDir?: string;
  /** Default `kube-system`: Talos enforces Pod Security `baseline` (which forbids hostPath) everywhere else. */
  readonly namespace?: string;
  readonly image?: string;
  readonly profile?: BridgeProfile;
  /** The pod dies by itself after this long, even if the extension does not (default 2 h). */
  readonly activeDeadlineSeconds?: number;
  /** Delete a node's pod after this long unused (default 5 min). */
  readonly idleTimeoutMs?: number;
  /**
   * How often this client touches the heartbeat file in each pod it holds (default 60 s). Another client's cleanup
   * treats a pod whose heartbeat is three intervals old as left over by a client that went away.
   */
  readonly heartbeatIntervalMs?: number;
  /** Pending longer than this is an error (default 120 s; image pulls count). */
  readonly startTimeoutMs?: number;
  readonly pollIntervalMs?: number;
  /** Identifies this client in the pods' labels (random when omitted). */
  readonly sessionId?: string;
  /** `vscode` or `cli`, recorded in an annotation. */
  readonly client?: string;
  /** Progress lines (passed through `redact` first). */
  readonly log?: (line: string) => void;
  /** The kubeconfig file in use when it is not kubectl's default, for the `kubectl` commands shown to remove a pod. */
  readonly kubeconfigPath?: string;
  /** Called by `dispose` for each pod of this session that could not be deleted (see `describeStranded`). */
  readonly onStranded?: (pod: StrandedPod) => void;
}

interface NodeBridge {
  readonly pod: PodRef;
  readonly node: string;
  readonly mounts: readonly BridgeMount[];
  readonly runtime: NodeRuntime;
  inflight: number;
  idleTimer?: NodeJS.Timeout;
  heartbeat?: NodeJS.Timeout;
}

/**
 * Owns the bridge pods of one cluster context: one pod per node, created on demand, reused while in use, deleted when idle,
 * on failure and on dispose. Every failure leaves no pod behind and ends in one `NodeDoctorError`.
 */
export class BridgeManager {
  readonly sessionId: string;
  readonly namespace: string;
  readonly profile: BridgeProfile;
  readonly mounts: readonly BridgeMount[];
  private readonly bridges = new Map<string, Promise<NodeBridge>>();
  /** Per node, once its pod was planned: the mounts it got and its runtime. */
  private readonly planned = new Map<string, { mounts: readonly BridgeMount[]; runtime: NodeRuntime }>();
  /** Pods whose DELETE failed (name → node, error): retried on dispose, then reported. */
  private readonly stranded = new Map<string, { node: string; error: string }>();
  private readonly transport: ExecTransport;
  private preflight: Promise<void> | undefined;
  private disposed = false;

  /**
   * `api` makes the REST calls; `transport` runs commands in the pods (default: client-node's WebSocket `Exec` with the
   * kubeconfig of `api`), so the pod pool and the sweep can be driven by fakes.
   */
  constructor(readonly api: KubeRequester, private readonly options: BridgeOptions = {}, transport?: ExecTransport) {
    this.sessionId = options.sessionId ?? randomBytes(4).toString('hex');
    this.namespace = requireValidName('namespace', options.namespace ?? 'kube-system');
    this.profile = options.profile ?? 'least-privilege';
    this.mounts = planMounts(options);
    const config = api.kubeConfig;
    if (transport) this.transport = transport;
    else if (config) this.transport = new WebSocketExecTransport(config);
    else throw new NodeDoctorError('internal', 'A bridge manager needs an exec transport or a kubeconfig.');
  }

  private log(line: string): void {
    this.options.log?.(redact(line));
  }

  private podsPath(name?: string): string {
    return podsPath(this.namespace, name);
  }

  /** RBAC preflight, once per manager (a failure is retried on the next call). */
  checkAccess(signal?: AbortSignal): Promise<void> {
    this.preflight ??= requireBridgeAccess(this.api, this.namespace, signal).catch((error: unknown) => {
      this.preflight = undefined;
      throw error;
    });
    return this.preflight;
  }

  /** The running bridge pod for a node, creating it when needed. */
  async ensure(node: string, signal?: AbortSignal): Promise<PodRef> {
    if (this.disposed) throw new NodeDoctorError('cancelled', 'The bridge has been shut down.');
    requireValidName('node', node);
    let bridge = this.bridges.get(node);
    if (!bridge) {
      bridge = this.create(node, signal);
      this.bridges.set(node, bridge);
      bridge.catch(() => this.bridges.delete(node));
    }
    return (await bridge).pod;
  }

  /** The mounts of a node's bridge pod (Docker nodes get the Docker socket and dockershim's root). */
  mountsFor(node: string): readonly BridgeMount[] {
    return this.planned.get(node)?.mounts ?? this.mounts;
  }

  /** The node's runtime as read when its pod was planned (undefined before `ensure`). */
  runtimeOf(node: string): NodeRuntime | undefined {
    return this.planned.get(node)?.runtime;
  }

  private async create(node: string, signal?: AbortSignal): Promise<NodeBridge> {
    await this.checkAccess(signal);
    const runtime = await readNodeRuntime(this.api, node, this.options.dockershimDir, signal);
    const mounts = runtime.docker && runtime.dockershimDir
      ? planMounts({ ...this.options, docker: { socket: DEFAULT_DOCKER_ENDPOINT.slice('unix://'.length), dockershimDir: runtime.dockershimDir } })
      : this.mounts;
    this.planned.set(node, { mounts, runtime });
    if (runtime.docker) this.log(`node ${node} runs ${runtime.containerRuntimeVersion} (kubelet ${runtime.kubeletVersion}): the bridge mounts the Docker socket and ${runtime.dockershimDir}`);
    const name = bridgePodName(node, randomBytes(3).toString('hex'));
    const deadline = this.options.activeDeadlineSeconds ?? 7200;
    const manifest = bridgePodManifest({
      name, namespace: this.namespace, node, image: this.options.image ?? DEFAULT_BRIDGE_IMAGE, profile: this.profile, mounts,
      sessionId: this.sessionId, client: this.options.client ?? 'cli', activeDeadlineSeconds: deadline, createdAt: new Date(),
      heartbeatSeconds: Math.max(1, Math.round(this.heartbeatMs / 1000)),
    });
    this.log(`creating bridge pod ${this.namespace}/${name} on node ${node} (${this.profile})`);
    try {
      await this.api.request({ method: 'POST', path: this.podsPath(), body: manifest, signal });
    } catch (error) {
      // Cancelled, timed out or cut off: the server may have created the pod all the same.
      if (!(error instanceof ApiError)) await this.deletePod(name, node);
      if (error instanceof ApiError && error.httpStatus === 403) {
        // RBAC allowed `create pods` (preflight), so a 403 here comes from admission: Pod Security.
        throw new NodeDoctorError('rejected', `Pod Security admission in namespace ${this.namespace} of context "${this.api.context}" rejected the bridge pod (it needs hostPath volumes${this.profile === 'host-pid' ? ' and host PID' : ''}): ${error.status?.message ?? 'forbidden'}`, {
          cluster: this.api.context, node, cause: error,
          hint: `Use a namespace whose Pod Security level is privileged (kube-system on Talos), or label it pod-security.kubernetes.io/enforce=privileged.`,
        });
      }
      throw error;
    }
    const pod: PodRef = { namespace: this.namespace, name, container: BRIDGE_CONTAINER };
    try {
      await this.waitRunning(pod, node, signal);
    } catch (error) {
      await this.deletePod(name, node);
      throw error;
    }
    this.log(`bridge pod ${this.namespace}/${name} is running`);
    const bridge: NodeBridge = { pod, node, mounts, runtime, inflight: 0 };
    // The state dir's own mtime (pod start) is the first beat; then one `touch` per interval while this client holds the pod.
    bridge.heartbeat = setInterval(() => void this.beat(bridge), this.heartbeatMs);
    bridge.heartbeat.unref();
    return bridge;
  }

  private get heartbeatMs(): number {
    return this.options.heartbeatIntervalMs ?? 60_000;
  }

  private async beat(bridge: NodeBridge): Promise<void> {
    try {
      const result = await this.transport.exec(bridge.pod, ['touch', HEARTBEAT_FILE], { timeoutMs: 10_000 });
      if (result.exitCode !== 0) this.log(`heartbeat in ${bridge.pod.name} failed: ${result.stderr.toString('utf8').trim().split('\n')[0]}`);
    } catch (error) {
      this.log(`heartbeat in ${bridge.pod.name} failed: ${describeError(error)}`);
    }
  }

  private waitRunning(pod: PodRef, node: string, signal?: AbortSignal): Promise<void> {
    return waitRunning(this.api, pod, node, {
      startTimeoutMs: this.options.startTimeoutMs ?? 120_000, image: this.options.image ?? DEFAULT_BRIDGE_IMAGE, pollIntervalMs: this.options.pollIntervalMs ?? 500,
    }, signal);
  }

  /**
   * Deletes a pod now (never cancelled: it is what runs on the way out); true when it is gone (deleted, or already absent).
   * A pod of this session whose delete fails is remembered: `dispose` tries again and reports what is still there.
   */
  private async deletePod(name: string, node: string, own = true): Promise<boolean> {
    try {
      await this.api.request({ method: 'DELETE', path: this.podsPath(name), query: { gracePeriodSeconds: 0 }, timeoutMs: 10_000 });
      this.log(`deleted bridge pod ${this.namespace}/${name}`);
      this.stranded.delete(name);
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.httpStatus === 404) {
        this.stranded.delete(name);
        return true;
      }
      const why = describeError(error);
      this.log(`could not delete bridge pod ${this.namespace}/${name}: ${why}`);
      if (own) this.stranded.set(name, { node, error: why });
      return false;
    }
  }

  /** The `kubectl` argv that deletes a pod of this manager by hand. */
  removeCommand(name: string): string[] {
    return [
      'kubectl', ...(this.options.kubeconfigPath ? ['--kubeconfig', this.options.kubeconfigPath] : []),
      '--context', this.api.context, '-n', this.namespace, 'delete', 'pod', name,
    ];
  }

  private async settled(node: string): Promise<NodeBridge | undefined> {
    const pending = this.bridges.get(node);
    if (!pending) return undefined;
    try {
      return await pending;
    } catch {
      return undefined;
    }
  }

  /** Marks a node's pod busy until the returned function is called; then the idle timer starts. */
  private async hold(node: string, signal?: AbortSignal): Promise<{ bridge: NodeBridge; release: () => void }> {
    await this.ensure(node, signal);
    const bridge = await this.settled(node);
    if (!bridge) return this.hold(node, signal);
    bridge.inflight += 1;
    if (bridge.idleTimer) clearTimeout(bridge.idleTimer);
    bridge.idleTimer = undefined;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      bridge.inflight -= 1;
      if (bridge.inflight === 0 && this.bridges.has(node)) {
        bridge.idleTimer = setTimeout(() => void this.remove(node, 'idle'), this.options.idleTimeoutMs ?? 300_000);
        bridge.idleTimer.unref();
      }
    };
    return { bridge, release };
  }

  /** Explains an exec that broke: a deleted, evicted or expired pod gets its own message; the pod is forgotten and removed. */
  private async explain(bridge: NodeBridge, error: unknown): Promise<unknown> {
    if (!(error instanceof ExecInterruptedError)) return error;
    let current: WirePod | undefined;
    try {
      current = await this.api.request<WirePod>({ method: 'GET', path: this.podsPath(bridge.pod.name), timeoutMs: 5_000 });
    } catch (lookup) {
      if (!(lookup instanceof ApiError && lookup.httpStatus === 404)) return error;
    }
    const where = `The bridge pod ${bridge.pod.namespace}/${bridge.pod.name} on node ${bridge.node}`;
    let message: string | undefined;
    if (!current || current.metadata?.deletionTimestamp) message = `${where} was deleted while in use.`;
    else if (current.status?.phase === 'Failed' || current.status?.phase === 'Succeeded') {
      message = `${where} stopped while in use (${current.status.reason ?? current.status.phase}${current.status.message ? `: ${current.status.message}` : ''}).`;
    }
    if (!message) return error;
    await this.remove(bridge.node, 'broken');
    return new NodeDoctorError('not-found', message, { cluster: this.api.context, node: bridge.node, cause: error, hint: 'Retry: a new bridge pod is created on demand.' });
  }

  /** Runs an argv in the node's bridge pod. */
  async exec(node: string, argv: readonly string[], options: ExecOptions): Promise<RunResult> {
    const { bridge, release } = await this.hold(node, options.signal);
    try {
      return await this.transport.exec(bridge.pod, argv, options);
    } catch (error) {
      throw await this.explain(bridge, error);
    } finally {
      release();
    }
  }

  /** Carries a local byte stream through an exec'd relay command in the node's bridge pod (the pod stays busy meanwhile). */
  async relay(node: string, argv: readonly string[], local: Duplex, signal?: AbortSignal): Promise<void> {
    const { bridge, release } = await this.hold(node, signal);
    try {
      await this.transport.relay(bridge.pod, argv, local, (stderr) => {
        if (stderr.trim()) this.log(`relay in ${bridge.pod.name}: ${stderr.trim().split('\n')[0]}`);
        release();
      });
    } catch (error) {
      release();
      local.destroy();
      throw await this.explain(bridge, new ExecInterruptedError(`Could not open the relay in pod ${bridge.pod.namespace}/${bridge.pod.name}.`, error));
    }
  }

  /** The pod currently serving a node, if any (for display). */
  async podFor(node: string): Promise<PodRef | undefined> {
    return (await this.settled(node))?.pod;
  }

  /** Deletes a node's pod now (idle, broken, or asked). */
  async remove(node: string, why: string): Promise<void> {
    const bridge = await this.settled(node);
    this.bridges.delete(node);
    if (!bridge) return;
    if (bridge.idleTimer) clearTimeout(bridge.idleTimer);
    if (bridge.heartbeat) clearInterval(bridge.heartbeat);
    this.log(`removing bridge pod ${bridge.pod.name} (${why})`);
    await this.deletePod(bridge.pod.name, node);
  }

  /**
   * Bridge pods (by label) left over by clients that went away: names of those deleted (or, with `dryRun`, to delete).
   * The rule is `sweepLeftovers`'s; pods of live clients, this one included, are kept.
   */
  async cleanupLeftovers(options: SweepOptions = {}): Promise<string[]> {
    return (await this.sweepLeftovers(options)).leftovers.map((p) => p.name);
  }

  /**
   * Reviews every bridge pod in the namespace that this manager does not use, and deletes (unless `dryRun`) those no
   * live client uses (see `sweepLeftovers` in bridgeSweep.ts for the rule).
   */
  sweepLeftovers(options: SweepOptions = {}): Promise<SweepReport> {
    return sweepLeftovers({
      api: this.api, namespace: this.namespace, transport: this.transport,
      livePods: async () => {
        const live = new Set<string>();
        for (const node of this.bridges.keys()) {
          const bridge = await this.settled(node);
          if (bridge) live.add(bridge.pod.name);
        }
        return live;
      },
      deletePod: (name, node) => this.deletePod(name, node, false),
    }, options);
  }

  /** Pods of this session (label `kube-node-doctor.io/session`), by node annotation. */
  async listSessionPods(signal?: AbortSignal): Promise<{ name: string; node: string }[]> {
    const list = await this.api.request<{ items?: WirePod[] }>({
      method: 'GET', path: this.podsPath(), query: { labelSelector: `${BRIDGE_SELECTOR},${LABEL_SESSION}=${this.sessionId}` }, signal,
    });
    return (list.items ?? []).map((p) => ({ name: p.metadata?.name ?? '', node: p.metadata?.annotations?.[ANNOTATION_NODE] ?? '' }));
  }

  /**
   * Deletes every pod of this session (on deactivate, CLI exit, a signal), retries the deletes that failed earlier (idle,
   * broken, failed start), and returns the pods still there, each with the command that removes it. Idempotent.
   */
  async dispose(): Promise<StrandedPod[]> {
    this.disposed = true;
    await Promise.all([...this.bridges.keys()].map((node) => this.remove(node, 'shutdown')));
    await Promise.all([...this.stranded].map(([name, { node }]) => this.deletePod(name, node)));
    const left = [...this.stranded].map(([name, { node, error }]): StrandedPod => ({
      context: this.api.context, namespace: this.namespace, name, node, error, command: this.removeCommand(name),
    }));
    for (const pod of left) this.options.onStranded?.(pod);
    return left;
  }
}
