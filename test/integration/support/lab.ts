// Test-only access to the real containerd started by test/harness/runtime/up.sh: creating sandboxes and containers
// (RunPodSandbox/CreateContainer/StartContainer are not part of the product's CRI subset; see testRuntime.proto),
// locating and corrupting cache files, restarting containerd, fault injection and cleanup. Product code never imports this.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createCriClient } from '../../../src/core/cri/criClient';
import type { CriRuntime } from '../../../src/core/cri/types';

export interface LabEnv {
  readonly labDir: string;
  /** `unix:///<lab>/containerd.sock` */
  readonly endpoint: string;
  readonly socket: string;
  readonly containerdPid: number;
  readonly containerdLog: string;
  /** libcni's cache dir as the runtime sees it; the result files are in `<cniCacheDir>/results`. */
  readonly cniCacheDir: string;
  readonly cniConfDir: string;
  readonly cniBinDir: string;
  /** host-local's `<dataDir>/<network>`: one file per reserved IP holding `<containerId>\n<ifname>`. */
  readonly hostLocalDir: string;
  readonly network: string;
  readonly netnsDir: string;
  /** PID of the process holding the lab's mount namespace (where netns mounts live); undefined for a shared cache. */
  readonly mountNsPid?: number;
  /** `/proc/<mountNsPid>/root`: the lab seen as a node (its /var/lib/cni is the lab's private cache). */
  readonly hostRoot?: string;
  readonly toolImage: string;
  readonly cgroupParent: string;
  /** Runtime handler whose `runc kill` can be dropped per container (see `dropKill`). */
  readonly faultyHandler: string;
  readonly faultDir: string;
  /** Runtime handler running gVisor (`runsc`, ptrace) when runsc is installed; undefined otherwise. */
  readonly runscHandler?: string;
  readonly grpcMaxMessage: number;
}

/** The lab's environment, as printed by up.sh; undefined when no lab runs (tests then skip). */
export function labEnv(): LabEnv | undefined {
  const e = process.env;
  if (!e.KND_CRI_ENDPOINT) return undefined;
  const labDir = e.KND_LAB_DIR ?? '/tmp/knd-lab';
  const mountNsPid = e.KND_MOUNT_NS_PID ? Number(e.KND_MOUNT_NS_PID) : undefined;
  return {
    labDir,
    endpoint: e.KND_CRI_ENDPOINT,
    socket: e.KND_CONTAINERD_SOCKET ?? e.KND_CRI_ENDPOINT.replace(/^unix:\/\//, ''),
    containerdPid: Number(e.KND_CONTAINERD_PID ?? 0),
    containerdLog: e.KND_CONTAINERD_LOG ?? path.join(labDir, 'containerd.log'),
    cniCacheDir: e.KND_CNI_CACHE_DIR ?? '/var/lib/cni',
    cniConfDir: e.KND_CNI_CONF_DIR ?? path.join(labDir, 'cni/net.d'),
    cniBinDir: e.KND_CNI_BIN_DIR ?? '/usr/lib/cni',
    hostLocalDir: e.KND_HOST_LOCAL_DIR ?? path.join(labDir, 'cni/ipam/cbr0'),
    network: e.KND_NETWORK ?? 'cbr0',
    netnsDir: e.KND_NETNS_DIR ?? path.join(labDir, 'state/io.containerd.grpc.v1.cri/netns'),
    mountNsPid,
    hostRoot: e.KND_HOST_ROOT || undefined,
    toolImage: e.KND_TOOL_IMAGE ?? 'localhost/knd/tool:1.0',
    cgroupParent: e.KND_CGROUP_PARENT ?? `/${path.basename(labDir)}`,
    faultyHandler: e.KND_FAULTY_HANDLER ?? 'runc-faulty',
    faultDir: e.KND_FAULT_DIR ?? path.join(labDir, 'fault'),
    runscHandler: e.KND_RUNSC_HANDLER || undefined,
    grpcMaxMessage: Number(e.KND_GRPC_MAX_MSG ?? 16 * 1024 * 1024),
  };
}

/** Like labEnv, but fails loudly: under the test orchestrator a lab always runs. */
export function requireLab(): LabEnv {
  const env = labEnv();
  if (!env) throw new Error('No test runtime: run through `npm run test:integration` (it starts test/harness/runtime/up.sh).');
  return env;
}

/** The repository root (the tests run from out/, the harness scripts and protos stay in the source tree). */
export function repoRoot(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'test/harness/runtime/up.sh'))) return dir;
  }
  throw new Error(`repository root not found above ${__dirname}`);
}

type Unary = (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r: Record<string, string>) => void) => void;
type TestClient = grpc.Client & Record<string, Unary>;
let testClient: { endpoint: string; client: TestClient } | undefined;

