import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BridgeNodeAccess } from '../../../src/core/bridge/bridgeNodeAccess';
import type { BridgeExecutor } from '../../../src/core/bridge/bridgeNodeAccess';
import { bridgePodManifest, bridgePodName, planMounts, podPathFor } from '../../../src/core/bridge/podSpec';
import { NodeDoctorError } from '../../../src/core/errors';
import type { RunResult } from '../../../src/core/node/nodeAccess';

interface Spec {
  nodeName: string; restartPolicy: string; activeDeadlineSeconds: number; hostPID: boolean; hostNetwork: boolean; tolerations: unknown[];
  automountServiceAccountToken: boolean;
  containers: { command: string[]; securityContext: { privileged: boolean; capabilities?: { drop: string[] } }; volumeMounts: { mountPath: string; readOnly?: boolean }[] }[];
  volumes: { name: string; hostPath?: { path: string; type: string }; emptyDir?: { medium: string; sizeLimit: string } }[];
}

function manifest(profile: 'least-privilege' | 'host-pid'): { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: Spec } {
  return bridgePodManifest({
    name: 'knd-bridge-n1-abc', namespace: 'kube-system', node: 'n1', image: 'img', profile, mounts: planMounts(), sessionId: 's1',
    client: 'cli', activeDeadlineSeconds: 600, createdAt: new Date('2026-01-02T03:04:05Z'),
  }) as unknown as { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: Spec };
}

