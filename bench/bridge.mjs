// Prints figures for the debug-pod bridge (not a test: nothing here asserts).
//   eval "$(sudo bash test/harness/runtime/up.sh)"   # the real containerd harness (KND_* env); without it only part 2 runs
//   node bench/bridge.mjs [--runs 5] [--nodes 5000] [--page 500] [--cache-files 200]
// 1. Inventory of the harness node locally (LocalNodeAccess + the runtime socket) and through the bridge (API stand-in,
//    exec'd argv for files — the cache files in one bulk-read exec —, socat relay for CRI) in the same run: median of
//    --runs each, the overhead ratio, execs per inventory, the bulk read alone (list + read of every cache file), and the
//    one-off bridge start (RBAC preflight + pod create + Running). The CNI cache read by both is a
//    private directory with --cache-files synthetic result files (libcni's cniCacheV1 layout), so the bench never
//    touches the harness's shared cache; CRI calls go to the real containerd.
// 2. The node list of --nodes nodes through pagination (limit --page) from the stand-in: time and pages.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadFromRepo } from './support/load.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const runs = arg('runs', 5);
const nodeCount = arg('nodes', 5000);
const pageSize = arg('page', 500);
const cacheFiles = arg('cache-files', 200);

/** A private CNI cache dir with `count` result files shaped like libcni's (network cbr0, eth0). */
function syntheticCache(count) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-bench-cni-'));
  fs.mkdirSync(path.join(dir, 'results'));
  for (let i = 0; i < count; i++) {
    const id = i.toString(16).padStart(64, '0');
    const entry = {
      kind: 'cniCacheV1', containerId: id, ifName: 'eth0', networkName: 'cbr0',
      config: Buffer.from('{"cniVersion":"1.0.0","name":"cbr0","plugins":[{"type":"bridge"}]}').toString('base64'),
      result: { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: `/var/run/netns/cni-${i}` }], ips: [{ address: `10.244.${i >> 8}.${i & 255}/24`, interface: 0 }] },
    };
    fs.writeFileSync(path.join(dir, 'results', `cbr0-${id}-eth0`), JSON.stringify(entry));
  }
  return dir;
}