function client(): TestClient {
  const { endpoint } = requireLab();
  if (testClient?.endpoint !== endpoint) {
    testClient?.client.close();
    const text = fs.readFileSync(path.join(repoRoot(), 'test/integration/support/testRuntime.proto'), 'utf8');
    const root = protobuf.parse(text, { keepCase: false }).root;
    const def = protoLoader.fromJSON(root.toJSON(), { longs: String, enums: String, defaults: true });
    const pkg = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: { RuntimeService: grpc.ServiceClientConstructor } } };
    testClient = { endpoint, client: new pkg.runtime.v1.RuntimeService(endpoint, grpc.credentials.createInsecure()) as TestClient };
  }
  return testClient.client;
}

function call(method: string, request: unknown, timeoutMs = 60_000): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    client()[method](request, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

/** The product's CRI client against the lab. Close it when done. */
export function labCri(): CriRuntime {
  return createCriClient(requireLab().endpoint);
}

export interface SandboxSpec {
  readonly name: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly attempt?: number;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  /** '' (default runc), the lab's `runc-faulty`, or `runsc` (gVisor; pause only: never start containers in it). */
  readonly runtimeHandler?: string;
}

const sandboxConfigs = new Map<string, unknown>();

/** RunPodSandbox with the labels kubelet sets, in the lab's cgroup parent. Returns the 64-hex sandbox ID. */
export async function runSandbox(spec: SandboxSpec): Promise<string> {
  const lab = requireLab();
  const namespace = spec.namespace ?? 'knd-test';
  const uid = spec.uid ?? randomUUID();
  const logDirectory = path.join(lab.labDir, 'pod-logs', `${namespace}_${spec.name}_${uid}`);
  fs.mkdirSync(logDirectory, { recursive: true });
  const config = {
    metadata: { name: spec.name, uid, namespace, attempt: spec.attempt ?? 0 },
    hostname: spec.name.slice(0, 63),
    logDirectory,
    labels: { ...spec.labels, 'io.kubernetes.pod.name': spec.name, 'io.kubernetes.pod.namespace': namespace, 'io.kubernetes.pod.uid': uid },
    annotations: spec.annotations ?? {},
    linux: { cgroupParent: lab.cgroupParent },
  };
  const { podSandboxId } = await call('RunPodSandbox', { config, runtimeHandler: spec.runtimeHandler ?? '' });
  sandboxConfigs.set(podSandboxId, config);
  return podSandboxId;
}

/** Creates and starts a container running the tool image with `argv` (`['sleep']`, `['exit', '3']`, `['echo', 'hi']`). */
export async function startContainer(sandboxId: string, name: string, argv: readonly string[]): Promise<string> {
  const lab = requireLab();
  const sandboxConfig = sandboxConfigs.get(sandboxId);
  if (!sandboxConfig) throw new Error(`sandbox ${sandboxId} was not created by this test process (runSandbox)`);
  const { containerId } = await call('CreateContainer', {
    podSandboxId: sandboxId,
    config: {
      metadata: { name, attempt: 0 }, image: { image: lab.toolImage }, args: [...argv], logPath: `${name}.log`,
      labels: { 'io.kubernetes.container.name': name },
    },
    sandboxConfig,
  });
  // Never leave CREATED containers behind (each pins fds and threads in containerd 1.6): start at once.
  await call('StartContainer', { containerId });
  return containerId;
}

/** A container that has exited with `code` (waits until the runtime reports EXITED). */
export async function runExitedContainer(sandboxId: string, name: string, code = 0): Promise<string> {
  const id = await startContainer(sandboxId, name, ['exit', String(code)]);
  const cri = labCri();
  try {
    for (let i = 0; i < 200; i++) {
      if ((await cri.containerStatus(id)).state === 'CONTAINER_EXITED') return id;
      await sleep(25);
    }
  } finally {
    cri.close();
  }
  throw new Error(`container ${id} did not exit`);
}

/** `<cacheDir>/results/<network>-<id>-<ifname>`, e.g. `cacheFilePath('cbr0', id, 'eth0')`. */
export function cacheFilePath(network: string, sandboxId: string, ifName: string): string {
  return path.join(requireLab().cniCacheDir, 'results', `${network}-${sandboxId}-${ifName}`);
}

/** Every cache file the runtime wrote for a sandbox (the lab's network on eth0 and containerd's loopback on lo). */
export function sandboxCacheFiles(sandboxId: string): string[] {
  const dir = path.join(requireLab().cniCacheDir, 'results');
  return fs.readdirSync(dir).filter((name) => name.includes(`-${sandboxId}-`)).sort().map((name) => path.join(dir, name));
}

/** Runs an argv inside the lab's mount namespace (where the netns mounts are); returns stdout. */
export function inLabMountNs(argv: readonly string[], options: { env?: Record<string, string>; input?: string | Buffer } = {}): string {
  const { mountNsPid } = requireLab();
  const full = mountNsPid ? ['nsenter', '-t', String(mountNsPid), '-m', '--', ...argv] : [...argv];
  return execFileSync(full[0], full.slice(1), { env: { ...process.env, ...options.env }, input: options.input, encoding: 'utf8', timeout: 30_000 });
}

/** Restarts the lab's containerd on the same state and mount namespace (optionally with another gRPC limit). */
export function restartContainerd(extraEnv: Record<string, string> = {}): void {
  const out = execFileSync('bash', [path.join(repoRoot(), 'test/harness/runtime/restart.sh')], {
    env: { ...process.env, ...extraEnv }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000,
  });
  for (const line of out.split('\n')) {
    const m = /^(KND_[A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) process.env[m[1]] = m[2];
  }
  testClient?.client.close();
  testClient = undefined;
}

function ctr(args: readonly string[]): string {
  return execFileSync('ctr', ['--address', requireLab().socket, '-n', 'k8s.io', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
}

/**
 * Deletes a sandbox's containerd container underneath CRI (`ctr tasks kill` + `ctr containers rm`), then restarts
 * containerd: CRI forgets the sandbox but keeps its containers, the orphan signature (a container whose
 * podSandboxId is not listed). Its cache files, netns, veth and IP stay behind, as on a node.
 */
export async function removeSandboxUnderneath(sandboxId: string): Promise<void> {
  try { ctr(['tasks', 'kill', '-s', 'SIGKILL', sandboxId]); } catch { /* the task may already be gone */ }
  let lastError: unknown;
  for (let i = 0; i < 100; i++) {
    try {
      ctr(['containers', 'rm', sandboxId]);
      lastError = undefined;
      break;
    } catch (error) {
      lastError = error;
      await sleep(50);
    }
  }
  if (lastError) throw lastError;
  restartContainerd();
}

/** Makes `runc kill` of this container a no-op (handler `runc-faulty` only): its StopPodSandbox then hangs READY. */
export function dropKill(containerId: string, enabled: boolean): void {
  const file = path.join(requireLab().faultDir, `drop-kill.${containerId}`);
  if (enabled) fs.writeFileSync(file, '');
  else fs.rmSync(file, { force: true });
}

function isValidJsonFile(file: string): boolean {
  try {
    if (!fs.lstatSync(file).isFile()) return false; // a FIFO left by a failed test would block a read forever
    JSON.parse(fs.readFileSync(file, 'utf8'));
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes every sandbox and container of the lab (not only this process's), so each test file starts empty:
 * fault files and unreadable cache files go first (so Stop can succeed), then containers, then sandboxes, then the
 * cache files and host-local IP reservations of sandboxes the runtime no longer knows. (Their veths and netns mounts
 * stay until down.sh; nothing routes to them.)
 */
export async function cleanupAll(): Promise<void> {
  const lab = requireLab();
  fs.rmSync(lab.faultDir, { recursive: true, force: true });
  fs.mkdirSync(lab.faultDir, { recursive: true });
  const results = path.join(lab.cniCacheDir, 'results');
  for (const name of fs.existsSync(results) ? fs.readdirSync(results) : []) {
    if (!isValidJsonFile(path.join(results, name))) fs.rmSync(path.join(results, name), { force: true });
  }
  const cri = labCri();
  try {
    for (const c of await cri.listContainers()) {
      await cri.stopContainer(c.id, 0).catch(() => undefined);
      await cri.removeContainer(c.id).catch(() => undefined);
    }
    for (const s of await cri.listPodSandbox()) {
      await cri.stopPodSandbox(s.id, { timeoutMs: 20_000 }).catch(() => undefined);
      await cri.removePodSandbox(s.id, { timeoutMs: 20_000 }).catch(() => undefined);
    }
    // What the runtime no longer knows (orphans, leaks): their cache files and host-local IP reservations.
    const known = new Set((await cri.listPodSandbox()).map((s) => s.id));
    for (const name of fs.existsSync(results) ? fs.readdirSync(results) : []) {
      const id = /^.+-([0-9a-f]{64})-[^-]+$/.exec(name)?.[1];
      if (id && !known.has(id)) fs.rmSync(path.join(results, name), { force: true });
    }
    for (const name of fs.existsSync(lab.hostLocalDir) ? fs.readdirSync(lab.hostLocalDir) : []) {
      const file = path.join(lab.hostLocalDir, name);
      const owner = /^[0-9a-f]{64}/.exec(fs.readFileSync(file, 'utf8'))?.[0];
      if (owner && !known.has(owner)) fs.rmSync(file, { force: true });
    }
  } finally {
    cri.close();
  }
  sandboxConfigs.clear();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
