// Seeds a running runtime lab (test/harness/runtime/up.sh, its KND_* lines in the environment) with the failures the
// sidebar's "Local node" is about, on the REAL runtime, and writes a demo workspace that points the extension at it.
//   (a) seed bug: a NotReady sandbox whose CNI result cache file is 0 bytes (truncated, then StopPodSandbox, which
//       fails with containerd's own "failed to get network \"cbr0\" cached result: ... unexpected end of JSON input")
//   (b) orphan: an exited container whose sandbox was removed underneath CRI (its cache files leak too)
//   (c) pile-up: one pod name with 8 NotReady sandboxes and 40 exited containers
//   (d) leaked cache file: a sandbox removed underneath CRI with no container (file, IP and netns left)
//   plus two healthy Ready sandboxes with a running container each.
// The lab is emptied first (every sandbox and container of it), so seeding again starts over.
// Workspace: a copy of test/fixtures/demo, logs/node-demo.log (kubelet + containerd journal lines naming the real IDs,
// line formats from test/fixtures/logs) and .vscode/settings.json (the local node = the lab, as the CLI tests map it).
// Needs `npm run compile-tests` (reuses out/test/integration/support/lab.js). Prints a JSON summary on stdout.
// Usage: set -a; eval "$(bash test/harness/runtime/up.sh)"; set +a; node test/harness/demo/seed.mjs <workspace dir>
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const DEMO_NODE_NAME = 'demo-node (lab)';
/** The host name written into the demo log's journal prefix. */
const LOG_HOST = 'demo-node';

function say(message) {
  process.stderr.write(`[demo-seed] ${message}\n`);
}

function loadLab() {
  const file = path.join(repoRoot, 'out/test/integration/support/lab.js');
  if (!fs.existsSync(file)) throw new Error(`${path.relative(repoRoot, file)} is missing: run "npm run compile-tests" first`);
  return createRequire(import.meta.url)(file);
}

/** Runs `work(i)` for i in [0, count) with at most `width` at once. */
async function pool(count, width, work) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, count) }, async () => {
    while (next < count) await work(next++);
  }));
}

/**
 * The workspace must not land in the repository's tracked files, and is replaced only when it is empty or an earlier
 * demo workspace (never wipe a directory someone named by mistake).
 */
function checkWorkspace(dir) {
  const relative = path.relative(repoRoot, dir);
  if (!relative.startsWith('..') && !path.isAbsolute(relative) && !relative.startsWith('.cache')) {
    throw new Error(`refusing to write the demo workspace inside the repository (${dir}); give a directory elsewhere, e.g. /tmp/knd-demo/workspace`);
  }
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0 && !fs.existsSync(path.join(dir, 'logs/node-demo.log'))) {
    throw new Error(`refusing to replace ${dir}: it is not empty and not an earlier demo workspace (no logs/node-demo.log)`);
  }
}

/**
 * Seeds the lab named by process.env (KND_*) and writes the workspace. Returns the summary (IDs and paths).
 * Exported for tests that seed in-process; `startDemoNode` (demoNode.mjs) runs this file as a child process instead.
 */
