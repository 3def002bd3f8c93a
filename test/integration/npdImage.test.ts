// The kube-node-doctor image run as containers on the lab's real containerd, the way deploy/ runs it under
// node-problem-detector: (1) the image as the initContainer, `install --to /opt/kube-node-doctor` into a host directory
// standing for the emptyDir; (2) NPD's container stood in for by a root filesystem holding nothing but glibc, with an
// empty environment, the emptyDir mounted read-only at /opt/kube-node-doctor, the runtime socket's directory at
// /run/containerd and the CNI cache at /var/lib/cni (read-only, as the manifests mount them) and the shared answers'
// emptyDir at /run/kube-node-doctor; each rule of deploy/kustomize/base/kube-node-doctor-monitor.json is run there with its
// own path and args. StuckSandbox asks an API stand-in on loopback (the container shares the host network; a kubeconfig
// and --node-name replace the in-cluster service account and NODE_NAME). Every container runs under the CPU and memory
// limits deploy/ gives it.
// Builds dist/kube-node-doctor-image.tar (npm run build:image) when it is missing.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as yaml from 'js-yaml';
import * as os from 'node:os';
import * as path from 'node:path';
import { cacheFilePath, labEnv, repoRoot, requireLab, runExitedContainer, runSandbox, startContainer } from './support/lab';
import { stopError, useLabRuntime } from './support/labNode';

const NAMESPACE = 'knd-npd-image';
const IMAGE_TAR = path.join(repoRoot(), 'dist', 'kube-node-doctor-image.tar');
const NODE_NAME = 'lab-node';

/** `ctr run` flags for a container's CPU and memory limits as the manifest writes them ("500m", "256Mi"). */
function limitFlags(limits: { cpu?: string; memory?: string }): string[] {
  const flags: string[] = [];
  if (limits.cpu) flags.push('--cpus', String(limits.cpu.endsWith('m') ? Number(limits.cpu.slice(0, -1)) / 1000 : Number(limits.cpu)));
  const mem = /^(\d+)(Mi|Gi)$/.exec(limits.memory ?? '');
  if (mem) flags.push('--memory-limit', String(Number(mem[1]) * (mem[2] === 'Gi' ? 1024 ** 3 : 1024 ** 2)));
  return flags;
}

/** The CPU/memory limits deploy/ gives NPD's container (where the plugin runs) and the initContainer. */
function manifestLimits(): { npd: string[]; init: string[] } {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a YAML document walked by known paths
  const patch = yaml.load(fs.readFileSync(path.join(repoRoot(), 'deploy', 'kustomize', 'base', 'daemonset-patch.yaml'), 'utf8')) as any;
  const spec = patch.spec.template.spec;
  return { npd: limitFlags(spec.containers[0].resources.limits), init: limitFlags(spec.initContainers[0].resources.limits) };
}

