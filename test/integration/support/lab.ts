// Test-only access to the real containerd started by test/harness/runtime/up.sh: creating sandboxes and containers
// (RunPodSandbox/CreateContainer/StartContainer are not part of the product's CRI subset), corrupting cache files,
// restarting containerd, and cleaning up. Product code never imports this.
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
  readonly endpoint: string;
  readonly socket: string;
  readonly cniCacheDir: string;
  readonly cniConfDir: string;
  readonly cniBinDir: string;
  readonly hostLocalDir: string;
  readonly network: string;
  readonly toolImage: string;
  readonly cgroupParent: string;
}

/** The lab's environment, as printed by up.sh; undefined when no lab runs (the suite then skips). */
export function labEnv(): LabEnv | undefined {
  const e = process.env;
  if (!e.KND_CRI_ENDPOINT || !e.KND_LAB_DIR) return undefined;
  return {
    labDir: e.KND_LAB_DIR,
    endpoint: e.KND_CRI_ENDPOINT,
    socket: e.KND_CONTAINERD_SOCKET ?? e.KND_CRI_ENDPOINT.replace(/^unix:\/\//, ''),
    cniCacheDir: e.KND_CNI_CACHE_DIR ?? '/var/lib/cni',
    cniConfDir: e.KND_CNI_CONF_DIR ?? path.join(e.KND_LAB_DIR, 'cni/net.d'),
    cniBinDir: e.KND_CNI_BIN_DIR ?? '/usr/lib/cni',
    hostLocalDir: e.KND_HOST_LOCAL_DIR ?? path.join(e.KND_LAB_DIR, 'cni/ipam/cbr0'),
    network: e.KND_NETWORK ?? 'cbr0',
    toolImage: e.KND_TOOL_IMAGE ?? 'localhost/knd/tool:1.0',
    cgroupParent: e.KND_CGROUP_PARENT ?? '/knd',
  };
}

/** Like labEnv, but fails loudly: under the test orchestrator a lab always runs. */
export function requireLab(): LabEnv {
  const env = labEnv();
  if (!env) throw new Error('No test runtime: run through `npm run test:integration` (it starts test/harness/runtime/up.sh).');
  return env;
}

const TEST_PROTO = `syntax = "proto3";
package runtime.v1;
service RuntimeService {
  rpc RunPodSandbox(RunPodSandboxRequest) returns (RunPodSandboxResponse) {}
  rpc CreateContainer(CreateContainerRequest) returns (CreateContainerResponse) {}
  rpc StartContainer(StartContainerRequest) returns (StartContainerResponse) {}
}
message PodSandboxMetadata { string name = 1; string uid = 2; string namespace = 3; uint32 attempt = 4; }
message LinuxPodSandboxConfig { string cgroup_parent = 1; }
message PodSandboxConfig {
  PodSandboxMetadata metadata = 1; string hostname = 2; string log_directory = 3;
  map<string, string> labels = 6; map<string, string> annotations = 7; LinuxPodSandboxConfig linux = 8;
}
message RunPodSandboxRequest { PodSandboxConfig config = 1; string runtime_handler = 2; }
message RunPodSandboxResponse { string pod_sandbox_id = 1; }
message ContainerMetadata { string name = 1; uint32 attempt = 2; }
message ImageSpec { string image = 1; }
message ContainerConfig {
  ContainerMetadata metadata = 1; ImageSpec image = 2; repeated string command = 3; repeated string args = 4;
  map<string, string> labels = 9; map<string, string> annotations = 10; string log_path = 11;
}
message CreateContainerRequest { string pod_sandbox_id = 1; ContainerConfig config = 2; PodSandboxConfig sandbox_config = 3; }
message CreateContainerResponse { string container_id = 1; }
message StartContainerRequest { string container_id = 1; }
message StartContainerResponse {}
`;

type Unary = (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r: Record<string, string>) => void) => void;
let testClient: (grpc.Client & Record<string, Unary>) | undefined;

function client(): grpc.Client & Record<string, Unary> {
  if (!testClient) {
    const root = protobuf.parse(TEST_PROTO, { keepCase: false }).root;
    const def = protoLoader.fromJSON(root.toJSON(), { longs: String, enums: String, defaults: true });
    const pkg = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: { RuntimeService: grpc.ServiceClientConstructor } } };
    testClient = new pkg.runtime.v1.RuntimeService(requireLab().endpoint, grpc.credentials.createInsecure()) as grpc.Client & Record<string, Unary>;
  }
  return testClient;
}

