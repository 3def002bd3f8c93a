// Inventory time on the real test runtime vs the raw ListPodSandbox time of the same run.
// Usage (from the repo root, after `npx tsc -p tsconfig.test.json`, with the runtime harness up):
//   set -a; eval "$(bash test/harness/runtime/up.sh 2>/dev/null)"; set +a
//   node bench/inventory.mjs [N=200] [--at 1000,5000] [--containers-every K (default 10)] [--runs R (default 5)] [--keep]
//   node bench/inventory.mjs --measure-only [--runs R]     (measures the lab as it is, e.g. after --keep; builds nothing)
// Empties the lab first (like every integration test file), then builds N stopped sandboxes (Run + Stop, 3 at a time;
// ≈7–13/s here, so 10k takes 13–25 min: keep that out of CI), one exited container every K sandboxes, and one cache
// file per sandbox (a copy of a real one under the sandbox's ID: a stopped sandbox's own files are gone after its DEL).
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
  if (['--at', '--containers-every', '--runs'].includes(args[i])) options[args[i]] = args[++i];
  else if (!args[i].startsWith('--')) positional.push(args[i]);
}
const n = Number(positional[0] ?? 200);
const every = Number(options['--containers-every'] ?? 10);
const runs = Number(options['--runs'] ?? 5);
const checkpoints = [...new Set([...String(options['--at'] ?? '').split(',').filter(Boolean).map(Number).filter((c) => c > 0 && c < n), n])].sort((a, b) => a - b);
const keep = args.includes('--keep');
const measureOnly = args.includes('--measure-only');
const env = lab.requireLab();
const resultsDir = path.join(env.cniCacheDir, 'results');
const cri = lab.labCri();
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

async function measure() {
  const raw = [];
  const inv = [];
  const load = [];
  let last;
  for (let run = 0; run < runs; run++) {
    load.push(os.loadavg()[0]);
    let s = performance.now();
    const listed = await cri.listPodSandbox();
    raw.push(performance.now() - s);
    s = performance.now();
    last = await inspectNode(access, cri, { cniCacheDir: env.cniCacheDir, cniConfDir: env.cniConfDir });
    inv.push(performance.now() - s);
    console.log(`  run ${run + 1}: ListPodSandbox ${raw[run].toFixed(0)} ms (${listed.length} items); inventory ${inv[run].toFixed(0)} ms ` +
      `(${last.sandboxes.length} sandboxes, ${last.containers.length} containers, ${last.cniCache.length} cache files, ${last.findings.length} findings; ` +
      `phases ${Object.entries(last.timingsMs).map(([k, v]) => `${k} ${v}`).join(', ')}; load ${load[run].toFixed(1)})`);
  }
  const summary = {
    sandboxes: last.sandboxes.length, containers: last.containers.length, cacheFiles: last.cniCache.length, runs,
    listPodSandboxMs: Math.round(median(raw)), inventoryMs: Math.round(median(inv)),
    inventoryRangeMs: [Math.round(Math.min(...inv)), Math.round(Math.max(...inv))], listPodSandboxRangeMs: [Math.round(Math.min(...raw)), Math.round(Math.max(...raw))],
    loadAvg1m: [Number(Math.min(...load).toFixed(1)), Number(Math.max(...load).toFixed(1))], cpus: os.cpus().length,
    listBytes: Object.fromEntries(last.listSizes.map((l) => [l.method, l.bytes])), strategy: last.listStrategy.sandboxes,
  };
  summaries.push(summary);
  console.log(JSON.stringify(summary));
}

if (measureOnly) {
  await measure();
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
    await pool(built, target, 3, async (i) => {
      const id = await lab.runSandbox({ name: `bench-${i % 50}`, namespace: 'knd-bench', uid: `bench-uid-${i}` });
      if (!template) template = { id, text: fs.readFileSync(lab.cacheFilePath(env.network, id, 'eth0'), 'utf8') };
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
    console.log(`built ${built} stopped sandboxes, ${Math.ceil(built / every)} exited containers, ${written} cache files (${(buildMs / 1000).toFixed(1)} s of building so far)`);
    await measure();
  }
}
if (summaries.length > 1) {
  console.log(`size      inventory (median, range)      raw ListPodSandbox (median, range)  1-min load on ${os.cpus().length} CPUs`);
  for (const s of summaries) {
    console.log(`${String(s.sandboxes).padEnd(9)} ${`${s.inventoryMs} ms (${s.inventoryRangeMs.join('–')})`.padEnd(30)} ${`${s.listPodSandboxMs} ms (${s.listPodSandboxRangeMs.join('–')})`.padEnd(30)} load ${s.loadAvg1m.join('–')}`);
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