interface Rule {
  readonly condition: string;
  readonly path: string;
  readonly args: string[];
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function ctr(args: readonly string[], timeoutMs = 60_000): Run {
  const lab = requireLab();
  const r = spawnSync('ctr', ['-a', lab.socket, '-n', NAMESPACE, ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** ctr without blocking the event loop (the API stand-in answers from this process meanwhile). */
function ctrAsync(args: readonly string[], timeoutMs: number): Promise<Run> {
  const lab = requireLab();
  return new Promise((resolve) => {
    const child = spawn('ctr', ['-a', lab.socket, '-n', NAMESPACE, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.on('error', (error) => resolve({ code: null, stdout, stderr: `${stderr}${error.message}` }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The root filesystem layer of a one-layer OCI image tar, extracted into `dir`. */
function extractLayer(imageTar: string, dir: string): void {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-layout-'));
  try {
    assert.equal(spawnSync('tar', ['-xf', imageTar, '-C', work]).status, 0);
    const blob = (digest: string): string => path.join(work, 'blobs', 'sha256', digest.replace(/^sha256:/, ''));
    const index = JSON.parse(fs.readFileSync(path.join(work, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    const manifest = JSON.parse(fs.readFileSync(blob(index.manifests[0].digest), 'utf8')) as { layers: { digest: string }[] };
    assert.equal(manifest.layers.length, 1);
    fs.mkdirSync(dir, { recursive: true });
    assert.equal(spawnSync('tar', ['-xf', blob(manifest.layers[0].digest), '-C', dir]).status, 0);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Every regular file under `dir`, relative, sorted. */
function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.lstatSync(path.join(dir, f)).isFile()).sort();
}

/** A pod as the API lists it. */
interface ApiPod {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly deletionTimestamp?: string;
}

describe('the kube-node-doctor image on the real containerd, as node-problem-detector runs it', function () {
  this.timeout(300_000);
  const runtime = useLabRuntime();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-npd-image-'));
  const emptyDir = path.join(work, 'emptydir-bin');
  const npdRoot = path.join(work, 'npd-rootfs');
  const kubeconfig = path.join(work, 'kubeconfig');
  let apiPods: ApiPod[] = [];
  let server: http.Server | undefined;
  let rules: Rule[] = [];
  let imageName = '';
  let runs = 0;

  before(async function () {
    if (!labEnv()) this.skip();
    if (!fs.existsSync(IMAGE_TAR)) {
      const build = spawnSync(process.execPath, [path.join(repoRoot(), 'packaging', 'buildImage.mjs')], { encoding: 'utf8', timeout: 240_000 });
      if (build.status !== 0) {
        const why = (build.stderr ?? '').trim().split('\n').pop() ?? `exit ${build.status}`;
        if (/cannot build the single executable: needs/.test(why) && process.env.CI !== 'true') {
          const line = `SKIPPED: the kube-node-doctor image cannot be built here: ${why}`;
          console.log(`\n${'!'.repeat(line.length)}\n${line}\n${'!'.repeat(line.length)}`);
          this.skip();
        }
        throw new Error(`npm run build:image failed: ${build.stderr}`);
      }
    }
    const glibcTar = path.join(work, 'glibc-only.tar');
    const glibc = spawnSync(process.execPath, [path.join(repoRoot(), 'packaging', 'buildImage.mjs'), '--glibc-only', '--out', glibcTar], { encoding: 'utf8', timeout: 240_000 });
    assert.equal(glibc.status, 0, glibc.stderr);
    extractLayer(glibcTar, npdRoot);
    const imported = ctr(['images', 'import', IMAGE_TAR], 120_000);
    assert.equal(imported.code, 0, imported.stderr);
    imageName = ctr(['images', 'ls', '-q']).stdout.split('\n').find((n) => n.startsWith('localhost/kube-node-doctor:')) ?? '';
    assert.ok(imageName, 'the image is imported under its own name');

    const monitor = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'deploy', 'kustomize', 'base', 'kube-node-doctor-monitor.json'), 'utf8')) as { rules: Rule[] };
    rules = monitor.rules;
    // The API stand-in: the pods on NODE_NAME (GET /api/v1/pods?fieldSelector=spec.nodeName=…), nothing else.
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://stand-in');
      if (req.method === 'GET' && url.pathname === '/api/v1/pods' && url.searchParams.get('fieldSelector') === `spec.nodeName=${NODE_NAME}`) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({
          kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '1' },
          items: apiPods.map((p) => ({ metadata: { name: p.name, namespace: p.namespace, uid: p.uid, ...(p.deletionTimestamp ? { deletionTimestamp: p.deletionTimestamp, deletionGracePeriodSeconds: 30 } : {}) }, spec: { nodeName: NODE_NAME }, status: { phase: 'Running' } })),
        }));
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404, reason: 'NotFound' }));
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    // client-node refuses plain http unless insecure-skip-tls-verify is set (the stand-in serves http on loopback).
    fs.writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters:\n- name: lab\n  cluster:\n    server: http://127.0.0.1:${port}\n    insecure-skip-tls-verify: true\nusers:\n- name: lab\n  user:\n    token: lab-token\ncontexts:\n- name: lab\n  context:\n    cluster: lab\n    user: lab\ncurrent-context: lab\n`);
  });

  after(() => {
    server?.close();
    if (labEnv()) {
      for (const id of ctr(['containers', 'ls', '-q']).stdout.split('\n').filter(Boolean)) ctr(['containers', 'rm', id]);
      if (imageName) ctr(['images', 'rm', imageName]);
    }
    fs.rmSync(work, { recursive: true, force: true });
  });

  /** Runs one deploy rule in NPD's stand-in container: glibc-only root, empty environment, the manifests' mounts. */
  async function npdRule(condition: string, cacheDir: string): Promise<Run> {
    const lab = requireLab();
    const rule = rules.find((r) => r.condition === condition);
    assert.ok(rule, `deploy has a rule for ${condition}`);
    const id = `npd-${condition.toLowerCase()}-${++runs}`;
    const mount = (src: string, dst: string, mode: 'ro' | 'rw'): string[] => ['--mount', `type=bind,src=${src},dst=${dst},options=rbind:${mode}`];
    const run = await ctrAsync([
      'run', '--rm', '--net-host', '--cgroup', `${lab.cgroupParent}/${id}`, ...manifestLimits().npd, '--rootfs',
      ...mount(emptyDir, '/opt/kube-node-doctor', 'ro'),
      ...mount(path.dirname(lab.socket), '/run/containerd', 'ro'),
      ...mount(lab.cniCacheDir, '/var/lib/cni', 'ro'),
      ...mount(cacheDir, '/run/kube-node-doctor', 'rw'),
      ...mount(kubeconfig, '/etc/kube-node-doctor-test/kubeconfig', 'ro'),
      npdRoot, id, rule.path, ...rule.args, '--kubeconfig', '/etc/kube-node-doctor-test/kubeconfig', '--node-name', NODE_NAME,
    ], 60_000);
    assert.ok(run.code !== null, `ctr run ${id} did not finish: ${run.stderr}`);
    return run;
  }

  function assertAnswer(run: Run, code: number, pattern: RegExp, condition: string): void {
    const lines = run.stdout.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 1, `${condition}: one stdout line, got ${JSON.stringify(run.stdout)} (stderr ${run.stderr})`);
    assert.ok(Buffer.byteLength(lines[0]) <= 200, `${condition}: summary of at most 200 bytes`);
    assert.equal(run.code, code, `${condition}: exit ${run.code}, stdout ${lines[0]}, stderr ${run.stderr}`);
    assert.match(lines[0], pattern, condition);
  }

  it('the image (glibc and the shipped files only) installs the executable into the emptyDir as the initContainer', () => {
    const lab = requireLab();
    fs.mkdirSync(emptyDir, { recursive: true });
    const limits = manifestLimits();
    assert.deepEqual([limits.init, limits.npd], [['--memory-limit', String(256 * 1024 ** 2)], ['--cpus', '1', '--memory-limit', String(384 * 1024 ** 2)]]);
    const run = ctr(['run', '--rm', '--cgroup', `${lab.cgroupParent}/npd-install`, ...limits.init, '--mount', `type=bind,src=${emptyDir},dst=/opt/kube-node-doctor,options=rbind:rw`,
      imageName, 'npd-install', '/kube-node-doctor/kube-node-doctor', 'install', '--to', '/opt/kube-node-doctor'], 120_000);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^installed \/opt\/kube-node-doctor\/kube-node-doctor \(\d+\.\d MB\) and 4 files in \/opt\/kube-node-doctor\/kube-node-doctor-libs\/\n$/);
    assert.deepEqual(filesUnder(emptyDir), ['kube-node-doctor', 'kube-node-doctor-libs/libgcc-s1.copyright', 'kube-node-doctor-libs/libgcc_s.so.1', 'kube-node-doctor-libs/libstdc++.so.6', 'kube-node-doctor-libs/libstdc++6.copyright']);
    assert.equal(fs.statSync(path.join(emptyDir, 'kube-node-doctor')).mode & 0o777, 0o755);
    // The installed copy runs in NPD's stand-in with an empty environment (the container's spec has no env at all).
    const id = 'npd-version';
    const version = ctr(['run', '--cgroup', `${lab.cgroupParent}/${id}`, ...limits.npd, '--rootfs', '--mount', `type=bind,src=${emptyDir},dst=/opt/kube-node-doctor,options=rbind:ro`,
      npdRoot, id, '/opt/kube-node-doctor/kube-node-doctor', '--version']);
    const spec = JSON.parse(ctr(['containers', 'info', id]).stdout) as { Spec: { process: { env?: string[] }; linux: { resources: { memory?: { limit?: number }; cpu?: { quota?: number; period?: number } } } } };
    ctr(['containers', 'rm', id]);
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stdout, /^kube-node-doctor \d+\.\d+\.\d+\n$/);
    assert.deepEqual(spec.Spec.process.env ?? [], [], 'empty environment');
    const resources = spec.Spec.linux.resources;
    assert.equal(resources.memory?.limit, 384 * 1024 ** 2, 'NPD container\'s memory limit from deploy/');
    assert.equal((resources.cpu?.quota ?? 0) / (resources.cpu?.period ?? 1), 1, 'and its CPU limit');
    // NPD's stand-in holds glibc's files and nothing else: no libstdc++, no shell, no Node.js.
    const rootFiles = filesUnder(npdRoot);
    assert.deepEqual(rootFiles.filter((f) => !/^(etc\/(passwd|group)|lib\/x86_64-linux-gnu\/lib(c|m|dl|pthread)\.so\.[0-9]|lib64\/ld-linux-x86-64\.so\.2|usr\/share\/doc\/libc6\/copyright)$/.test(f)), []);
  });

  it('answers every condition False on a healthy node (exit 0), the four sharing one inventory', async () => {
    const healthy = { name: 'web-0', namespace: 'npd-image', uid: randomUUID() };
    const id = await runSandbox(healthy);
    await startContainer(id, 'web', ['sleep']);
    apiPods = [healthy];
    const cacheDir = fs.mkdtempSync(path.join(work, 'cache-'));
    const answers = new Map<string, Run>();
    for (const condition of ['CNICacheCorrupt', 'SandboxBacklog', 'OrphanContainers', 'StuckSandbox']) answers.set(condition, await npdRule(condition, cacheDir));
    assertAnswer(answers.get('CNICacheCorrupt') as Run, 0, /^No unreadable CNI cache file/, 'CNICacheCorrupt');
    assertAnswer(answers.get('SandboxBacklog') as Run, 0, /0 NotReady sandboxes, 0 exited containers/, 'SandboxBacklog');
    assertAnswer(answers.get('OrphanContainers') as Run, 0, /^No orphan container \(1 container, 1 sandbox\)/, 'OrphanContainers');
    assertAnswer(answers.get('StuckSandbox') as Run, 0, /^No Ready sandbox of a deleted pod \(1 Ready sandbox, 1 pod on the node in the API\)/, 'StuckSandbox');
    const read = [...answers.values()].filter((r) => /read the inventory/.test(r.stderr)).length;
    assert.equal(read, 1, `one check read the inventory, the others answered from the shared cache (stderr: ${[...answers.values()].map((r) => r.stderr.trim()).join(' | ')})`);
  });

  it('answers every condition True on a seeded node (exit 1), naming what it found', async () => {
    const lab = requireLab();
    // CNICacheCorrupt: the seed bug, a 0-byte cache file and a StopPodSandbox that fails on it.
    const seed = await runSandbox({ name: 'api-0', namespace: 'npd-image', uid: randomUUID() });
    fs.truncateSync(cacheFilePath(lab.network, seed, 'eth0'), 0);
    assert.match((await stopError(runtime.cri, seed)).details, /cached result: decoding version from network config: unexpected end of JSON input/);
    // SandboxBacklog: one pod with 6 exited containers (more than 5 dead objects for one pod).
    const pile = await runSandbox({ name: 'worker-0', namespace: 'npd-image', uid: randomUUID() });
    for (let i = 0; i < 6; i++) await runExitedContainer(pile, `step-${i}`, 1);
    // OrphanContainers: an exited container whose sandbox was removed underneath CRI.
    const orphanSandbox = await runSandbox({ name: 'agent-0', namespace: 'npd-image', uid: randomUUID() });
    const orphan = await runExitedContainer(orphanSandbox, 'agent', 2);
    await runtime.removeSandboxUnderneath(orphanSandbox);
    // StuckSandbox: a Ready sandbox whose pod the API shows deleted five minutes ago.
    const stuckPod = { name: 'db-0', namespace: 'npd-image', uid: randomUUID() };
    const stuck = await runSandbox(stuckPod);
    apiPods = [{ ...stuckPod, deletionTimestamp: new Date(Date.now() - 300_000).toISOString() }];

    const cacheDir = fs.mkdtempSync(path.join(work, 'cache-'));
    assertAnswer(await npdRule('CNICacheCorrupt', cacheDir), 1, new RegExp(seed.slice(0, 12)), 'CNICacheCorrupt');
    assertAnswer(await npdRule('SandboxBacklog', cacheDir), 1, /npd-image\/worker-0 \(6\)/, 'SandboxBacklog');
    assertAnswer(await npdRule('OrphanContainers', cacheDir), 1, new RegExp(`1 orphan container whose sandbox is gone: ${orphan.slice(0, 12)} \\(agent\\)`), 'OrphanContainers');
    assertAnswer(await npdRule('StuckSandbox', cacheDir), 1, new RegExp(`npd-image/db-0 \\(${stuck.slice(0, 12)}\\)`), 'StuckSandbox');
  });
});