export async function seedDemoNode(workspace) {
  const started = performance.now();
  workspace = path.resolve(workspace);
  checkWorkspace(workspace);
  const lab = loadLab();
  const env = lab.requireLab();
  say(`emptying the lab ${env.labDir}`);
  await lab.cleanupAll();
  let cri = lab.labCri();
  const reopen = () => {
    cri.close();
    cri = lab.labCri();
  };

  // Healthy: Ready sandboxes with a running container each.
  say('healthy pods');
  const healthy = [];
  for (const [name, namespace, container] of [['web-0', 'default', 'web'], ['coredns-5d78c9869d-8xk2p', 'kube-system', 'coredns']]) {
    const uid = randomUUID();
    const sandboxId = await lab.runSandbox({ name, namespace, uid });
    const containerId = await lab.startContainer(sandboxId, container, ['sleep']);
    healthy.push({ pod: `${namespace}/${name}`, uid, sandboxId, containerId });
  }

  // (a) The seed bug: the cache file is emptied, then the stop fails in the CNI DEL and leaves the sandbox NotReady.
  say('seed bug: 0-byte CNI cache file, failing StopPodSandbox');
  const seedPod = { name: 'api-7d9f8b6c5-x2x4q', namespace: 'default', uid: randomUUID() };
  const seedId = await lab.runSandbox(seedPod);
  const seedContainer = await lab.runExitedContainer(seedId, 'api', 137);
  const cacheFile = lab.cacheFilePath(env.network, seedId, 'eth0');
  fs.truncateSync(cacheFile, 0);
  let stopError;
  try {
    await cri.stopPodSandbox(seedId);
  } catch (error) {
    stopError = error;
  }
  if (!stopError) throw new Error(`StopPodSandbox of ${seedId} succeeded although its cache file is empty (CNI version below 0.4.0?)`);
  const stopDetails = stopError.details ?? stopError.message;
  const stopGrpcText = stopError.grpcText ?? stopError.message;
  if (!/cached result: decoding version from network config: unexpected end of JSON input/.test(stopDetails)) {
    throw new Error(`StopPodSandbox of ${seedId} failed otherwise than the seed bug: ${stopDetails}`);
  }
  const seedState = (await cri.podSandboxStatus(seedId)).state;

  // (c) Pile-up: a StatefulSet pod re-created again and again (same name, a new UID each time) whose sandboxes kubelet
  // never removes; each incarnation ran 5 containers that exited.
  say('pile-up: 8 NotReady sandboxes, 40 exited containers');
  const pilePod = { name: 'report-worker-0', namespace: 'batch' };
  const pileContainerNames = ['init-config', 'wait-db', 'worker', 'metrics', 'log-shipper'];
  const pileSandboxes = new Array(8);
  const pileUids = Array.from({ length: 8 }, () => randomUUID());
  const pileContainers = [];
  await pool(8, 3, async (n) => {
    const id = await lab.runSandbox({ ...pilePod, uid: pileUids[n] });
    for (const name of pileContainerNames) pileContainers.push({ sandboxId: id, n, id: await lab.runExitedContainer(id, name, 1) });
    await cri.stopPodSandbox(id);
    pileSandboxes[n] = id;
  });

  // (b) Orphan and (d) leaked cache file: both sandboxes deleted underneath CRI (ctr), then one containerd restart.
  say('orphan container and leaked cache file: sandboxes removed underneath the runtime, containerd restarted');
  const orphanPod = { name: 'metrics-agent-6f4b8-ptx9d', namespace: 'monitoring', uid: randomUUID() };
  const orphanSandbox = await lab.runSandbox(orphanPod);
  const orphanContainer = await lab.runExitedContainer(orphanSandbox, 'agent', 2);
  const leakPod = { name: 'nightly-backup-28391040-4hxcz', namespace: 'batch', uid: randomUUID() };
  const leakSandbox = await lab.runSandbox(leakPod);
  const ctr = (args) => execFileSync('ctr', ['--address', env.socket, '-n', 'k8s.io', ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  try { ctr(['tasks', 'kill', '-s', 'SIGKILL', leakSandbox]); } catch { /* already gone */ }
  for (let i = 0; ; i++) {
    try {
      ctr(['containers', 'rm', leakSandbox]);
      break;
    } catch (error) {
      if (i > 100) throw error;
      await lab.sleep(50);
    }
  }
  await lab.removeSandboxUnderneath(orphanSandbox); // kills, removes and restarts containerd
  reopen();
  const leakFiles = lab.sandboxCacheFiles(leakSandbox);
  const orphanFiles = lab.sandboxCacheFiles(orphanSandbox);

  // Check what a reader of the runtime now sees.
  const sandboxes = new Map((await cri.listPodSandbox()).map((s) => [s.id, s.state]));
  const containers = await cri.listContainers();
  cri.close();
  const problems = [];
  if (seedState !== 'SANDBOX_NOTREADY' || sandboxes.get(seedId) !== 'SANDBOX_NOTREADY') problems.push('the seed-bug sandbox is not NotReady');
  if (fs.statSync(cacheFile).size !== 0) problems.push('the seed-bug cache file is not empty');
  if (sandboxes.has(orphanSandbox) || !containers.some((c) => c.id === orphanContainer)) problems.push('the orphan container is not an orphan');
  if (sandboxes.has(leakSandbox) || leakFiles.length === 0) problems.push('no leaked cache file');
  if (pileSandboxes.some((id) => sandboxes.get(id) !== 'SANDBOX_NOTREADY')) problems.push('a pile-up sandbox is not NotReady');
  if (healthy.some((h) => sandboxes.get(h.sandboxId) !== 'SANDBOX_READY')) problems.push('a healthy sandbox is not Ready');
  if (problems.length > 0) throw new Error(`seeding went wrong: ${problems.join('; ')}`);

  const seeded = {
    healthy,
    seedBug: { pod: `${seedPod.namespace}/${seedPod.name}`, uid: seedPod.uid, sandboxId: seedId, containerId: seedContainer, cacheFile, stopError: stopDetails },
    orphan: { pod: `${orphanPod.namespace}/${orphanPod.name}`, uid: orphanPod.uid, sandboxId: orphanSandbox, containerId: orphanContainer, leakedCacheFiles: orphanFiles },
    pileUp: {
      pod: `${pilePod.namespace}/${pilePod.name}`, uids: pileUids, sandboxIds: pileSandboxes,
      containerIds: pileContainers.sort((a, b) => a.n - b.n).map((c) => c.id),
    },
    leakedCache: { pod: `${leakPod.namespace}/${leakPod.name}`, uid: leakPod.uid, sandboxId: leakSandbox, cacheFiles: leakFiles },
  };

  say(`writing the workspace ${workspace}`);
  fs.rmSync(workspace, { recursive: true, force: true });
  fs.cpSync(path.join(repoRoot, 'test/fixtures/demo'), workspace, { recursive: true });
  const logFile = path.join(workspace, 'logs/node-demo.log');
  fs.writeFileSync(logFile, demoLog(seeded, { grpcText: stopGrpcText, details: stopDetails, pileContainers }));
  fs.appendFileSync(path.join(workspace, 'README.md'), '\n## The demo node\n\n`logs/node-demo.log` was written by `test/harness/demo/seed.mjs` when it seeded the demo node ' +
    `(\`${env.labDir}\`, shown as "${DEMO_NODE_NAME}" under Local node): a kubelet + containerd journal of the last half hour naming the ` +
    'real IDs: the seed bug\'s failing `StopPodSandbox` (the message is containerd\'s own answer, captured while seeding), the pile-up\'s ' +
    'PLEG events, and an old kubelet refusing to start on the orphan container. `.vscode/settings.json` points the local node at the lab.\n');
  fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(workspace, '.vscode/settings.json'), `${JSON.stringify(demoSettings(env), null, 2)}\n`);

  return {
    labDir: env.labDir, workspace, node: DEMO_NODE_NAME, endpoint: env.endpoint, log: logFile,
    ...seeded, seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
  };
}

/** The local node = the lab, with exactly the mapping the CLI integration tests use (test/integration/cli.test.ts). */
export function demoSettings(env) {
  const settings = {
    'kubeNodeDoctor.localNode.mode': 'auto',
    'kubeNodeDoctor.localNode.name': DEMO_NODE_NAME,
    'kubeNodeDoctor.localNode.runtimeEndpoint': env.endpoint,
    'kubeNodeDoctor.localNode.cniCacheDir': env.cniCacheDir,
    'kubeNodeDoctor.localNode.cniConfDir': env.cniConfDir,
    'kubeNodeDoctor.localNode.cniBinDir': env.cniBinDir,
    'kubeNodeDoctor.repair.quarantineDir': path.join(env.labDir, 'quarantine'),
  };
  if (env.hostRoot) settings['kubeNodeDoctor.localNode.hostRoot'] = env.hostRoot;
  return settings;
}

// ---- the demo log: `journalctl -u kubelet -u containerd` of the last half hour, naming the real IDs ----------------

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n) => String(n).padStart(2, '0');