describe('bridge pod manifest', () => {
  it('pins the pod to its node, tolerates every taint, never restarts and dies by itself', () => {
    const { spec, metadata } = manifest('least-privilege');
    assert.equal(spec.nodeName, 'n1');
    assert.deepEqual(spec.tolerations, [{ operator: 'Exists' }]);
    assert.equal(spec.restartPolicy, 'Never');
    assert.equal(spec.activeDeadlineSeconds, 600);
    assert.equal(spec.automountServiceAccountToken, false);
    assert.deepEqual(metadata.labels, { 'app.kubernetes.io/managed-by': 'kube-node-doctor', 'app.kubernetes.io/component': 'node-bridge', 'kube-node-doctor.io/session': 's1' });
    assert.equal(metadata.annotations['kube-node-doctor.io/created-at'], '2026-01-02T03:04:05.000Z');
  });

  it('mounts only the runtime socket itself (type Socket), the CNI cache, the CNI configs, runtime state and the discovery dirs (read-only) and the quarantine by default', () => {
    const { spec } = manifest('least-privilege');
    assert.deepEqual(spec.volumes.filter((v) => v.hostPath).map((v) => v.hostPath?.path), [
      '/run/containerd/containerd.sock', '/var/lib/cni', '/etc/cni/net.d', '/var/lib/containerd', '/var/lib/kube-node-doctor',
      '/run/containerd/io.containerd.grpc.v1.cri', '/var/log/pods',
    ]);
    assert.deepEqual(spec.volumes.filter((v) => v.hostPath).map((v) => v.hostPath?.type), ['Socket', 'DirectoryOrCreate', 'DirectoryOrCreate', 'DirectoryOrCreate', 'DirectoryOrCreate', 'DirectoryOrCreate', 'DirectoryOrCreate']);
    assert.deepEqual(spec.containers[0].volumeMounts.map((m) => [m.mountPath, m.readOnly]), [
      ['/host/run/containerd/containerd.sock', false], ['/host/var/lib/cni', false], ['/host/etc/cni/net.d', true], ['/host/var/lib/containerd', true], ['/host/var/lib/kube-node-doctor', false],
      ['/host/run/containerd/io.containerd.grpc.v1.cri', true], ['/host/var/log/pods', true], ['/run/kube-node-doctor', undefined],
    ]);
    assert.equal(spec.hostPID, false);
    assert.equal(spec.hostNetwork, false);
    assert.equal(spec.containers[0].securityContext.privileged, false);
    assert.deepEqual(spec.containers[0].securityContext.capabilities?.drop, ['ALL']);
  });

  it('on a Docker node mounts the Docker socket itself and dockershim\'s root instead of the containerd socket directory', () => {
    const mounts = planMounts({ docker: { socket: '/var/run/docker.sock', dockershimDir: '/var/lib/dockershim' } });
    assert.deepEqual(mounts.slice(0, 3).map((m) => [m.hostPath, m.type, m.readOnly]), [
      ['/var/run/docker.sock', 'Socket', false], ['/var/lib/dockershim', 'DirectoryOrCreate', false], ['/var/lib/cni', 'DirectoryOrCreate', false],
    ]);
    assert.ok(!mounts.some((m) => m.hostPath === '/run/containerd'));
    assert.equal(podPathFor(mounts, '/var/run/docker.sock')?.podPath, '/host/var/run/docker.sock');
    // A configured CRI endpoint (cri-dockerd's) is mounted too: the socket alone, not its directory.
    assert.deepEqual(planMounts({ runtimeEndpoint: 'unix:///var/run/cri-dockerd.sock', docker: { socket: '/var/run/docker.sock', dockershimDir: '/var/lib/cri-dockerd' } })[0], { hostPath: '/var/run/cri-dockerd.sock', readOnly: false, type: 'Socket' });
  });

  it('gives the pod a 1 MiB in-memory state dir for the heartbeat and records the heartbeat interval', () => {
    const { spec, metadata } = manifest('least-privilege');
    assert.deepEqual(spec.volumes.filter((v) => !v.hostPath), [{ name: 'knd-state', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } }]);
    assert.equal(metadata.annotations['kube-node-doctor.io/heartbeat-seconds'], '60');
  });

  it('adds host PID and privileged mode only in the host-pid profile', () => {
    const { spec } = manifest('host-pid');
    assert.equal(spec.hostPID, true);
    assert.equal(spec.containers[0].securityContext.privileged, true);
  });

  it('mounts the socket of a non-default runtime endpoint, and nothing else of its directory', () => {
    const mounts = planMounts({ runtimeEndpoint: 'unix:///run/k3s/containerd/containerd.sock' });
    assert.deepEqual(mounts[0], { hostPath: '/run/k3s/containerd/containerd.sock', readOnly: false, type: 'Socket' });
    assert.equal(podPathFor(mounts, '/run/k3s/containerd/containerd.sock')?.podPath, '/host/run/k3s/containerd/containerd.sock');
    assert.equal(podPathFor(mounts, '/run/k3s/containerd/io.containerd.runtime.v2.task'), undefined, 'the runtime\'s other state is not visible');
  });

  it('refuses a quarantine (or any mounted) directory with "..", a relative one, or the node\'s root', () => {
    const refused = (options: Parameters<typeof planMounts>[0], pattern: RegExp): void => {
      assert.throws(() => planMounts(options), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'bad-input' && pattern.test(e.message), JSON.stringify(options));
    };
    refused({ quarantineDir: '/var/lib/kube-node-doctor/../../..' }, /quarantine directory .* "\." or "\.\." segment/);
    refused({ quarantineDir: '/var/lib/kube-node-doctor/./q' }, /segment/);
    refused({ quarantineDir: 'var/lib/kube-node-doctor' }, /not an absolute path/);
    refused({ quarantineDir: '/' }, /root directory/);
    refused({ quarantineDir: '///' }, /root directory/);
    refused({ quarantineDir: '/var/lib/q\nx' }, /control characters/);
    refused({ cniCacheDir: '/' }, /CNI cache directory/);
    refused({ cniConfDir: '/etc/cni/../..' }, /CNI config directory/);
    refused({ runtimeEndpoint: 'unix:///run/../containerd.sock' }, /runtime socket/);
    refused({ extraMounts: [{ hostPath: '/var/..', readOnly: true, type: 'Directory' }] }, /extra bridge mount/);
    assert.equal(planMounts({ quarantineDir: '/var/lib/kube-node-doctor/quarantine/' }).find((m) => m.hostPath.startsWith('/var/lib/kube-node-doctor'))?.hostPath, '/var/lib/kube-node-doctor/quarantine');
  });

  it('mounts what the inventory\'s discovery reads, read-only, and only what no other mount covers', () => {
    const mounts = planMounts();
    // containerd's default root and state are under the runtime dirs already mounted; the pod logs are not.
    assert.deepEqual(mounts.filter((m) => m.hostPath === '/var/log/pods'), [{ hostPath: '/var/log/pods', readOnly: true, type: 'DirectoryOrCreate' }]);
    assert.ok(podPathFor(mounts, '/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes'));
    assert.ok(podPathFor(mounts, '/run/containerd/io.containerd.grpc.v1.cri/sandboxes'));
    assert.equal(mounts.some((m) => m.hostPath.includes('overlay-containers')), false, 'no CRI-O storage mount on a containerd node');
    const k3s = planMounts({
      runtimeEndpoint: 'unix:///run/k3s/containerd/containerd.sock',
      discovery: { containerdRoot: '/var/lib/rancher/k3s/agent/containerd', containerdState: '/run/k3s/containerd', podLogDir: '' },
    });
    assert.deepEqual(k3s.filter((m) => m.hostPath.startsWith('/var/lib/rancher')), [
      { hostPath: '/var/lib/rancher/k3s/agent/containerd/io.containerd.grpc.v1.cri', readOnly: true, type: 'DirectoryOrCreate' },
    ]);
    assert.equal(k3s.some((m) => m.hostPath === '/var/log/pods'), false, 'a source turned off is not mounted');
    const crio = planMounts({ runtimeEndpoint: 'unix:///var/run/crio/crio.sock' });
    assert.ok(crio.some((m) => m.hostPath === '/var/lib/containers/storage/overlay-containers' && m.readOnly));
  });

  it('maps node paths into the longest covering mount and refuses escapes', () => {
    const mounts = planMounts();
    assert.equal(podPathFor(mounts, '/var/lib/cni/results/x')?.podPath, '/host/var/lib/cni/results/x');
    assert.equal(podPathFor(mounts, '/var/lib/containerd-other'), undefined);
    assert.equal(podPathFor(mounts, '/etc/passwd'), undefined);
    assert.throws(() => podPathFor(mounts, '/var/lib/cni/../../etc/shadow'), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'bad-input');
  });

  it('names pods as DNS labels even for long or dotted node names', () => {
    const name = bridgePodName('Worker-1.Example.COM_with_a_really_long_name_that_keeps_going_on', 'a1b2c3');
    assert.match(name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    assert.ok(name.length <= 63);
  });
});

