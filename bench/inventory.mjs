// Inventory time on the real test runtime vs the raw ListPodSandbox time of the same run.
// Usage (from the repo root, after `npx tsc -p tsconfig.test.json`, with the runtime harness up):
//   set -a; eval "$(bash test/harness/runtime/up.sh 2>/dev/null)"; set +a
//   node bench/inventory.mjs [N=200] [--containers-every K (default 10)] [--keep]
// Builds N stopped sandboxes (Run + Stop, 3 at a time; ≈13/s here, so 10k takes ≈13 min: keep that out of CI),
// one exited container every K sandboxes, and one cache file per sandbox (a copy of a real one under the
// sandbox's ID: a stopped sandbox's own files are gone after its DEL). Then prints the figures and cleans up
// (unless --keep). Prints one line per measurement and a JSON summary.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const lab = require(path.join(root, 'out/test/integration/support/lab.js'));
const { inspectNode } = require(path.join(root, 'out/src/core/inventory/inspect.js'));
const { LocalNodeAccess } = require(path.join(root, 'out/src/core/node/localNodeAccess.js'));

const args = process.argv.slice(2);
const n = Number(args.find((a) => /^\d+$/.test(a)) ?? 200);
const everyAt = args.indexOf('--containers-every');
const every = everyAt >= 0 ? Number(args[everyAt + 1]) : 10;
const keep = args.includes('--keep');
const env = lab.requireLab();
const resultsDir = path.join(env.cniCacheDir, 'results');
const cri = lab.labCri();
const made = [];

async function pool(count, width, work) {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < count) await work(next++);
  }));
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const t0 = performance.now();
let template;
await pool(n, 3, async (i) => {
  const id = await lab.runSandbox({ name: `bench-${i % 50}`, namespace: 'knd-bench', uid: `bench-uid-${i}` });
  if (!template) template = { id, text: fs.readFileSync(lab.cacheFilePath(env.network, id, 'eth0'), 'utf8') };
  if (i % every === 0) await lab.runExitedContainer(id, `job-${i}`, 0);
  await cri.stopPodSandbox(id);
  made.push(id);
  if ((i + 1) % 500 === 0) process.stderr.write(`… ${i + 1}/${n} sandboxes\n`);
});
for (const id of made) {
  const name = `${env.network}-${id}-eth0`;
  fs.writeFileSync(path.join(resultsDir, name), template.text.replaceAll(template.id, id), { mode: 0o600 });
}
const buildS = (performance.now() - t0) / 1000;
console.log(`built ${n} stopped sandboxes, ${Math.ceil(n / every)} exited containers, ${n} cache files in ${buildS.toFixed(1)} s`);

const access = new LocalNodeAccess({ hostRoot: env.hostRoot ?? '/' });
const raw = [];
const inv = [];
let last;
for (let run = 0; run < 3; run++) {
  let s = performance.now();
  const listed = await cri.listPodSandbox();
  raw.push(performance.now() - s);
  s = performance.now();
  last = await inspectNode(access, cri, { cniCacheDir: env.cniCacheDir, cniConfDir: env.cniConfDir, maxStatusLookups: 0 });
  inv.push(performance.now() - s);
  console.log(`run ${run + 1}: ListPodSandbox ${raw[run].toFixed(0)} ms (${listed.length} items); inventory ${inv[run].toFixed(0)} ms ` +
    `(${last.sandboxes.length} sandboxes, ${last.containers.length} containers, ${last.cniCache.length} cache files, ${last.findings.length} findings; ` +
    `phases ${Object.entries(last.timingsMs).map(([k, v]) => `${k} ${v}`).join(', ')})`);
}
const summary = {
  sandboxes: n, containers: last.containers.length, cacheFiles: last.cniCache.length,
  listPodSandboxMs: Math.round(median(raw)), inventoryMs: Math.round(median(inv)),
  listBytes: Object.fromEntries(last.listSizes.map((l) => [l.method, l.bytes])), strategy: last.listStrategy.sandboxes,
};
console.log(JSON.stringify(summary));

if (!keep) {
  for (const id of made) fs.rmSync(path.join(resultsDir, `${env.network}-${id}-eth0`), { force: true });
  const t1 = performance.now();
  await lab.cleanupAll();
  process.stderr.write(`cleaned up in ${((performance.now() - t1) / 1000).toFixed(1)} s\n`);
}
cri.close();
process.exit(0);
