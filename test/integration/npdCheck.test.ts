// `kube-node-doctor npd-check CONDITION` (the node-problem-detector plugin) on the real runtime: each condition on a
// seeded and a healthy node, the cache shared by the four checks of an interval, Unknown within the timeout on a dead or
// silent socket, and a Docker node.
import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CriRuntime } from '../../src/core/cri/types';
import { NPD_CONDITIONS } from '../../src/core/npd/protocol';
import type { NpdCondition } from '../../src/core/npd/protocol';
import { startLabStandIn, labPaths } from '../standin/labStandIn';
import type { LabStandIn } from '../standin/labStandIn';
import { runCli } from './support/cliRun';
import type { CliRun } from './support/cliRun';
import { DockerNode, dockerLabEnv } from './support/dockerLab';
import { cacheFilePath, cleanupAll, labCri, labEnv, removeSandboxUnderneath, requireLab, restartContainerd, runExitedContainer, runSandbox, startContainer } from './support/lab';

/** The lab as a node: the same flags the CLI tests use. */
function nodeFlags(): string[] {
  const lab = requireLab();
  return ['--runtime-endpoint', lab.endpoint, '--cni-cache-dir', lab.cniCacheDir, '--cni-conf-dir', lab.cniConfDir, ...(lab.hostRoot ? ['--host-root', lab.hostRoot] : [])];
}

/** The cache record a check wrote (one file per set of flags in the directory). */
function cacheRecord(dir: string): { generation: number; pid: number; answers: Record<NpdCondition, { status: string; summary: string }> } {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
  assert.equal(files.length, 1, `one cache file in ${dir}: ${files.join(', ')}`);
  return JSON.parse(fs.readFileSync(path.join(dir, files[0]), 'utf8')) as ReturnType<typeof cacheRecord>;
}

/** NPD's protocol, whatever the answer: exit 0/1/2 and exactly one stdout line of at most 200 bytes. */
function assertProtocol(run: CliRun, what: string): string {
  assert.ok([0, 1, 2].includes(run.code), `${what}: exit ${run.code}\n${run.stderr}`);
  assert.ok(run.stdout.endsWith('\n') && run.stdout.indexOf('\n') === run.stdout.length - 1, `${what}: one stdout line, got ${JSON.stringify(run.stdout)}`);
  assert.ok(Buffer.byteLength(run.stdout.trimEnd(), 'utf8') <= 200, `${what}: ${run.stdout}`);
  return run.stdout.trimEnd();
}