/** Runs argv on this machine with the pod's `/host` prefix mapped onto a scratch directory (what the stand-in does). */
function localExecutor(root: string, seen: string[][]): BridgeExecutor {
  return {
    exec: (argv, options) => new Promise<RunResult>((resolve, reject) => {
      seen.push([...argv]);
      const mapped = argv.map((a) => a.replace(/^\/host(?=\/|$)/, root));
      const child = spawn(mapped[0], mapped.slice(1), { timeout: options.timeoutMs });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => err.push(c));
      child.on('error', reject);
      child.on('close', (code) => resolve({ exitCode: code ?? 1, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }));
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.stdin ?? Buffer.alloc(0));
    }),
    relay: () => Promise.reject(new Error('no relay in this test')),
  };
}

describe('bridge node access over exec’d argv', () => {
  let root: string;
  const seen: string[][] = [];
  let access: BridgeNodeAccess;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-bna-'));
    fs.mkdirSync(path.join(root, 'var/lib/cni/results'), { recursive: true });
    fs.writeFileSync(path.join(root, 'var/lib/cni/results/cbr0-b-eth0'), '');
    fs.writeFileSync(path.join(root, 'var/lib/cni/results/cbr0-a-eth0'), '{"kind":"cniCacheV1"}');
    fs.utimesSync(path.join(root, 'var/lib/cni/results/cbr0-a-eth0'), 1_700_000_000, 1_700_000_000);
    access = new BridgeNodeAccess(localExecutor(root, seen), { description: 'test', mounts: planMounts(), profile: 'least-privilege' });
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('lists a directory in one exec (NUL-separated find+stat) with names, sizes, mtimes and types, sorted by name', async () => {
    seen.length = 0;
    const entries = await access.listDir('/var/lib/cni/results');
    assert.equal(seen.length, 1);
    assert.deepEqual(seen[0].slice(0, 2), ['sh', '-c']);
    assert.equal(seen[0][4], '/host/var/lib/cni/results');
    assert.deepEqual(entries, [
      { name: 'cbr0-a-eth0', path: '/var/lib/cni/results/cbr0-a-eth0', size: 21, mtimeMs: 1_700_000_000_000, isFile: true, isDirectory: false },
      { name: 'cbr0-b-eth0', path: '/var/lib/cni/results/cbr0-b-eth0', size: 0, mtimeMs: entries?.[1].mtimeMs ?? 0, isFile: true, isDirectory: false },
    ]);
  });

  it('returns undefined for a missing directory or file, and for paths the pod does not mount', async () => {
    assert.equal(await access.listDir('/var/lib/cni/none'), undefined);
    assert.equal(await access.stat('/var/lib/cni/none'), undefined);
    assert.equal(await access.stat('/etc/os-release'), undefined);
    assert.equal((await access.stat('/var/lib/cni'))?.isDirectory, true);
  });

  it('refuses to run node commands in the least-privilege profile', async () => {
    await assert.rejects(access.run(['kill', '1'], { timeoutMs: 1000 }), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'forbidden' && /host-pid profile/.test(e.message));
  });

  it('runs node commands through nsenter into PID 1 in the host-pid profile, passing env through env(1)', async () => {
    const argvs: (readonly string[])[] = [];
    const strong = new BridgeNodeAccess({
      exec: async (argv) => { argvs.push(argv); return { exitCode: 0, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) }; },
      relay: () => Promise.resolve(),
    }, { description: 'test', mounts: planMounts(), profile: 'host-pid' });
    await strong.run(['/opt/cni/bin/bridge'], { timeoutMs: 1000, env: { CNI_COMMAND: 'DEL' } });
    assert.deepEqual(argvs[0], ['nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p', '--', 'env', 'CNI_COMMAND=DEL', '/opt/cni/bin/bridge']);
  });
});