function load() {
  return loadFromRepo([
    ['openBridgeNodeAccess', 'test/integration/support/openBridge'],
    ['createCriClient', 'src/core/cri/criClient'],
    ['inspectNode', 'src/core/inventory/inspect'],
    ['LocalNodeAccess', 'src/core/node/localNodeAccess'],
    ['loadKubeconfigs', 'src/core/cluster/kubeconfig'],
    ['KubeApi', 'src/core/cluster/kubeApi'],
    ['listNodes', 'src/core/cluster/nodes'],
    ['ApiStandIn', 'test/standin/apiStandIn'],
    ['labPaths, startLabStandIn', 'test/standin/labStandIn'],
  ]);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (v) => `${v.toFixed(1)} ms`;

async function time(fn) {
  const t0 = performance.now();
  const result = await fn();
  return { ms: performance.now() - t0, result };
}

const m = await load();
console.log(`node ${process.version}, ${os.cpus().length} CPUs`);

const lab = m.labPaths();
if (!lab) {
  console.log('\n[1] inventory: SKIPPED (no runtime harness: run test/harness/runtime/up.sh and export its KND_* lines)');
} else {
  const cacheDir = syntheticCache(cacheFiles);
  const env = await m.startLabStandIn({ ...lab, cniCacheDir: cacheDir });
  try {
    const start = await time(() => m.openBridgeNodeAccess({ explicitPath: env.kubeconfig, context: 'lab', node: env.node, pollIntervalMs: 50 }));
    const { access } = start.result;
    const local = m.createCriClient(`unix://${lab.socket}`);
    const lease = await access.openCriEndpoint('unix:///run/containerd/containerd.sock');
    const remote = m.createCriClient(lease.address);
    // Local and bridge runs alternate, so both see the same load on a shared machine; the ratio is also taken per pair.
    const localTimes = [];
    const bridgeTimes = [];
    let inventory;
    let execs = 0;
    for (let i = 0; i < runs; i++) {
      const r = await time(() => m.inspectNode(new m.LocalNodeAccess(), local, { cniCacheDir: cacheDir, cniConfDir: lab.cniConfDir, node: 'lab-node' }));
      localTimes.push(r.ms);
      inventory = r.result;
      const before = env.standIn.stats.execs;
      bridgeTimes.push((await time(() => m.inspectNode(access, remote, { cniCacheDir: '/var/lib/cni', cniConfDir: '/etc/cni/net.d', node: 'lab-node' }))).ms);
      execs += env.standIn.stats.execs - before;
    }
    // The same bridge without bulk reads (one exec per cache file, as before readSmallFiles existed there), for comparison.
    const perFile = new Proxy(access, { get: (target, key) => (key === 'readSmallFiles' ? undefined : typeof target[key] === 'function' ? target[key].bind(target) : target[key]) });
    const perFileTimes = [];
    for (let i = 0; i < Math.min(runs, 3); i++) {
      perFileTimes.push((await time(() => m.inspectNode(perFile, remote, { cniCacheDir: '/var/lib/cni', cniConfDir: '/etc/cni/net.d', node: 'lab-node' }))).ms);
    }
    local.close();
    const pairRatios = bridgeTimes.map((v, i) => v / localTimes[i]);
    const execsPerRun = execs / runs;
    const bulk = async (acc, dir) => {
      const files = ((await acc.listDir(dir)) ?? []).filter((e) => e.isFile);
      const read = await acc.readSmallFiles(dir, files.map((f) => f.name), 1024 * 1024);
      return read.filter((b) => b !== undefined).length;
    };
    const bulkBridge = [];
    const bulkLocal = [];
    let bulkCount = 0;
    for (let i = 0; i < runs; i++) {
      const b = await time(() => bulk(access, '/var/lib/cni/results'));
      bulkBridge.push(b.ms);
      bulkCount = b.result;
      bulkLocal.push((await time(() => bulk(new m.LocalNodeAccess(), path.join(cacheDir, 'results')))).ms);
    }
    remote.close();
    await lease.close();
    await access.dispose();

    const [l, b] = [median(localTimes), median(bridgeTimes)];
    console.log(`\n[1] inventory of the harness node: ${inventory.sandboxes.length} sandboxes, ${inventory.containers.length} containers, ${inventory.cniCache.length} cache files, ${inventory.findings.length} findings`);
    console.log(`    local (fs + runtime socket)        median of ${runs}: ${ms(l)}   (all: ${localTimes.map((v) => v.toFixed(0)).join(', ')})`);
    console.log(`    bridge (exec argv + socat relay)   median of ${runs}: ${ms(b)}   (all: ${bridgeTimes.map((v) => v.toFixed(0)).join(', ')})`);
    console.log(`    overhead ratio bridge/local: ${(b / l).toFixed(1)}x of the medians, ${median(pairRatios).toFixed(1)}x median of the ${runs} alternating pairs   execs per inventory: ${execsPerRun.toFixed(0)} (the relay is one exec per gRPC connection)`);
    console.log(`    for comparison, the bridge with one exec per cache file (no bulk read), median of ${perFileTimes.length}: ${ms(median(perFileTimes))}   (all: ${perFileTimes.map((v) => v.toFixed(0)).join(', ')})`);
    console.log(`    cache list + bulk read of ${bulkCount} files, median of ${runs}: local ${ms(median(bulkLocal))}, bridge ${ms(median(bulkBridge))} (2 execs: find+stat, then find+tar)`);
    console.log(`    one-off bridge start (kubeconfig, RBAC preflight, node check, pod create → Running; stand-in start delay 150 ms): ${ms(start.ms)}`);
    console.log(`    bridge pods left: ${env.standIn.podsIn('kube-system').length}`);
  } finally {
    await env.close();
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
}

const standIn = new m.ApiStandIn({ nodeCount });
await standIn.start();
try {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-bench-kc-'));
  fs.writeFileSync(path.join(dir, 'config'), standIn.kubeconfig([{ name: 'bench' }]));
  const api = new m.KubeApi('bench', (await m.loadKubeconfigs({ explicitPath: path.join(dir, 'config') })).forContext('bench'));
  fs.rmSync(dir, { recursive: true, force: true });
  await m.listNodes(api, { pageSize }); // warm-up (module load, connection)
  const times = [];
  let list;
  for (let i = 0; i < runs; i++) {
    const r = await time(() => m.listNodes(api, { pageSize }));
    times.push(r.ms);
    list = r.result;
  }
  console.log(`\n[2] node list through pagination: ${list.nodes.length} nodes in ${list.pages} pages of ${pageSize}`);
  console.log(`    median of ${runs}: ${ms(median(times))}   (all: ${times.map((v) => v.toFixed(0)).join(', ')})   ${(list.nodes.length / (median(times) / 1000)).toFixed(0)} nodes/s`);
} finally {
  await standIn.stop();
}