describe('kube-node-doctor npd-check (node-problem-detector plugin) on the real runtime', function () {
  this.timeout(180_000);
  let cri: CriRuntime;
  let work: string;
  let api: LabStandIn;
  const apiEnv = (): NodeJS.ProcessEnv => {
    const env = { ...process.env };
    delete env.KUBERNETES_SERVICE_HOST;
    delete env.KUBECONFIG;
    delete env.NODE_NAME;
    return env;
  };
  /** npd-check with the lab's node flags, the API stand-in for StuckSandbox and a cache dir of the test's own. */
  const check = (condition: string, cacheDir: string, extra: string[] = []): Promise<CliRun> => runCli(
    ['npd-check', condition, ...nodeFlags(), '--kubeconfig', api.kubeconfig, '--node-name', api.node, '--cache-dir', cacheDir, ...extra], apiEnv(),
  );

  before(async function () {
    const paths = labPaths();
    if (!labEnv() || !paths) this.skip();
    cri = labCri();
    await cleanupAll();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-npd-'));
    api = await startLabStandIn(paths);
  });
  after(async () => {
    if (!labEnv()) return;
    await cleanupAll();
    cri?.close();
    await api?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('answers OK (exit 0) for every condition on a healthy node, from one inventory', async () => {
    const uid = randomUUID();
    const sandbox = await runSandbox({ name: 'web-0', namespace: 'knd-npd', uid });
    await startContainer(sandbox, 'app', ['sleep', '600']);
    api.standIn.workloadPods.push({ metadata: { name: 'web-0', namespace: 'knd-npd', uid }, spec: { nodeName: api.node }, status: { phase: 'Running' } });
    const dir = path.join(work, 'healthy');
    for (const condition of NPD_CONDITIONS) {
      const run = await check(condition, dir);
      const summary = assertProtocol(run, condition);
      assert.equal(run.code, 0, `${condition}: ${summary}\n${run.stderr}`);
    }
    const record = cacheRecord(dir);
    assert.equal(record.generation, 1, 'four checks, one inventory');
    assert.match(record.answers.StuckSandbox.summary, /^No Ready sandbox of a deleted pod \(1 Ready sandbox, 1 pod on the node in the API\)$/);
    assert.match(record.answers.CNICacheCorrupt.summary, /^No unreadable CNI cache file/);
  });

  it('answers True (exit 1) for each condition on a seeded node, naming the objects', async () => {
    await cleanupAll();
    api.standIn.workloadPods.length = 0;
    // Seed 001: the sandbox's cache file emptied, then a stop that fails on it (NotReady, file read on every retry).
    const seeded = await runSandbox({ name: 'seed-001', namespace: 'knd-npd' });
    fs.truncateSync(cacheFilePath('cbr0', seeded, 'eth0'), 0);
    await cri.stopPodSandbox(seeded).catch(() => undefined);
    // A pile-up: one pod with 3 NotReady sandboxes and 4 exited containers (7 dead objects > 5).
    const pile: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = await runSandbox({ name: 'report-worker-0', namespace: 'batch', attempt: i });
      pile.push(id);
    }
    for (let i = 0; i < 4; i++) await runExitedContainer(pile[0], `step-${i}`, 1);
    for (const id of pile) await cri.stopPodSandbox(id);
    // An orphan: an exited container whose sandbox was removed underneath CRI.
    const doomed = await runSandbox({ name: 'agent-x', namespace: 'knd-npd' });
    const orphan = await runExitedContainer(doomed, 'agent', 0);
    await removeSandboxUnderneath(doomed);
    // A stuck sandbox: Ready, while the API has had its pod Terminating for 10 minutes.
    const stuckUid = randomUUID();
    const stuck = await runSandbox({ name: 'web-stuck', namespace: 'knd-npd', uid: stuckUid });
    api.standIn.workloadPods.push({
      metadata: { name: 'web-stuck', namespace: 'knd-npd', uid: stuckUid, deletionTimestamp: new Date(Date.now() - 600_000).toISOString(), deletionGracePeriodSeconds: 30 },
      spec: { nodeName: api.node }, status: { phase: 'Running' },
    });

    const dir = path.join(work, 'seeded');
    const expected: Record<NpdCondition, RegExp> = {
      CNICacheCorrupt: new RegExp(`^1 empty CNI cache file blocks teardown: sandbox ${seeded.slice(0, 12)}$`),
      SandboxBacklog: /^\d+ dead objects \(\d+ NotReady sandboxes, \d+ exited containers\), most in batch\/report-worker-0 \(7\)$/,
      OrphanContainers: new RegExp(`^1 orphan container whose sandbox is gone: ${orphan.slice(0, 12)} \\(agent\\)$`),
      StuckSandbox: new RegExp(`^1 sandbox still Ready after its pod was deleted: knd-npd/web-stuck \\(${stuck.slice(0, 12)}\\)$`),
    };
    for (const condition of NPD_CONDITIONS) {
      const run = await check(condition, dir);
      const summary = assertProtocol(run, condition);
      assert.equal(run.code, 1, `${condition}: ${summary}\n${run.stderr}`);
      assert.match(summary, expected[condition]);
    }
    assert.equal(cacheRecord(dir).generation, 1);

    // Without API access StuckSandbox cannot be proven either way: Unknown, the reason in the message.
    const blind = await runCli(['npd-check', 'StuckSandbox', ...nodeFlags(), '--cache-dir', 'off'], apiEnv());
    assert.equal(blind.code, 2);
    assert.match(assertProtocol(blind, 'blind'), /^Unknown: no node name to ask the API which pods are gone/);
    const noApi = await runCli(['npd-check', 'StuckSandbox', ...nodeFlags(), '--cache-dir', 'off', '--node-name', api.node], apiEnv());
    assert.equal(noApi.code, 2);
    assert.match(assertProtocol(noApi, 'no API'), /^Unknown: no API access to tell which pods are gone/);
    // The other conditions do not need the API.
    const orphans = await runCli(['npd-check', 'OrphanContainers', ...nodeFlags(), '--cache-dir', 'off'], apiEnv());
    assert.equal(orphans.code, 1);
  });

  it('shares one inventory among four checks started together (the cache records one read; one check says it read it)', async () => {
    const dir = path.join(work, 'shared');
    const runs = await Promise.all(NPD_CONDITIONS.map((c) => check(c, dir)));
    runs.forEach((run, i) => assertProtocol(run, NPD_CONDITIONS[i]));
    const record = cacheRecord(dir);
    assert.equal(record.generation, 1, 'one inventory for four checks');
    const readers = runs.filter((r) => /: read the inventory in /.test(r.stderr));
    assert.equal(readers.length, 1, runs.map((r) => r.stderr).join('\n'));
    assert.match(readers[0].stderr, /inventory #1 of this cache; containerd /);
    assert.equal(runs.filter((r) => new RegExp(`answered from the inventory pid ${record.pid} read `).test(r.stderr)).length, 3);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => !f.endsWith('.json')), [], 'no lock or temporary file left');
    // Past the TTL, the next interval reads again and counts it.
    const later = await check('OrphanContainers', dir, ['--cache-ttl', '1ms']);
    assert.match(later.stderr, /read the inventory in .*inventory #2 of this cache/);
    assert.equal(cacheRecord(dir).generation, 2);
  });

  it('answers Unknown (exit 2) within the timeout on a dead socket and on one that never answers', async () => {
    // A socket file nobody listens on (connection refused).
    const dead = path.join(work, 'dead.sock');
    await new Promise<void>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(dead, () => {
        fs.linkSync(dead, `${dead}.keep`);
        server.close(() => { fs.renameSync(`${dead}.keep`, dead); resolve(); });
      });
    });
    // A socket that accepts and never says a word (a runtime hung in its gRPC server).
    const silentPath = path.join(work, 'silent.sock');
    const held: net.Socket[] = [];
    const silent = net.createServer((socket) => { held.push(socket); });
    await new Promise<void>((resolve) => silent.listen(silentPath, resolve));
    try {
      for (const [name, socket] of [['dead', dead], ['silent', silentPath]] as const) {
        const dir = path.join(work, `unknown-${name}`);
        const started = Date.now();
        const runs = await Promise.all(NPD_CONDITIONS.map((c) => runCli(['npd-check', c, '--runtime-endpoint', `unix://${socket}`, '--cni-cache-dir', path.join(work, 'no-cni'), '--cache-dir', dir, '--timeout', '3s'], apiEnv())));
        const elapsed = Date.now() - started;
        for (const [i, run] of runs.entries()) {
          const summary = assertProtocol(run, `${name} ${NPD_CONDITIONS[i]}`);
          assert.equal(run.code, 2, `${name}: ${summary}`);
          assert.match(summary, name === 'dead' ? /^Unknown: cannot reach the container runtime at unix:\/\/.*dead\.sock/ : /^Unknown: no inventory within \d+\.\d s: the container runtime at unix:\/\/.*silent\.sock did not answer in time$/);
        }
        // 3 s per check, and the four share one attempt; the start-up of 4 processes on a busy machine on top.
        assert.ok(elapsed < 3_000 + 2_000, `${name}: ${elapsed} ms`);
        assert.equal(cacheRecord(dir).generation, 1, `${name}: the Unknown answer is shared too`);
      }
    } finally {
      for (const s of held) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('calls a list the runtime refuses to send whole a backlog (containerd restarted with an 8 KiB send cap)', async () => {
    await cleanupAll();
    const lab = requireLab();
    const padding = { 'knd.test/padding': 'x'.repeat(2048) };
    for (let i = 0; i < 8; i++) {
      const id = await runSandbox({ name: `cron-${i}`, namespace: 'knd-npd-cron', annotations: padding, hostNetwork: true });
      await cri.stopPodSandbox(id);
    }
    cri.close();
    restartContainerd({ KND_GRPC_MAX_MSG: String(8 * 1024) });
    try {
      cri = labCri();
      const run = await check('SandboxBacklog', path.join(work, 'capped'), ['--containerd-root', path.join(lab.labDir, 'root'), '--containerd-state', path.join(lab.labDir, 'state')]);
      const summary = assertProtocol(run, 'capped');
      assert.equal(run.code, 1, `${summary}\n${run.stderr}`);
      assert.match(summary, /ListPodSandbox ≈ 0\.0 MiB \(\d+% of 8 KiB send cap this runtime stated\)/);
      assert.match(summary, /ListPodSandbox refused whole \(read by-\w+\)/);
    } finally {
      cri.close();
      restartContainerd({ KND_GRPC_MAX_MSG: String(16 * 1024 * 1024) });
      cri = labCri();
    }
  });

  it('says bad usage in the message and exits 2, answers without a cache directory it cannot make, and prints its help with exit 0', async () => {
    const bad = await runCli(['npd-check', 'CNICacheCorupt']);
    assert.equal(bad.code, 2);
    assert.match(assertProtocol(bad, 'bad'), /^Unknown: bad usage of kube-node-doctor npd-check: unknown condition "CNICacheCorupt"/);
    const badFlag = await runCli(['npd-check', 'CNICacheCorrupt', '--no-such-flag', 'x', '--cache-dir', 'off']);
    assert.equal(badFlag.code, 2);
    assert.match(assertProtocol(badFlag, 'bad flag'), /^Unknown: bad usage of kube-node-doctor npd-check: unknown option "--no-such-flag"/);
    // A cache directory that cannot be made (mkdir under /proc answers ENOENT): the check answers without the cache.
    const noCache = await runCli(['npd-check', 'OrphanContainers', ...nodeFlags(), '--cache-dir', '/proc/knd-npd-no-such/cache']);
    assert.equal(noCache.code, 0, noCache.stderr);
    assert.match(noCache.stderr, /cache \/proc\/knd-npd-no-such\/cache not usable \(ENOENT.*\); reading the inventory for this check alone/);
    const help = await runCli(['npd-check', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^usage: kube-node-doctor npd-check CONDITION/);
    assert.match(help.stdout, /--runtime-endpoint unix:\/\/\/PATH/);
  });
});

describe('kube-node-doctor npd-check on a Docker node', function () {
  this.timeout(120_000);
  let node: DockerNode;
  let dir: string;

  before(async function () {
    const env = dockerLabEnv();
    if (!env) this.skip();
    node = new DockerNode(env);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-npd-docker-'));
  });
  after(async () => {
    await node?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers the same conditions from dockerd and dockershim\'s checkpoints: a seed-004 orphan, an empty cache file', async () => {
    const [healthy, seed] = await Promise.all([
      node.startPod({ name: 'web-7664b4dd7-db8zt', containers: { nginx: ['sleep', '600'] } }),
      node.startPod({ name: 'nginx-one-77fbc7959f-xcmvw', namespace: 'accounting', containers: { nginx: ['sleep', '600'] } }),
    ]);
    const flags = ['--host-root', node.hostRoot, '--cache-dir', dir];
    const before = await Promise.all(['CNICacheCorrupt', 'OrphanContainers'].map((c) => runCli(['npd-check', c, ...flags])));
    assert.deepEqual(before.map((r) => r.code), [0, 0], before.map((r) => r.stdout + r.stderr).join('\n'));
    // Seed 004: the podsandbox container and its checkpoint removed; the workload container stays. And seed 001's file.
    await node.docker('rm', '-f', seed.sandboxId);
    fs.rmSync(node.host(seed.checkpoint));
    fs.writeFileSync(node.host(`/var/lib/cni/cache/results/cbr0-${healthy.sandboxId}-eth0`), '');
    const after = new Map<string, CliRun>();
    for (const c of NPD_CONDITIONS) after.set(c, await runCli(['npd-check', c, ...flags, '--cache-ttl', '1ms']));
    const orphans = after.get('OrphanContainers') as CliRun;
    assert.equal(orphans.code, 1, orphans.stderr);
    assert.match(assertProtocol(orphans, 'docker orphans'), new RegExp(`^1 orphan container whose sandbox is gone: ${seed.containerIds.nginx.slice(0, 12)} \\(nginx\\)$`));
    const cache = after.get('CNICacheCorrupt') as CliRun;
    assert.equal(cache.code, 1, cache.stderr);
    assert.match(assertProtocol(cache, 'docker cache'), new RegExp(`^1 empty CNI cache file blocks teardown: sandbox ${healthy.sandboxId.slice(0, 12)}$`));
    assert.match(cache.stderr, /libcni version of docker .* not known here: assuming/);
    assert.equal((after.get('SandboxBacklog') as CliRun).code, 0);
    assert.equal((after.get('StuckSandbox') as CliRun).code, 2, 'no API access: Unknown');
  });
});
