// A protocol-faithful stand-in for the few Kubernetes API endpoints the bridge uses (TESTS ONLY; src never imports it).
// HTTP on 127.0.0.1 with a bearer token; JSON shapes as the API server sends them; the WebSocket exec protocol
// (v5.channel.k8s.io, falling back to v4). Exec really runs the argv here (spawn, no shell), with the pod's hostPath
// mounts mapped onto real directories (the containerd harness's), so a relay through `socat` reaches the real runtime.
// The one deliberate difference from a real node: paths in argv are rewritten from the pod's mount points to the
// mapped directories (there is no container filesystem), so tools print mapped paths; the product reads base names only.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { kubeletLogAnswer, matchesLabels, parseLabelSelector } from './nodeFleet';
import type { NodeLogBehaviour } from './nodeFleet';
import { CLOSE, STATUS, STDERR, STDIN, STDOUT, SUBPROTOCOLS, exitStatus, frame, negotiate, startFailureStatus } from './execProtocol';

type Json = Record<string, unknown>;

export interface StandInOptions {
  readonly token?: string;
  /** Number of nodes to serve (named node-0000...), plus `extraNodes`. */
  readonly nodeCount?: number;
  readonly extraNodes?: readonly string[];
  /** Per node name: `status.nodeInfo` fields to override (e.g. a Docker node's `containerRuntimeVersion: docker://…`). */
  readonly nodeInfo?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Node path → directory on this machine (e.g. `/run/containerd` → the harness's socket dir). Unmapped mounts get a scratch dir. */
  readonly hostDirs?: Readonly<Record<string, string>>;
  /** Pod Security `enforce` level per namespace (default privileged). */
  readonly podSecurity?: Readonly<Record<string, 'privileged' | 'baseline' | 'restricted'>>;
  /** Subprotocols offered by the server, preferred first (default v5, v4). */
  readonly subprotocols?: readonly string[];
  /** Pending → Running after this long (default 150 ms). */
  readonly startDelayMs?: number;
  /** Per node: extra `status.conditions` (e.g. node-problem-detector's) and labels. */
  readonly nodeConditions?: (name: string, index: number) => readonly Json[];
  readonly nodeLabels?: (name: string, index: number) => Readonly<Record<string, string>>;
  /** Per node: Ready status (default True). */
  readonly nodeReady?: (name: string, index: number) => 'True' | 'False' | 'Unknown';
}

interface PodState {
  pod: Json & { metadata: Json & { name: string; namespace: string; labels?: Record<string, string> }; spec: Json; status: Json };
  mounts: { mountPath: string; real: string }[];
  /** The pod's emptyDir volumes (removed with the pod). */
  emptyDirs: string[];
  execs: Set<ChildProcess>;
  sockets: Set<WebSocket>;
  timers: NodeJS.Timeout[];
}

function statusBody(code: number, reason: string, message: string, details?: Json): Json {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

export class ApiStandIn {
  readonly token: string;
  /** `verb resource[/subresource]` strings the user is NOT allowed (e.g. `create pods/exec`). */
  readonly denied = new Set<string>();
  /** Images whose pull fails (ErrImagePull then ImagePullBackOff). */
  readonly failingImages = new Set<string>();
  /** While true, every pod DELETE answers 500 (an API server in trouble) and the pod stays. */
  failDeletes = false;
  readonly nodes: Json[] = [];
  readonly pods = new Map<string, PodState>();
  /** Workload pods the API lists on nodes besides the bridge pods (no processes; listed by `GET /api/v1/pods`). */
  readonly workloadPods: Json[] = [];
  /** Every pod manifest accepted, in order (pods are removed from `pods` when deleted; they stay here). */
  readonly created: Json[] = [];
  /** What each node's kubelet answers to the node log query (absent: the log handler is off, 404). */
  readonly nodeLogs = new Map<string, NodeLogBehaviour>();
  /** Nodes whose pods never start (their image pull fails there), for per-node failures. */
  readonly failingNodes = new Set<string>();
  /** Counters for tests and benches. */
  readonly stats = { requests: 0, execs: 0, v4Execs: 0, nodePages: 0, nodeLogQueries: 0 };
  private readonly server: http.Server;
  private readonly wss: WebSocketServer;
  private readonly scratch: string;
  private resourceVersion = 1000;
  private baseUrl = '';

  constructor(private readonly options: StandInOptions = {}) {
    this.token = options.token ?? `standin-${randomUUID()}`;
    this.scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-standin-'));
    const names = [...Array.from({ length: options.nodeCount ?? 1 }, (_, i) => `node-${String(i).padStart(4, '0')}`), ...(options.extraNodes ?? [])];
    names.forEach((name, index) => this.nodes.push(this.nodeObject(name, index)));
    this.server = http.createServer((req, res) => void this.handle(req, res));
    const offered = options.subprotocols ?? SUBPROTOCOLS;
    this.wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => negotiate(protocols, offered) ?? false });
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket as Socket, head));
  }

  get url(): string {
    return this.baseUrl;
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    for (const state of this.pods.values()) this.kill(state);
    for (const client of this.wss.clients) client.terminate();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    fs.rmSync(this.scratch, { recursive: true, force: true });
  }

  /** A kubeconfig (JSON is YAML) with one context per entry; `server` defaults to this stand-in. */
  kubeconfig(contexts: readonly { name: string; server?: string; token?: string; exec?: { command: string; args?: string[] } }[], current?: string): string {
    return JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': current ?? contexts[0]?.name ?? '',
      // client-node refuses plain http unless insecure-skip-tls-verify is set (the stand-in serves http on loopback).
      clusters: contexts.map((c) => ({ name: `${c.name}-cluster`, cluster: { server: c.server ?? this.baseUrl, 'insecure-skip-tls-verify': true } })),
      users: contexts.map((c) => ({
        name: `${c.name}-user`,
        user: c.exec ? { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: c.exec.command, args: c.exec.args ?? [], interactiveMode: 'Never' } } : { token: c.token ?? this.token },
      })),
      contexts: contexts.map((c) => ({ name: c.name, context: { cluster: `${c.name}-cluster`, user: `${c.name}-user` } })),
    }, null, 2);
  }

  podsIn(namespace: string): Json[] {
    return [...this.pods.values()].filter((s) => s.pod.metadata.namespace === namespace).map((s) => s.pod);
  }

  /** Deletes a pod as `kubectl delete` from elsewhere would: its processes die, it disappears. */
  deleteFromOutside(namespace: string, name: string): void {
    const state = this.pods.get(`${namespace}/${name}`);
    if (state) this.remove(state);
  }

  /** Where a pod's volume mounted at `mountPath` lives on this machine (hostPath: the mapped dir; emptyDir: its own dir). */
  podMountDir(namespace: string, name: string, mountPath: string): string | undefined {
    return this.pods.get(`${namespace}/${name}`)?.mounts.find((m) => m.mountPath === mountPath)?.real;
  }

  /** Evicts a pod: phase Failed, reason Evicted, processes killed. */
  evict(namespace: string, name: string): void {
    const state = this.pods.get(`${namespace}/${name}`);
    if (!state) return;
    this.kill(state);
    state.pod.status = { ...state.pod.status, phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' };
  }

  private nodeObject(name: string, index: number): Json {
    const at = '2026-01-01T00:00:00Z';
    return {
      kind: 'Node', apiVersion: 'v1',
      metadata: { name, uid: randomUUID(), resourceVersion: String(this.resourceVersion), labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', ...this.options.nodeLabels?.(name, index) } },
      spec: { podCIDR: '10.244.0.0/24', taints: name.endsWith('0') ? [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] : undefined },
      status: {
        conditions: [
          { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: at, lastTransitionTime: at, reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
          this.readyCondition(this.options.nodeReady?.(name, index) ?? 'True', at),
          ...(this.options.nodeConditions?.(name, index) ?? []),
        ],
        addresses: [{ type: 'InternalIP', address: '10.0.0.10' }, { type: 'Hostname', address: name }],
        nodeInfo: {
          kubeletVersion: 'v1.31.4', containerRuntimeVersion: 'containerd://1.6.20', osImage: 'Talos (v1.8.3)', kernelVersion: '6.6.60-talos',
          ...this.options.nodeInfo?.[name],
        },
      },
    };
  }

  private readyCondition(status: 'True' | 'False' | 'Unknown', at: string): Json {
    if (status === 'True') return { type: 'Ready', status, lastHeartbeatTime: at, lastTransitionTime: at, reason: 'KubeletReady', message: 'kubelet is posting ready status' };
    if (status === 'False') return { type: 'Ready', status, lastHeartbeatTime: at, lastTransitionTime: at, reason: 'KubeletNotReady', message: 'container runtime is down' };
    return { type: 'Ready', status, lastHeartbeatTime: at, lastTransitionTime: at, reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' };
  }

  private send(res: http.ServerResponse, code: number, body: Json): void {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private sendText(res: http.ServerResponse, code: number, type: string, body: string): void {
    res.writeHead(code, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }

  private authorised(req: http.IncomingMessage): boolean {
    return req.headers.authorization === `Bearer ${this.token}`;
  }

  private forbidden(verb: string, resource: string, namespace?: string, name?: string): Json {
    const [res, sub] = resource.split('/');
    const subject = name ? `${res} "${name}"` : res;
    const where = namespace ? ` in the namespace "${namespace}"` : ' at the cluster scope';
    return statusBody(403, 'Forbidden', `${subject} is forbidden: User "standin-user" cannot ${verb} resource "${resource}" in API group ""${where}`, { name, kind: sub ? res : resource });
  }

  private async body(req: http.IncomingMessage): Promise<Json> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Json;
  }

  private page<T>(items: T[], url: URL): { items: T[]; metadata: Json } {
    const limit = Number(url.searchParams.get('limit') ?? 0);
    const token = url.searchParams.get('continue');
    let start = 0;
    if (token) start = (JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { start: number }).start;
    if (!limit) return { items: items.slice(start), metadata: { resourceVersion: String(this.resourceVersion) } };
    const slice = items.slice(start, start + limit);
    const next = start + limit;
    const metadata: Json = { resourceVersion: String(this.resourceVersion) };
    if (next < items.length) {
      metadata.continue = Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: this.resourceVersion, start: next })).toString('base64');
      metadata.remainingItemCount = items.length - next;
    }
    return { items: slice, metadata };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.stats.requests += 1;
    try {
      if (!this.authorised(req)) { this.send(res, 401, statusBody(401, 'Unauthorized', 'Unauthorized')); return; }
      const url = new URL(req.url ?? '/', 'http://standin');
      const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      const method = req.method ?? 'GET';
      if (method === 'POST' && url.pathname === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews') {
        const review = await this.body(req);
        const attrs = ((review.spec as Json | undefined)?.resourceAttributes ?? {}) as { verb?: string; resource?: string; subresource?: string };
        const key = `${attrs.verb} ${attrs.resource}${attrs.subresource ? `/${attrs.subresource}` : ''}`;
        const allowed = !this.denied.has(key);
        this.send(res, 201, { ...review, metadata: { creationTimestamp: null }, status: allowed ? { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "standin"' } : { allowed: false } });
        return;
      }
      if (parts[0] === 'api' && parts[1] === 'v1' && parts[2] === 'nodes') {
        if (this.denied.has('list nodes') && parts.length === 3) { this.send(res, 403, this.forbidden('list', 'nodes')); return; }
        if (parts.length === 3) {
          const selector = parseLabelSelector(url.searchParams.get('labelSelector') ?? '');
          if (!selector) { this.send(res, 400, statusBody(400, 'BadRequest', `unable to parse requirement: ${url.searchParams.get('labelSelector')}`)); return; }
          this.stats.nodePages += 1;
          const items = this.nodes.filter((n) => matchesLabels(selector, ((n.metadata as Json).labels ?? {}) as Record<string, string>));
          this.send(res, 200, { kind: 'NodeList', apiVersion: 'v1', ...this.page(items, url) });
          return;
        }
        const node = this.nodes.find((n) => (n.metadata as Json).name === parts[3]);
        if (!node) { this.send(res, 404, statusBody(404, 'NotFound', `nodes "${parts[3]}" not found`, { name: parts[3], kind: 'nodes' })); return; }
        if (parts[4] === 'proxy' && method === 'GET') {
          if (this.denied.has('get nodes/proxy')) { this.send(res, 403, this.forbidden('get', 'nodes/proxy', undefined, parts[3])); return; }
          // The node proxy relays the kubelet's answer as is (the trailing slash of /logs/ is kept in parts as an empty tail).
          if (parts[5] !== 'logs') { this.sendText(res, 404, 'text/plain; charset=utf-8', '404 page not found\n'); return; }
          const answer = kubeletLogAnswer(this.nodeLogs.get(parts[3]), url);
          this.stats.nodeLogQueries += 1;
          this.sendText(res, answer.code, answer.type, answer.body);
          return;
        }
        this.send(res, 200, node);
        return;
      }
      if (parts[0] === 'api' && parts[1] === 'v1' && parts[2] === 'pods' && parts.length === 3 && method === 'GET') {
        // All namespaces; the one field selector the product sends: spec.nodeName=<node>.
        if (this.denied.has('list pods')) { this.send(res, 403, this.forbidden('list', 'pods')); return; }
        const field = /^spec\.nodeName=(.*)$/.exec(url.searchParams.get('fieldSelector') ?? '');
        const all = [...[...this.pods.values()].map((st) => st.pod as Json), ...this.workloadPods];
        const items = field ? all.filter((p) => ((p.spec as Json | undefined)?.nodeName) === field[1]) : all;
        this.send(res, 200, { kind: 'PodList', apiVersion: 'v1', ...this.page(items, url) });
        return;
      }
      if (parts[0] === 'api' && parts[1] === 'v1' && parts[2] === 'namespaces' && parts[4] === 'pods') {
        await this.pod(method, parts[3], parts[5], url, req, res);
        return;
      }
      this.send(res, 404, statusBody(404, 'NotFound', 'the server could not find the requested resource'));
    } catch (error) {
      this.send(res, 500, statusBody(500, 'InternalError', String(error)));
    }
  }

  private async pod(method: string, namespace: string, name: string | undefined, url: URL, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const verb = method === 'POST' ? 'create' : method === 'DELETE' ? 'delete' : name ? 'get' : 'list';
    if (this.denied.has(`${verb} pods`)) { this.send(res, 403, this.forbidden(verb, 'pods', namespace, name)); return; }
    if (method === 'POST' && !name) { await this.createPod(namespace, await this.body(req), res); return; }
    if (method === 'GET' && !name) {
      const selector = (url.searchParams.get('labelSelector') ?? '').split(',').filter(Boolean).map((s) => s.split('='));
      const items = this.podsIn(namespace).filter((p) => selector.every(([k, v]) => ((p.metadata as Json).labels as Record<string, string> | undefined)?.[k] === v));
      this.send(res, 200, { kind: 'PodList', apiVersion: 'v1', ...this.page(items, url) });
      return;
    }
    const state = name ? this.pods.get(`${namespace}/${name}`) : undefined;
    if (!state) { this.send(res, 404, statusBody(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' })); return; }
    if (method === 'GET') { this.send(res, 200, state.pod); return; }
    if (method === 'DELETE') {
      if (this.failDeletes) { this.send(res, 500, statusBody(500, 'InternalError', 'Internal error occurred: etcdserver: request timed out')); return; }
      const pod = { ...state.pod, metadata: { ...state.pod.metadata, deletionTimestamp: new Date().toISOString(), deletionGracePeriodSeconds: 0 } };
      this.remove(state);
      this.send(res, 200, pod);
      return;
    }
    this.send(res, 405, statusBody(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'));
  }

  private violations(pod: PodState['pod']): string[] {
    const spec = pod.spec as { hostPID?: boolean; hostNetwork?: boolean; volumes?: { name: string; hostPath?: unknown }[]; containers?: { name: string; securityContext?: { privileged?: boolean } }[] };
    const found: string[] = [];
    if (spec.hostPID || spec.hostNetwork) found.push(`host namespaces (${[spec.hostNetwork ? 'hostNetwork=true' : '', spec.hostPID ? 'hostPID=true' : ''].filter(Boolean).join(', ')})`);
    const privileged = (spec.containers ?? []).filter((c) => c.securityContext?.privileged);
    if (privileged.length) found.push(`privileged (container ${privileged.map((c) => `"${c.name}"`).join(', ')} must not set securityContext.privileged=true)`);
    const hostPaths = (spec.volumes ?? []).filter((v) => v.hostPath);
    if (hostPaths.length) found.push(`hostPath volumes (volume${hostPaths.length > 1 ? 's' : ''} ${hostPaths.map((v) => `"${v.name}"`).join(', ')})`);
    return found;
  }

  private realDir(hostPath: string): string {
    const entries = Object.entries(this.options.hostDirs ?? {}).sort((a, b) => b[0].length - a[0].length);
    for (const [nodePath, real] of entries) {
      if (hostPath === nodePath || hostPath.startsWith(`${nodePath}/`)) return real + hostPath.slice(nodePath.length);
    }
    const scratch = path.join(this.scratch, hostPath);
    fs.mkdirSync(scratch, { recursive: true });
    return scratch;
  }

  private async createPod(namespace: string, pod: Json, res: http.ServerResponse): Promise<void> {
    const meta = (pod.metadata ?? {}) as Json & { name: string };
    if (this.pods.has(`${namespace}/${meta.name}`)) { this.send(res, 409, statusBody(409, 'AlreadyExists', `pods "${meta.name}" already exists`, { name: meta.name, kind: 'pods' })); return; }
    const stored = {
      ...pod,
      metadata: { ...meta, namespace, uid: randomUUID(), resourceVersion: String(++this.resourceVersion), creationTimestamp: new Date().toISOString() },
      status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }], qosClass: 'Burstable' },
    } as unknown as PodState['pod'];
    const level = this.options.podSecurity?.[namespace] ?? 'privileged';
    const violations = level === 'privileged' ? [] : this.violations(stored);
    if (violations.length) {
      this.send(res, 403, statusBody(403, 'Forbidden', `pods "${meta.name}" is forbidden: violates PodSecurity "${level}:latest": ${violations.join(', ')}`, { name: meta.name, kind: 'pods' }));
      return;
    }
    const spec = stored.spec as { volumes?: { name: string; hostPath?: { path: string }; emptyDir?: object }[]; containers: { image: string; volumeMounts?: { name: string; mountPath: string }[] }[]; activeDeadlineSeconds?: number };
    const volumes = new Map((spec.volumes ?? []).filter((v) => v.hostPath).map((v) => [v.name, this.realDir(v.hostPath!.path)]));
    // emptyDir: a fresh directory per pod and volume, created now (its mtime is the pod's start, as on a node).
    const emptyDirs: string[] = [];
    for (const volume of spec.volumes ?? []) {
      if (!volume.emptyDir) continue;
      const dir = fs.mkdtempSync(path.join(this.scratch, `emptydir-${volume.name.replace(/[^a-z0-9-]/g, '')}-`));
      emptyDirs.push(dir);
      volumes.set(volume.name, dir);
    }
    const state: PodState = {
      pod: stored,
      mounts: (spec.containers[0].volumeMounts ?? []).filter((m) => volumes.has(m.name)).map((m) => ({ mountPath: m.mountPath, real: volumes.get(m.name)! })).sort((a, b) => b.mountPath.length - a.mountPath.length),
      emptyDirs, execs: new Set(), sockets: new Set(), timers: [],
    };
    this.pods.set(`${namespace}/${meta.name}`, state);
    this.created.push(stored as unknown as Json);
    const image = spec.containers[0].image;
    const containerStatus = (stateField: Json, ready: boolean): Json => ({ name: (spec.containers[0] as unknown as { name: string }).name, image, imageID: '', ready, restartCount: 0, started: ready, state: stateField });
    state.timers.push(setTimeout(() => {
      if (this.failingImages.has(image) || this.failingNodes.has(String((stored.spec as { nodeName?: string }).nodeName))) {
        stored.status = { ...stored.status, containerStatuses: [containerStatus({ waiting: { reason: 'ErrImagePull', message: `failed to pull and unpack image "${image}": failed to resolve reference "${image}": dial tcp: lookup registry on 10.96.0.10:53: no such host` } }, false)] };
        state.timers.push(setTimeout(() => {
          stored.status = { ...stored.status, containerStatuses: [containerStatus({ waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` } }, false)] };
        }, 200));
        return;
      }
      stored.status = { ...stored.status, phase: 'Running', podIP: '10.244.0.99', startTime: new Date().toISOString(), containerStatuses: [containerStatus({ running: { startedAt: new Date().toISOString() } }, true)] };
    }, this.options.startDelayMs ?? 150));
    if (spec.activeDeadlineSeconds) {
      const deadline = setTimeout(() => {
        this.kill(state);
        stored.status = { ...stored.status, phase: 'Failed', reason: 'DeadlineExceeded', message: `Pod was active on the node longer than the specified deadline` };
      }, spec.activeDeadlineSeconds * 1000);
      deadline.unref();
      state.timers.push(deadline);
    }
    this.send(res, 201, stored);
  }

  private kill(state: PodState): void {
    // The API server's stream to the kubelet breaks when the container goes: the client sees the socket drop, no status.
    for (const ws of state.sockets) ws.terminate();
    state.sockets.clear();
    for (const child of state.execs) child.kill('SIGKILL');
    state.execs.clear();
    for (const timer of state.timers) clearTimeout(timer);
  }

  private remove(state: PodState): void {
    this.kill(state);
    this.pods.delete(`${state.pod.metadata.namespace}/${state.pod.metadata.name}`);
    for (const dir of state.emptyDirs) fs.rmSync(dir, { recursive: true, force: true });
  }

  /** Pod mount points in argv → the mapped directories (also after `:` or `=`, as in `UNIX-CONNECT:/host/...`). */
  mapArgv(state: PodState, argv: readonly string[]): string[] {
    return argv.map((arg) => {
      for (const { mountPath, real } of state.mounts) {
        const escaped = mountPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        const pattern = new RegExp(`(^|[:=])${escaped}(?=/|$)`);
        if (pattern.test(arg)) return arg.replace(pattern, `$1${real}`);
      }
      return arg;
    });
  }

  private reject(socket: Socket, code: number, body: Json): void {
    const text = JSON.stringify(body);
    socket.end(`HTTP/1.1 ${code} ${http.STATUS_CODES[code]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
  }

  private upgrade(req: http.IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://standin');
    const match = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(url.pathname);
    if (!this.authorised(req)) { this.reject(socket, 401, statusBody(401, 'Unauthorized', 'Unauthorized')); return; }
    if (!match) { this.reject(socket, 404, statusBody(404, 'NotFound', 'the server could not find the requested resource')); return; }
    const [namespace, name] = [decodeURIComponent(match[1]), decodeURIComponent(match[2])];
    if (this.denied.has('create pods/exec')) { this.reject(socket, 403, this.forbidden('create', 'pods/exec', namespace, name)); return; }
    const state = this.pods.get(`${namespace}/${name}`);
    if (!state) { this.reject(socket, 404, statusBody(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' })); return; }
    if ((state.pod.status as { phase?: string }).phase !== 'Running') {
      this.reject(socket, 400, statusBody(400, 'BadRequest', `container bridge is not valid for pod ${name}`));
      return;
    }
    const argv = url.searchParams.getAll('command');
    const wantStdin = url.searchParams.get('stdin') === 'true';
    this.wss.handleUpgrade(req, socket, head, (ws) => this.exec(ws, state, argv, wantStdin));
  }

  private exec(ws: WebSocket, state: PodState, argv: string[], wantStdin: boolean): void {
    this.stats.execs += 1;
    const v5 = ws.protocol === 'v5.channel.k8s.io';
    if (!v5) this.stats.v4Execs += 1;
    const mapped = this.mapArgv(state, argv);
    const child = spawn(mapped[0], mapped.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    state.execs.add(child);
    state.sockets.add(ws);
    if (!wantStdin) child.stdin.end();
    child.stdin.on('error', () => undefined);
    child.stdout.on('data', (chunk: Buffer) => ws.send(frame(STDOUT, chunk)));
    child.stderr.on('data', (chunk: Buffer) => ws.send(frame(STDERR, chunk)));
    let started = true;
    child.on('error', () => { started = false; });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary || data.length === 0) return;
      if (data[0] === STDIN) child.stdin.write(data.subarray(1));
      else if (v5 && data[0] === CLOSE && data[1] === STDIN) child.stdin.end();
    });
    ws.on('close', () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
    child.on('close', (code, signal) => {
      state.execs.delete(child);
      state.sockets.delete(ws);
      if (ws.readyState !== ws.OPEN) return;
      const status = started ? exitStatus(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 9) : 1), argv) : startFailureStatus(argv);
      ws.send(frame(STATUS, JSON.stringify(status)), () => ws.close(1000));
    });
  }
}
