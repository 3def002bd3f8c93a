// Inventory time on the real test runtime vs the raw ListPodSandbox time of the same run.
// Usage (from the repo root, after `npx tsc -p tsconfig.test.json`, with the runtime harness up):
//   set -a; eval "$(bash test/harness/runtime/up.sh 2>/dev/null)"; set +a
//   node bench/inventory.mjs [N=200] [--at 1000,5000] [--containers-every K (default 10)] [--runs R (default 5)] [--keep]
//                            [--width W (default 8)] [--cni] [--cap BYTES (default 262144; 0: no past-the-cap figure)]
//   node bench/inventory.mjs --measure-only [--runs R] [--cap BYTES]   (measures the lab as it is, e.g. after --keep)
// Empties the lab first (like every integration test file), then builds N stopped sandboxes (Run + Stop, W at a time),
// one exited container every K sandboxes, and one cache file per sandbox (a copy of a real one under the sandbox's
// ID: a stopped sandbox's own files are gone after its DEL). Sandboxes are made in the node's network namespace
// (hostNetwork: no CNI ADD/DEL, several times faster to build; the runtime lists and stores them like any other)
// unless --cni is given. The inventory is measured with discovery on (the lab's containerd root and state and its
// pod log dir). With --cap, each size is measured a second time past the send cap: containerd restarted with
// KND_GRPC_MAX_MSG=BYTES, so the lists are split and cross-checked against the runtime's directories (then restored).
// `--at` also measures at those counts on the way up (one build for several sizes). Each measurement is R runs of
// [raw ListPodSandbox, then inspectNode with the CLI's defaults]; one line per run, then a JSON summary per size
// (medians) with the 1-minute load average (the figures move with what else runs on the machine). Cleans up at the
// end unless --keep.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const lab = require(path.join(root, 'out/test/integration/support/lab.js'));
const { inspectNode } = require(path.join(root, 'out/src/core/inventory/inspect.js'));
const { LocalNodeAccess } = require(path.join(root, 'out/src/core/node/localNodeAccess.js'));

const args = process.argv.slice(2);
const options = {};
const positional = [];
for (let i = 0; i < args.length; i++) {
  if (['--at', '--containers-every', '--runs', '--width', '--cap'].includes(args[i])) options[args[i]] = args[++i];
  else if (!args[i].startsWith('--')) positional.push(args[i]);
}
const n = Number(positional[0] ?? 200);
const every = Number(options['--containers-every'] ?? 10);
const runs = Number(options['--runs'] ?? 5);
const checkpoints = [...new Set([...String(options['--at'] ?? '').split(',').filter(Boolean).map(Number).filter((c) => c > 0 && c < n), n])].sort((a, b) => a - b);
const width = Number(options['--width'] ?? 8);
const cap = Number(options['--cap'] ?? 262144);
const withCni = args.includes('--cni');
const keep = args.includes('--keep');
const measureOnly = args.includes('--measure-only');
const env = lab.requireLab();
const resultsDir = path.join(env.cniCacheDir, 'results');
let cri = lab.labCri();
const made = [];

async function pool(from, to, width, work) {
  let next = from;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < to) await work(next++);
  }));
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const access = new LocalNodeAccess({ hostRoot: env.hostRoot ?? '/' });
const summaries = [];
const discovery = { containerdRoot: path.join(env.labDir, 'root'), containerdState: path.join(env.labDir, 'state'), crioStorage: '', podLogDir: path.join(env.labDir, 'pod-logs') };

/** Restarts the lab's containerd with another send cap and reconnects. */
function setCap(bytes) {
  cri.close();
  lab.restartContainerd({ KND_GRPC_MAX_MSG: String(bytes) });
  cri = lab.labCri();
}