function call(method: string, request: unknown): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    client()[method](request, new grpc.Metadata(), { deadline: Date.now() + 60_000 }, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

/** The product's CRI client against the lab. */
export function labCri(): CriRuntime {
  return createCriClient(requireLab().endpoint);
}

export interface SandboxSpec {
  readonly name: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly annotations?: Record<string, string>;
}

const sandboxConfigs = new Map<string, unknown>();
const created = new Set<string>();

/** RunPodSandbox with the labels kubelet sets, in the lab's cgroup parent. Returns the sandbox ID. */
export async function runSandbox(spec: SandboxSpec): Promise<string> {
  const lab = requireLab();
  const namespace = spec.namespace ?? 'knd-test';
  const uid = spec.uid ?? randomUUID();
  const logDirectory = path.join(lab.labDir, 'pod-logs', uid);
  fs.mkdirSync(logDirectory, { recursive: true });
  const config = {
    metadata: { name: spec.name, uid, namespace, attempt: 0 },
    hostname: spec.name.slice(0, 63),
    logDirectory,
    labels: { 'io.kubernetes.pod.name': spec.name, 'io.kubernetes.pod.namespace': namespace, 'io.kubernetes.pod.uid': uid },
    annotations: spec.annotations ?? {},
    linux: { cgroupParent: lab.cgroupParent },
  };
  const { podSandboxId } = await call('RunPodSandbox', { config, runtimeHandler: '' });
  sandboxConfigs.set(podSandboxId, config);
  created.add(podSandboxId);
  return podSandboxId;
}

/** Creates and starts a container running the tool image with `args` (e.g. ['sleep'], ['exit', '3']). */
export async function startContainer(sandboxId: string, name: string, args: readonly string[]): Promise<string> {
  const lab = requireLab();
  const sandboxConfig = sandboxConfigs.get(sandboxId);
  if (!sandboxConfig) throw new Error(`sandbox ${sandboxId} was not created by this test run`);
  const { containerId } = await call('CreateContainer', {
    podSandboxId: sandboxId,
    config: { metadata: { name, attempt: 0 }, image: { image: lab.toolImage }, args: [...args], logPath: `${name}.log`, labels: { 'io.kubernetes.container.name': name } },
    sandboxConfig,
  });
  await call('StartContainer', { containerId });
  return containerId;
}

/** A container that has exited with `code` (waits for EXITED). */
export async function runExitedContainer(sandboxId: string, name: string, code = 0): Promise<string> {
  const id = await startContainer(sandboxId, name, ['exit', String(code)]);
  const cri = labCri();
  try {
    for (let i = 0; i < 100; i++) {
      if ((await cri.containerStatus(id)).state === 'CONTAINER_EXITED') return id;
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    cri.close();
  }
  throw new Error(`container ${id} did not exit`);
}

/** `<cacheDir>/results/<network>-<id>-<ifname>`. */
export function cacheFilePath(sandboxId: string, ifName = 'eth0', network = requireLab().network): string {
  return path.join(requireLab().cniCacheDir, 'results', `${network}-${sandboxId}-${ifName}`);
}

/** Restarts the lab's containerd on the same state (optionally with another gRPC message limit). */
export function restartContainerd(extraEnv: Record<string, string> = {}): void {
  const up = path.resolve(__dirname, '../../../../test/harness/runtime/up.sh');
  const script = fs.existsSync(up) ? up : path.resolve(process.cwd(), 'test/harness/runtime/up.sh');
  const out = execFileSync('bash', [script, '--restart'], { env: { ...process.env, ...extraEnv }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  for (const line of out.split('\n')) {
    const m = /^(KND_[A-Z_]+)=(.*)$/.exec(line);
    if (m) process.env[m[1]] = m[2];
  }
  testClient?.close();
  testClient = undefined;
}

/** Deletes a sandbox's containerd container underneath CRI, then restarts containerd: CRI forgets the sandbox but
 * keeps its containers — the orphan signature (a container whose podSandboxId is not listed). */
export function removeSandboxUnderneath(sandboxId: string): void {
  const { socket } = requireLab();
  const ctr = (...args: string[]): void => { execFileSync('ctr', ['--address', socket, '-n', 'k8s.io', ...args], { stdio: 'ignore' }); };
  try { ctr('tasks', 'kill', '-s', 'SIGKILL', sandboxId); } catch { /* already stopped */ }
  for (let i = 0; i < 50; i++) {
    try { ctr('containers', 'rm', sandboxId); break; } catch { execFileSync('sleep', ['0.1']); }
  }
  restartContainerd();
}

/** Best-effort removal of everything this test run created (bad cache files are removed first so Stop works). */
export async function cleanupCreated(): Promise<void> {
  const cri = labCri();
  try {
    for (const id of created) {
      for (const ifName of ['eth0', 'lo']) {
        const file = ifName === 'lo' ? path.join(requireLab().cniCacheDir, 'results', `cni-loopback-${id}-lo`) : cacheFilePath(id);
        try {
          const content = fs.readFileSync(file, 'utf8');
          JSON.parse(content);
        } catch {
          fs.rmSync(file, { force: true });
        }
      }
      try {
        for (const c of await cri.listContainers({ podSandboxId: id })) await cri.removeContainer(c.id).catch(() => undefined);
        await cri.stopPodSandbox(id).catch(() => undefined);
        await cri.removePodSandbox(id).catch(() => undefined);
      } catch { /* the runtime may already have forgotten it */ }
    }
    created.clear();
  } finally {
    cri.close();
  }
}