/** `Nov 23 10:40:01` (journald, day space-padded). */
function journalTime(d) {
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

/** klog's `E1123 10:40:01.123456` header without the severity letter. */
function klogTime(d) {
  return `${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}.${String(d.getUTCMilliseconds() * 1000 + (d.getTime() * 37) % 1000).padStart(6, '0')}`;
}

/** containerd's logfmt `time="2026-11-22T11:02:10.000000000Z"`. */
function logfmtTime(d) {
  return d.toISOString().replace(/\.(\d{3})Z$/, (_, ms) => `.${ms}000000Z`);
}

/** Go's %q-style quoting as klog's structured values print it. */
function q(text) {
  return JSON.stringify(text);
}

function demoLog(seeded, { grpcText, details, pileContainers }) {
  const end = Date.now();
  const start = end - 30 * 60_000;
  const lines = [];
  const at = (ms, text) => lines.push({ ms, text });
  const kubeletPid = 1873;
  const kubelet = (ms, level, source, text, pid = kubeletPid) => {
    const d = new Date(ms);
    at(ms, `${journalTime(d)} ${LOG_HOST} kubelet[${pid}]: ${level}${klogTime(d)}    ${pid} ${source}] ${text}`);
  };
  const containerd = (ms, level, msg, error) => {
    const d = new Date(ms);
    at(ms, `${journalTime(d)} ${LOG_HOST} containerd[812]: time="${logfmtTime(d)}" level=${level} msg=${q(msg)}${error ? ` error=${q(error)}` : ''}`);
  };
  const pleg = (ms, pod, uid, type, data) =>
    kubelet(ms, 'I', 'kubelet.go:2465', `"SyncLoop (PLEG): event for pod" pod=${q(pod)} event={"ID":${q(uid)},"Type":${q(type)},"Data":${q(data)}}`);

  // Healthy pods started at the beginning of the window.
  for (const [i, h] of seeded.healthy.entries()) {
    pleg(start + 2_000 + i * 700, h.pod, h.uid, 'ContainerStarted', h.sandboxId);
    pleg(start + 2_300 + i * 700, h.pod, h.uid, 'ContainerStarted', h.containerId);
  }
  // The pile-up: every attempt's containers die, then its sandbox; kubelet makes a new one.
  const pile = seeded.pileUp;
  for (const [n, sandboxId] of pile.sandboxIds.entries()) {
    const t = start + 60_000 + n * 150_000;
    const uid = pile.uids[n];
    pleg(t, pile.pod, uid, 'ContainerStarted', sandboxId);
    for (const [k, c] of pileContainers.filter((x) => x.n === n).entries()) {
      pleg(t + 5_000 + k * 20_000, pile.pod, uid, 'ContainerStarted', c.id);
      pleg(t + 15_000 + k * 20_000, pile.pod, uid, 'ContainerDied', c.id);
    }
    pleg(t + 110_000, pile.pod, uid, 'ContainerDied', sandboxId);
  }
  // The seed bug: the first stop, then kubelet's retries every ~10 s until containerd restarts, containerd logging each.
  const restart = end - 4 * 60_000;
  const seed = seeded.seedBug;
  pleg(start + 30_000, seed.pod, seed.uid, 'ContainerStarted', seed.sandboxId);
  pleg(start + 31_000, seed.pod, seed.uid, 'ContainerStarted', seed.containerId);
  pleg(start + 7 * 60_000, seed.pod, seed.uid, 'ContainerDied', seed.containerId);
  for (let t = start + 7 * 60_000 + 2_000, n = 0; t < restart - 10_000; t += 9_000 + (n % 3) * 500, n++) {
    containerd(t, 'info', `StopPodSandbox for "${seed.sandboxId}"`);
    containerd(t + 51, 'error', `StopPodSandbox for "${seed.sandboxId}" failed`, details);
    kubelet(t + 52, 'E', 'remote_runtime.go:205', `"StopPodSandbox from runtime service failed" err=${q(grpcText)} podSandboxID=${q(seed.sandboxId)}`);
    const h = seeded.healthy[n % seeded.healthy.length];
    if (n % 6 === 0) pleg(t + 400, h.pod, h.uid, 'ContainerStarted', h.containerId);
  }
  // The orphan: its sandbox vanished in a containerd restart; an old kubelet then refuses to start.
  const orphan = seeded.orphan;
  pleg(start + 90_000, orphan.pod, orphan.uid, 'ContainerStarted', orphan.sandboxId);
  pleg(start + 95_000, orphan.pod, orphan.uid, 'ContainerDied', orphan.containerId);
  containerd(restart, 'info', 'Start streaming server');
  for (let i = 0; i < 3; i++) {
    const t = restart + 20_000 + i * 30_000;
    const pid = 2231 + i * 17;
    kubelet(t, 'I', 'server.go:417', 'Version: v1.22.17', pid);
    const d = new Date(t + 7_000);
    at(t + 7_000, `${journalTime(d)} ${LOG_HOST} kubelet[${pid}]: F${klogTime(d)}    ${pid} kubelet.go:1384] Failed to start ContainerManager failed to build map of initial containers from runtime: no PodsandBox found with Id '${orphan.sandboxId}'`);
    at(t + 7_001, `${journalTime(new Date(t + 7_001))} ${LOG_HOST} systemd[1]: kubelet.service: main process exited, code=exited, status=255/n/a`);
  }
  return `${lines.sort((a, b) => a.ms - b.ms).map((l) => l.text).join('\n')}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const target = process.argv[2];
  if (!target) {
    console.error('usage: node test/harness/demo/seed.mjs <workspace dir>   (with the KND_* lines of up.sh in the environment)');
    process.exit(2);
  }
  try {
    const summary = await seedDemoNode(target);
    console.log(JSON.stringify(summary, null, 2));
    process.exit(0);
  } catch (error) {
    console.error(`demo seeding failed: ${error instanceof Error ? error.stack : error}`);
    process.exit(1);
  }
}
