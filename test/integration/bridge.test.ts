import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BridgeManager } from '../../src/core/bridge/bridgeManager';
import type { BridgeNodeAccess } from '../../src/core/bridge/bridgeNodeAccess';
import { bridgeAccessFor } from '../../src/core/bridge/openBridge';
import { openBridgeNodeAccess } from './support/openBridge';
import { BRIDGE_SELECTOR, DEFAULT_BRIDGE_IMAGE, STATE_DIR } from '../../src/core/bridge/podSpec';
import { KubeApi } from '../../src/core/cluster/kubeApi';
import { loadKubeconfigs } from '../../src/core/cluster/kubeconfig';
import { listNodes } from '../../src/core/cluster/nodes';
import { createCriClient } from '../../src/core/cri/criClient';
import { NodeDoctorError } from '../../src/core/errors';
import { LocalNodeAccess } from '../../src/core/node/localNodeAccess';
import { labPaths, startLabStandIn } from '../standin/labStandIn';
import type { LabPaths, LabStandIn } from '../standin/labStandIn';

const ENDPOINT = 'unix:///run/containerd/containerd.sock';

async function failure(promise: Promise<unknown>): Promise<NodeDoctorError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof NodeDoctorError, `expected a NodeDoctorError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a failure');
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.fail(`gave up waiting: ${what}`);
}

describe('debug-pod bridge against the API stand-in and the real containerd', function () {
  this.timeout(60_000);
  let lab: LabPaths;
  let env: LabStandIn;

  before(async function () {
    const paths = labPaths();
    if (!paths) this.skip();
    lab = paths;
    env = await startLabStandIn(lab);
  });
  after(async () => {
    await env?.close();
  });
  afterEach(() => {
    env.standIn.denied.clear();
    env.standIn.failingImages.clear();
  });

  async function labApi(): Promise<KubeApi> {
    const configs = await loadKubeconfigs({ explicitPath: env.kubeconfig });
    return new KubeApi('lab', configs.forContext('lab'));
  }

  it('answers CRI Version and ListPodSandbox through the socat relay exactly as the local socket does', async () => {
    const { access } = await openBridgeNodeAccess({ explicitPath: env.kubeconfig, context: 'lab', node: env.node, pollIntervalMs: 50 });
    const local = createCriClient(`unix://${lab.socket}`);
    try {
      const lease = await access.openCriEndpoint(ENDPOINT);
      assert.match(lease.address, /^unix:\/\/.+\/cri\.sock$/);
      const remote = createCriClient(lease.address);
      try {
        assert.deepEqual(await remote.version(), await local.version());
        // Other suites share this runtime: what the bridge lists must lie between the direct lists taken before and after.
        const before = new Set((await local.listPodSandbox()).map((s) => s.id));
        const viaBridge = new Set((await remote.listPodSandbox()).map((s) => s.id));
        const after = new Set((await local.listPodSandbox()).map((s) => s.id));
        for (const id of before) if (after.has(id)) assert.ok(viaBridge.has(id), `${id} listed directly before and after, but not through the bridge`);
        for (const id of viaBridge) assert.ok(before.has(id) || after.has(id), `${id} listed only through the bridge`);
      } finally {
        remote.close();
        await lease.close();
      }
      assert.equal(env.standIn.podsIn('kube-system').length, 1);
    } finally {
      local.close();
      await access.dispose();
    }
    assert.equal(env.standIn.podsIn('kube-system').length, 0, 'dispose deletes the bridge pod');
  });

  it('lists the CNI result cache through the bridge with the sizes the files have on disk', async () => {
    const { access } = await openBridgeNodeAccess({ explicitPath: env.kubeconfig, context: 'lab', node: env.node, pollIntervalMs: 50 });
    try {
      const listed = await access.listDir('/var/lib/cni/results');
      const real = path.join(lab.cniCacheDir, 'results');
      const onDisk = fs.readdirSync(real).sort();
      assert.deepEqual(listed?.map((e) => e.name), onDisk);
      for (const entry of listed ?? []) {
        assert.equal(entry.size, fs.statSync(path.join(real, entry.name)).size);
        assert.equal(entry.path, `/var/lib/cni/results/${entry.name}`);
      }
      assert.equal(await access.listDir('/var/lib/cni/no-such-dir'), undefined);
      assert.equal(await access.stat('/etc/passwd'), undefined, 'paths outside the mounts are invisible');
      const socket = await access.stat('/run/containerd/containerd.sock');
      assert.ok(socket && !socket.isFile && !socket.isDirectory, 'the runtime socket is visible as a socket');
    } finally {
      await access.dispose();
    }
  });

  it('reads a directory of 300 small files in one exec with exactly the bytes local access reads', async () => {
    const real = path.join(lab.cniCacheDir, 'knd-bulk-test');
    fs.mkdirSync(real, { recursive: true });
    const names: string[] = [];
    for (let i = 0; i < 300; i++) {
      const name = `cbr0-${i.toString(16).padStart(64, '0')}-eth0`;
      fs.writeFileSync(path.join(real, name), JSON.stringify({ kind: 'cniCacheV1', containerId: String(i) }));
      names.push(name);
    }
    fs.writeFileSync(path.join(real, 'empty'), '');
    fs.writeFileSync(path.join(real, 'too-large'), Buffer.alloc(70_000));
    fs.symlinkSync(path.join(real, 'empty'), path.join(real, 'symlink'));
    names.push('empty', 'too-large', 'symlink', 'vanished');
    const { access } = await openBridgeNodeAccess({ explicitPath: env.kubeconfig, context: 'lab', node: env.node, pollIntervalMs: 50 });
    try {
      const before = env.standIn.stats.execs;
      const viaBridge = await access.readSmallFiles('/var/lib/cni/knd-bulk-test', names, 65_536);
      assert.equal(env.standIn.stats.execs - before, 1, 'one exec for 304 names');
      const direct = await new LocalNodeAccess().readSmallFiles(real, names, 65_536);
      assert.deepEqual(viaBridge, direct);
      assert.equal(viaBridge.filter((b) => b !== undefined).length, 301);
    } finally {
      await access.dispose();
      fs.rmSync(real, { recursive: true, force: true });
    }
  });

  async function writeReadMoveRemove(target: LabStandIn, label: string): Promise<void> {
    const { access } = await openBridgeNodeAccess({ explicitPath: target.kubeconfig, context: 'lab', node: target.node, pollIntervalMs: 50 });
    try {
      const dir = `/var/lib/kube-node-doctor/quarantine/${label}`;
      await access.makeDir(dir, 0o700);
      const content = Buffer.from('{"cniVersion":"1.0.0"}\n\u0000tail');
      await access.writeFile(`${dir}/a.json`, content, 0o600);
      assert.deepEqual(await access.readFile(`${dir}/a.json`, 1024), content);
      assert.equal((await failure(access.writeFile(`${dir}/a.json`, Buffer.from('x'), 0o600))).reason, 'precondition-changed');
      assert.equal((await failure(access.readFile(`${dir}/a.json`, 4))).reason, 'bad-input');
      const large = Buffer.alloc(300_000, 0x5a);
      await access.writeFile(`${dir}/large.bin`, large, 0o600);
      assert.deepEqual((await access.readSmallFiles(dir, ['a.json', 'large.bin', 'none'], 1024 * 1024)), [content, large, undefined]);
      await access.removeFile(`${dir}/large.bin`);
      await access.moveFile(`${dir}/a.json`, `${dir}/b.json`);
      assert.equal(await access.stat(`${dir}/a.json`), undefined);
      assert.equal((await access.stat(`${dir}/b.json`))?.size, content.length);
      await access.removeFile(`${dir}/b.json`);
      assert.deepEqual(await access.listDir(dir), []);
      assert.equal((await failure(access.readFile('/etc/hostname', 100))).reason, 'forbidden');
    } finally {
      await access.dispose();
    }
  }

  it('writes, reads, moves and removes a file in the quarantine directory over v5, refusing to overwrite', async () => {
    await writeReadMoveRemove(env, 'v5');
    assert.equal(env.standIn.stats.v4Execs, 0, 'the stand-in spoke v5');
  });

  it('does the same through an API server that speaks only v4 (no end-of-stdin signal)', async () => {
    const v4 = await startLabStandIn(lab, { subprotocols: ['v4.channel.k8s.io'] });
    try {
      await writeReadMoveRemove(v4, 'v4');
      assert.ok(v4.standIn.stats.execs > 5);
      assert.equal(v4.standIn.stats.v4Execs, v4.standIn.stats.execs, 'every exec spoke v4');
      assert.equal(v4.standIn.podsIn('kube-system').length, 0);
    } finally {
      await v4.close();
    }
  });

  it('names the missing verb when RBAC denies pods/exec, and creates no pod', async () => {
    env.standIn.denied.add('create pods/exec');
    const error = await failure(openBridgeNodeAccess({ explicitPath: env.kubeconfig, context: 'lab', node: env.node }));
    assert.equal(error.reason, 'forbidden');
    assert.match(error.message, /RBAC in context "lab" does not allow create pods\/exec in namespace kube-system\./);
    assert.equal(env.standIn.podsIn('kube-system').length, 0);
  });

  it('explains a Pod Security rejection in one message and suggests kube-system', async () => {
    const psa = await startLabStandIn(lab, { podSecurity: { apps: 'baseline' } });
    try {
      const error = await failure(openBridgeNodeAccess({ explicitPath: psa.kubeconfig, context: 'lab', node: psa.node, namespace: 'apps' }));
      assert.equal(error.reason, 'rejected');
      assert.match(error.message, /Pod Security admission in namespace apps .* violates PodSecurity "baseline:latest": .*hostPath volumes/);
      assert.match(error.hint ?? '', /kube-system/);
      assert.equal(psa.standIn.podsIn('apps').length, 0);
    } finally {
      await psa.close();
    }
  });

  it('reports an image that cannot be pulled and deletes the pod it created', async () => {
    env.standIn.failingImages.add('registry.invalid/knd/socat:1');
    const error = await failure(openBridgeNodeAccess({ explicitPath: env.kubeconfig, context: 'lab', node: env.node, image: 'registry.invalid/knd/socat:1', pollIntervalMs: 50 }));
    assert.equal(error.reason, 'unreachable');
    assert.match(error.message, /cannot pull the bridge image registry\.invalid\/knd\/socat:1 \((ErrImagePull|ImagePullBackOff)/);
    assert.equal(env.standIn.podsIn('kube-system').length, 0);
  });

  it('says the pod was deleted when it disappears mid-exec, then recovers with a new pod', async () => {
    const manager = new BridgeManager(await labApi(), { pollIntervalMs: 50 });
    try {
      const pod = await manager.ensure(env.node);
      const running = manager.exec(env.node, ['sleep', '30'], { timeoutMs: 20_000 });
      await until(() => env.standIn.stats.execs > 0 && env.standIn.pods.get(`kube-system/${pod.name}`)?.execs.size === 1, 'the exec to start');
      env.standIn.deleteFromOutside('kube-system', pod.name);
      const error = await failure(running);
      assert.equal(error.reason, 'not-found');
      assert.match(error.message, /was deleted while in use/);
      const again = await manager.exec(env.node, ['stat', '-c', '%F', '/host/var/lib/cni'], { timeoutMs: 10_000 });
      assert.equal(again.stdout.toString().trim(), 'directory');
      assert.notEqual((await manager.podFor(env.node))?.name, pod.name);
    } finally {
      await manager.dispose();
    }
    assert.equal(env.standIn.podsIn('kube-system').length, 0);
  });

  it('reports an eviction as the reason the pod stopped', async () => {
    const manager = new BridgeManager(await labApi(), { pollIntervalMs: 50 });
    try {
      const pod = await manager.ensure(env.node);
      const running = manager.exec(env.node, ['sleep', '30'], { timeoutMs: 20_000 });
      await until(() => env.standIn.pods.get(`kube-system/${pod.name}`)?.execs.size === 1, 'the exec to start');
      env.standIn.evict('kube-system', pod.name);
      const error = await failure(running);
      assert.match(error.message, /stopped while in use \(Evicted: The node was low on resource: memory\.\)/);
      assert.equal(env.standIn.podsIn('kube-system').length, 0, 'the evicted pod is deleted');
    } finally {
      await manager.dispose();
    }
  });

  it('deletes an idle pod after the idle timeout and reuses a busy one', async () => {
    const manager = new BridgeManager(await labApi(), { pollIntervalMs: 50, idleTimeoutMs: 300 });
    try {
      assert.equal(env.standIn.podsIn('kube-system').length, 0, 'no pod before');
      const access = bridgeAccessFor(manager, env.node);
      await access.stat('/var/lib/cni');
      await access.stat('/var/lib/cni/results');
      assert.equal(env.standIn.podsIn('kube-system').length, 1, 'one pod serves consecutive calls');
      await until(() => env.standIn.podsIn('kube-system').length === 0, 'idle deletion');
      assert.equal(await manager.podFor(env.node), undefined);
    } finally {
      await manager.dispose();
    }
  });

  it('keeps a pod busy with a long exec past the idle timeout, then deletes it once idle', async () => {
    const manager = new BridgeManager(await labApi(), { pollIntervalMs: 50, idleTimeoutMs: 300 });
    try {
      assert.equal(env.standIn.podsIn('kube-system').length, 0, 'no pod before');
      const pod = await manager.ensure(env.node);
      const busy = manager.exec(env.node, ['sleep', '1.2'], { timeoutMs: 10_000 });
      await new Promise((resolve) => setTimeout(resolve, 900));
      assert.deepEqual(env.standIn.podsIn('kube-system').map((p) => (p.metadata as { name: string }).name), [pod.name], 'still there three idle timeouts into the exec');
      assert.equal((await busy).exitCode, 0);
      assert.equal(env.standIn.podsIn('kube-system').length, 1, 'not deleted the moment the exec ends');
      await until(() => env.standIn.podsIn('kube-system').length === 0, 'idle deletion after the exec');
    } finally {
      await manager.dispose();
    }
    assert.equal(env.standIn.podsIn('kube-system').length, 0, 'no pod after');
  });

  /** Makes a pod look as if its client stopped beating `seconds` ago (its state dir and heartbeat file mtimes). */
  function silence(podName: string, seconds: number): void {
    const dir = env.standIn.podMountDir('kube-system', podName, STATE_DIR);
    assert.ok(dir, `${podName} has a state dir`);
    const then = Date.now() / 1000 - seconds;
    for (const file of [path.join(dir, 'heartbeat'), dir]) if (fs.existsSync(file)) fs.utimesSync(file, then, then);
  }

  const names = (): string[] => env.standIn.podsIn('kube-system').map((p) => (p.metadata as { name: string }).name).sort();

  it('cleans up leftover bridge pods of a client that went away, and only those', async () => {
    const api = await labApi();
    const crashed = new BridgeManager(api, { pollIntervalMs: 50 });
    const current = new BridgeManager(api, { pollIntervalMs: 50 });
    try {
      const gone = await crashed.ensure(env.node);
      const mine = await current.ensure(env.node);
      silence(gone.name, 600);
      assert.equal(env.standIn.podsIn('kube-system').length, 2);
      const removed = await current.cleanupLeftovers();
      assert.deepEqual(removed, [gone.name]);
      assert.deepEqual(names(), [mine.name]);
    } finally {
      await current.dispose();
      await crashed.dispose();
    }
    assert.equal(env.standIn.podsIn('kube-system').length, 0);
  });

  it('sweeps finished, expired-by-deadline and silent pods, keeps pods whose client still beats, and changes nothing in a dry run', async () => {
    const api = await labApi();
    const crashed = new BridgeManager(api, { pollIntervalMs: 50 });
    const evicted = new BridgeManager(api, { pollIntervalMs: 50 });
    const expired = new BridgeManager(api, { pollIntervalMs: 50, activeDeadlineSeconds: 1 });
    const alive = new BridgeManager(api, { pollIntervalMs: 50, heartbeatIntervalMs: 200 });
    const current = new BridgeManager(api, { pollIntervalMs: 50 });
    try {
      const gone = await crashed.ensure(env.node);
      const out = await evicted.ensure(env.node);
      const old = await expired.ensure(env.node);
      const busy = await alive.ensure(env.node);
      const mine = await current.ensure(env.node);
      silence(gone.name, 600);
      silence(busy.name, 600); // its client beats again within 200 ms
      env.standIn.evict('kube-system', out.name);
      await until(() => (env.standIn.pods.get(`kube-system/${old.name}`)?.pod.status as { phase?: string }).phase === 'Failed', 'the 1 s deadline');
      await new Promise((resolve) => setTimeout(resolve, 500));
      const before = names();
      assert.equal(before.length, 5);

      const dry = await current.sweepLeftovers({ dryRun: true });
      assert.deepEqual(names(), before, 'a dry run deletes nothing');
      assert.deepEqual(dry.leftovers.map((p) => [p.name, p.reason, p.deleted]), [
        [gone.name, 'stale', false], [out.name, 'finished', false], [old.name, 'finished', false],
      ].sort());
      assert.match(dry.leftovers.find((p) => p.name === gone.name)?.detail ?? '', /last heartbeat 10 min ago/);
      assert.match(dry.leftovers.find((p) => p.name === old.name)?.detail ?? '', /DeadlineExceeded/);
      assert.deepEqual(dry.kept.map((p) => p.name), [busy.name]);
      assert.match(dry.kept[0].detail, /in use \(last heartbeat \d+ s ago\)/);

      const swept = await current.sweepLeftovers();
      assert.deepEqual(swept.leftovers.map((p) => [p.name, p.deleted]), [[gone.name, true], [out.name, true], [old.name, true]].sort());
      assert.deepEqual(names(), [busy.name, mine.name].sort(), 'only the live clients\' pods are left');
    } finally {
      for (const manager of [current, alive, expired, evicted, crashed]) await manager.dispose();
    }
    assert.equal(env.standIn.podsIn('kube-system').length, 0);
  });

  it('reads every context of a kubeconfig and fails fast, naming the context, on a closed port and on bad credentials', async () => {
    const configs = await loadKubeconfigs({ explicitPath: env.kubeconfig });
    assert.deepEqual(configs.contexts.map((c) => c.name), ['lab', 'unreachable', 'bad-token']);
    const nodes = await listNodes(new KubeApi('lab', configs.forContext('lab')));
    assert.ok(nodes.nodes.some((n) => n.name === env.node));
    const unreachable = await failure(openBridgeNodeAccess({ explicitPath: env.kubeconfig, context: 'unreachable', node: env.node }));
    assert.equal(unreachable.reason, 'unreachable');
    assert.match(unreachable.message, /context "unreachable" \(ECONNREFUSED\)/);
    const rejected = await failure(openBridgeNodeAccess({ explicitPath: env.kubeconfig, context: 'bad-token', node: env.node }));
    assert.equal(rejected.reason, 'forbidden');
    assert.match(rejected.message, /context "bad-token" rejected the credentials/);
    for (const error of [unreachable, rejected]) assert.ok(!error.message.includes(env.standIn.token) && !error.message.includes('not-the-token'));
    const missing = await failure(openBridgeNodeAccess({ explicitPath: env.kubeconfig, context: 'nope', node: env.node }));
    assert.equal(missing.reason, 'not-found');
  });

  it('lists only bridge pods by label (selector shared with the README)', () => {
    assert.equal(BRIDGE_SELECTOR, 'app.kubernetes.io/managed-by=kube-node-doctor,app.kubernetes.io/component=node-bridge');
    assert.match(DEFAULT_BRIDGE_IMAGE, /socat/);
  });
});

export type { BridgeNodeAccess };