async function measure(label = 'default cap') {
  const raw = [];
  const inv = [];
  const load = [];
  const cpuMs = []; // this process's CPU time per inventory: what the load of other processes does not change
  let last;
  for (let run = 0; run < runs; run++) {
    load.push(os.loadavg()[0]);
    let s = performance.now();
    const listed = await cri.listPodSandbox().catch(() => undefined); // refused past the cap
    raw.push(performance.now() - s);
    s = performance.now();
    const cpu0 = process.cpuUsage();
    last = await inspectNode(access, cri, { cniCacheDir: env.cniCacheDir, cniConfDir: env.cniConfDir, ...discovery });
    inv.push(performance.now() - s);
    const used = process.cpuUsage(cpu0);
    cpuMs.push((used.user + used.system) / 1000);
    console.log(`  run ${run + 1} (${label}): ListPodSandbox ${raw[run].toFixed(0)} ms (${listed ? `${listed.length} items` : 'refused'}); inventory ${inv[run].toFixed(0)} ms, ${cpuMs[run].toFixed(0)} ms CPU ` +
      `(${last.sandboxes.length} sandboxes, ${last.containers.length} containers, ${last.cniCache.length} cache files, ${last.findings.length} findings; ` +
      `phases ${Object.entries(last.timingsMs).map(([k, v]) => `${k} ${v}`).join(', ')}; load ${load[run].toFixed(1)})`);
  }
  const summary = {
    cap: label, complete: last.listStrategy.complete, reasons: (last.listStrategy.reasons ?? []).map((r) => r.code), lookups: last.listStrategy.lookups,
    sandboxes: last.sandboxes.length, containers: last.containers.length, cacheFiles: last.cniCache.length, runs,
    listPodSandboxMs: Math.round(median(raw)), inventoryMs: Math.round(median(inv)), inventoryCpuMs: Math.round(median(cpuMs)),
    inventoryRangeMs: [Math.round(Math.min(...inv)), Math.round(Math.max(...inv))], listPodSandboxRangeMs: [Math.round(Math.min(...raw)), Math.round(Math.max(...raw))],
    loadAvg1m: [Number(Math.min(...load).toFixed(1)), Number(Math.max(...load).toFixed(1))], cpus: os.cpus().length,
    listBytes: Object.fromEntries(last.listSizes.map((l) => [l.method, l.bytes])), strategy: last.listStrategy.sandboxes,
  };
  summaries.push(summary);
  console.log(JSON.stringify(summary));
}

async function measureBoth() {
  await measure();
  if (cap > 0) {
    setCap(cap);
    try {
      await measure(`cap ${cap}`);
    } finally {
      setCap(16 * 1024 * 1024);
    }
  }
}

if (measureOnly) {
  await measureBoth();
} else {
  const before = (await cri.listPodSandbox()).length;
  if (before > 0) process.stderr.write(`emptying the lab first (${before} sandboxes)…\n`);
  await lab.cleanupAll();
  let template;
  let written = 0;
  let built = 0;
  let buildMs = 0;
  for (const target of checkpoints) {
    const t0 = performance.now();
    if (!template) {
      // One sandbox with a network of its own gives the cache file every other sandbox gets a copy of.
      const id = await lab.runSandbox({ name: 'bench-template', namespace: 'knd-bench', uid: 'bench-uid-template' });
      template = { id, text: fs.readFileSync(lab.cacheFilePath(env.network, id, 'eth0'), 'utf8') };
    }
    await pool(built, target, width, async (i) => {
      const id = await lab.runSandbox({ name: `bench-${i % 50}`, namespace: `knd-bench-${i % 10}`, uid: `bench-uid-${i}`, hostNetwork: !withCni });
      if (i % every === 0) await lab.runExitedContainer(id, `job-${i}`, 0);
      await cri.stopPodSandbox(id);
      made.push(id);
      if ((i + 1) % 500 === 0) process.stderr.write(`… ${i + 1}/${n} sandboxes\n`);
    });
    built = target;
    for (; written < made.length; written++) {
      const id = made[written];
      fs.writeFileSync(path.join(resultsDir, `${env.network}-${id}-eth0`), template.text.replaceAll(template.id, id), { mode: 0o600 });
    }
    buildMs += performance.now() - t0;
    console.log(`built ${built} stopped sandboxes, ${Math.ceil(built / every)} exited containers, ${written} cache files (${(buildMs / 1000).toFixed(1)} s of building so far, ${(built / (buildMs / 1000)).toFixed(1)} sandboxes/s)`);
    await measureBoth();
  }
}
if (summaries.length > 0) {
  console.log(`size      send cap       complete  inventory (median, range)      raw ListPodSandbox (median, range)  1-min load on ${os.cpus().length} CPUs`);
  for (const s of summaries) {
    console.log(`${String(s.sandboxes).padEnd(9)} ${s.cap.padEnd(14)} ${String(s.complete).padEnd(9)} ${`${s.inventoryMs} ms (${s.inventoryRangeMs.join('–')})`.padEnd(30)} ${`${s.listPodSandboxMs} ms (${s.listPodSandboxRangeMs.join('–')})`.padEnd(30)} load ${s.loadAvg1m.join('–')}`);
  }
}

if (!keep && !measureOnly) {
  for (const id of made) fs.rmSync(path.join(resultsDir, `${env.network}-${id}-eth0`), { force: true });
  const t1 = performance.now();
  await lab.cleanupAll();
  process.stderr.write(`cleaned up in ${((performance.now() - t1) / 1000).toFixed(1)} s\n`);
}
cri.close();
process.exit(0);
