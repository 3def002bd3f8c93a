// Pods on the private Docker daemon of test/harness/docker/up.sh, made the way dockershim makes them: the podsandbox
// container (pause) and the workload containers with dockershim's names and labels (kubelet's pod and container labels,
// annotations as `annotation.*` labels), and the sandbox checkpoint file as dockershim writes it, under a temporary
// host root laid out like a node (`/var/run/docker.sock`, `/var/lib/dockershim/sandbox`, `/var/lib/cni/cache`).
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { checkpointBytes } from '../../../src/core/docker/dockershim';

const run = promisify(execFile);
/** Debian's docker.io CLI (not whatever `docker` comes first on PATH). */
const DOCKER_CLI = '/usr/bin/docker';

export interface DockerLabEnv {
  readonly endpoint: string;
  readonly socket: string;
  readonly pauseImage: string;
  readonly toolImage: string;
}

/** The harness's daemon from its environment; undefined when it does not run. */
export function dockerLabEnv(): DockerLabEnv | undefined {
  const endpoint = process.env.KND_DOCKER_ENDPOINT;
  if (!endpoint) return undefined;
  return {
    endpoint, socket: endpoint.replace(/^unix:\/\//, ''),
    pauseImage: process.env.KND_DOCKER_PAUSE_IMAGE ?? 'knd/pause:1.0', toolImage: process.env.KND_DOCKER_TOOL_IMAGE ?? 'knd/tool:1.0',
  };
}

export interface DockerPod {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly sandboxId: string;
  readonly containerIds: Readonly<Record<string, string>>;
  /** Node-absolute path of its checkpoint. */
  readonly checkpoint: string;
}

export interface PodSpec {
  readonly name: string;
  readonly namespace?: string;
  /** Container name → tool argv (`sleep 600`, `exit 3`). */
  readonly containers: Readonly<Record<string, readonly string[]>>;
}

/** A node-shaped host root over the private daemon; `close` removes the pods it made and the root. */
export class DockerNode {
  readonly hostRoot: string;
  readonly run = `knd${randomBytes(4).toString('hex')}`;

  constructor(readonly env: DockerLabEnv) {
    this.hostRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-docker-node-'));
    for (const dir of ['var/run', 'var/lib/dockershim/sandbox', 'var/lib/cni/cache/results', 'etc/cni/net.d']) fs.mkdirSync(path.join(this.hostRoot, dir), { recursive: true });
    // The node's /var/run/docker.sock is the private daemon's socket (a hard link: same inode, same listener).
    fs.linkSync(env.socket, this.host('/var/run/docker.sock'));
  }

  /** Host path of a node-absolute path. */
  host(nodePath: string): string {
    return path.join(this.hostRoot, nodePath);
  }

  async docker(...args: string[]): Promise<string> {
    const { stdout } = await run(DOCKER_CLI, ['-H', this.env.endpoint, ...args], { timeout: 60_000 });
    return stdout.trim();
  }

  private podLabels(name: string, namespace: string, uid: string): string[] {
    // kubelet's pod labels, plus one pod label of our own (pod labels are copied onto every container).
    return ['io.kubernetes.pod.name', name, 'io.kubernetes.pod.namespace', namespace, 'io.kubernetes.pod.uid', uid, 'knd.test/run', this.run]
      .reduce<string[]>((acc, v, i, all) => (i % 2 === 0 ? [...acc, '--label', `${v}=${all[i + 1]}`] : acc), []);
  }

  /** Runs a pod as dockershim would: podsandbox container, its checkpoint, then each container. */
  async startPod(spec: PodSpec): Promise<DockerPod> {
    const namespace = spec.namespace ?? 'default';
    const uid = randomUUID();
    const sandboxId = await this.docker('run', '-d', '--network', 'none', '--name', `k8s_POD_${spec.name}_${namespace}_${uid}_0`,
      '--label', 'io.kubernetes.docker.type=podsandbox', '--label', 'io.kubernetes.container.name=POD',
      '--label', 'annotation.kubernetes.io/config.source=api', '--label', `annotation.kubernetes.io/config.seen=${new Date().toISOString()}`,
      ...this.podLabels(spec.name, namespace, uid), this.env.pauseImage);
    const checkpoint = `/var/lib/dockershim/sandbox/${sandboxId}`;
    fs.writeFileSync(this.host(checkpoint), checkpointBytes(namespace, spec.name), { mode: 0o644 });
    const containerIds: Record<string, string> = {};
    for (const [container, argv] of Object.entries(spec.containers)) {
      containerIds[container] = await this.docker('run', '-d', '--network', 'none', '--name', `k8s_${container}_${spec.name}_${namespace}_${uid}_0`,
        '--label', 'io.kubernetes.docker.type=container', '--label', `io.kubernetes.sandbox.id=${sandboxId}`,
        '--label', `io.kubernetes.container.name=${container}`, '--label', `io.kubernetes.container.logpath=/var/log/pods/${namespace}_${spec.name}_${uid}/${container}/0.log`,
        '--label', 'annotation.io.kubernetes.container.hash=5d2a1e6f', '--label', 'annotation.io.kubernetes.container.restartCount=0',
        '--label', 'annotation.io.kubernetes.container.terminationMessagePath=/dev/termination-log',
        ...this.podLabels(spec.name, namespace, uid), this.env.toolImage, ...argv);
    }
    return { name: spec.name, namespace, uid, sandboxId, containerIds, checkpoint };
  }

  /** Waits until a container has exited. */
  async waitExited(id: string): Promise<void> {
    await this.docker('wait', id);
  }

  /** Every container this node made that still exists. */
  async containers(): Promise<string[]> {
    const out = await this.docker('ps', '-aq', '--no-trunc', '--filter', `label=knd.test/run=${this.run}`);
    return out ? out.split('\n') : [];
  }

  async exists(id: string): Promise<boolean> {
    try {
      await this.docker('inspect', '--format', '{{.Id}}', id);
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    const ids = await this.containers().catch(() => []);
    if (ids.length > 0) await this.docker('rm', '-f', ...ids).catch(() => undefined);
    fs.rmSync(this.hostRoot, { recursive: true, force: true });
  }
}
