// What one `kube-node-doctor npd-check` costs on a node of about 1,000 runtime objects (not a test: nothing here asserts).
// Usage (from the repo root, after `node esbuild.mjs && npx tsc -p tsconfig.test.json`, with the runtime harness up):
//   set -a; eval "$(bash test/harness/runtime/up.sh 2>/dev/null)"; set +a
//   node bench/npd.mjs [--objects N (default 1000)] [--runs R (default 7)] [--keep] [--measure-only]
// Empties the lab, then builds N objects: stopped sandboxes (in the node's network namespace, as bench/inventory does)
// with one exited container every 5th, and one CNI cache file per sandbox (a copy of a real one under its ID). Then runs
// the built CLI as NPD would (one process per check, the lab as the node) and reads each process's CPU time (user + sys)
// and peak RSS from /usr/bin/time:
//   cold   a cache miss: the check reads the inventory (empty cache directory each run)
//   cache  a hit: another check of the same interval read it (the answers file is fresh)
// Prints one line per run, then the medians, with the 1-minute load (wall times move with what else runs; CPU time
// and RSS much less). Cleans up at the end unless --keep.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const CLI = path.join(root, 'dist/cli.js');
const TIME = '/usr/bin/time';
for (const [file, hint] of [[CLI, 'node esbuild.mjs'], [path.join(root, 'out/test/integration/support/lab.js'), 'npx tsc -p tsconfig.test.json'], [TIME, 'apt-get install time']]) {
  if (!fs.existsSync(file)) {
    console.error(`${file} is missing: ${hint}`);
    process.exit(2);
  }
}
const lab = require(path.join(root, 'out/test/integration/support/lab.js'));

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const objects = option('--objects', 1000);
const runs = option('--runs', 7);
const keep = args.includes('--keep');
const measureOnly = args.includes('--measure-only');
const env = lab.requireLab();
const resultsDir = path.join(env.cniCacheDir, 'results');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-bench-npd-'));
const made = [];

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const nodeFlags = ['--runtime-endpoint', env.endpoint, '--cni-cache-dir', env.cniCacheDir, '--cni-conf-dir', env.cniConfDir,
  ...(env.hostRoot ? ['--host-root', env.hostRoot] : []),
  '--containerd-root', path.join(env.labDir, 'root'), '--containerd-state', path.join(env.labDir, 'state'), '--pod-log-dir', path.join(env.labDir, 'pod-logs')];

/** One check as NPD runs it: its exit code, first stdout line, CPU ms, peak RSS in MiB and wall ms. */
function check(condition, cacheDir) {
  const started = performance.now();
  const r = spawnSync(TIME, ['-f', 'KNDTIME %U %S %M', process.execPath, CLI, 'npd-check', condition, ...nodeFlags, '--cache-dir', cacheDir, '--timeout', '10s'],
    { encoding: 'utf8', env: { ...process.env, NODE_NAME: '' } });
  const wall = performance.now() - started;
  const m = /KNDTIME ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no figures from /usr/bin/time: ${r.stderr}`);
  return { code: r.status, line: r.stdout.split('\n')[0], cpuMs: (Number(m[1]) + Number(m[2])) * 1000, rssMiB: Number(m[3]) / 1024, wallMs: wall, stderr: r.stderr };
}

async function build() {
  const cri = lab.labCri();
  try {
    await lab.cleanupAll();
    // One sandbox with a network of its own gives the cache file every other sandbox gets a copy of.
    const templateId = await lab.runSandbox({ name: 'bench-template', namespace: 'knd-bench', uid: 'bench-uid-template' });
    const template = fs.readFileSync(lab.cacheFilePath(env.network, templateId, 'eth0'), 'utf8');
    const sandboxes = Math.round(objects / 1.2); // with one exited container every 5th sandbox: N objects in all
    const t0 = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < sandboxes) {
        const i = next++;
        const id = await lab.runSandbox({ name: `bench-${i % 50}`, namespace: `knd-bench-${i % 10}`, uid: `bench-uid-${i}`, hostNetwork: true });
        if (i % 5 === 0) await lab.runExitedContainer(id, `job-${i}`, 0);
        await cri.stopPodSandbox(id);
        made.push(id);
        fs.writeFileSync(path.join(resultsDir, `${env.network}-${id}-eth0`), template.replaceAll(templateId, id), { mode: 0o600 });
      }
    }));
    console.log(`built ${sandboxes} stopped sandboxes, ${Math.ceil(sandboxes / 5)} exited containers and ${sandboxes} cache files in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    cri.close();
  }
}

if (!measureOnly) await build();
const cold = [];
const cached = [];
const load = [];
for (let run = 0; run < runs; run++) {
  load.push(os.loadavg()[0]);
  const dir = path.join(work, `run-${run}`);
  const miss = check('SandboxBacklog', dir);
  const hit = check('OrphanContainers', dir);
  if (!/read the inventory in/.test(miss.stderr) || !/answered from the inventory/.test(hit.stderr)) throw new Error(`expected a miss then a hit:\n${miss.stderr}\n${hit.stderr}`);
  cold.push(miss);
  cached.push(hit);
  console.log(`  run ${run + 1}: cold ${miss.cpuMs.toFixed(0)} ms CPU, ${miss.rssMiB.toFixed(1)} MiB, ${miss.wallMs.toFixed(0)} ms wall (exit ${miss.code}: ${miss.line}); `
    + `cache ${hit.cpuMs.toFixed(0)} ms CPU, ${hit.rssMiB.toFixed(1)} MiB, ${hit.wallMs.toFixed(0)} ms wall (exit ${hit.code})`);
}
const inspect = spawnSync(process.execPath, [CLI, 'inspect', '--json', ...nodeFlags], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
const counts = inspect.status === 0 ? JSON.parse(inspect.stdout).counts : undefined;
const summary = (label, list) => ({
  check: label, runs: list.length, cpuMs: Math.round(median(list.map((r) => r.cpuMs))), peakRssMiB: Number(median(list.map((r) => r.rssMiB)).toFixed(1)),
  maxRssMiB: Number(Math.max(...list.map((r) => r.rssMiB)).toFixed(1)), wallMs: Math.round(median(list.map((r) => r.wallMs))),
});
const result = {
  node: counts ? { sandboxes: counts.sandboxes, containers: counts.containers, cacheFiles: counts.cacheFiles, objects: counts.sandboxes + counts.containers } : 'unknown',
  cold: summary('cold (reads the inventory)', cold), cache: summary('from the cache', cached),
  loadAvg1m: [Number(Math.min(...load).toFixed(1)), Number(Math.max(...load).toFixed(1))], cpus: os.cpus().length,
};
console.log(JSON.stringify(result));
console.log(`npd-check on ${counts ? `${counts.sandboxes} sandboxes + ${counts.containers} containers, ${counts.cacheFiles} cache files` : 'the lab'} (medians of ${runs}; load ${result.loadAvg1m.join('–')} on ${result.cpus} CPUs):`);
for (const s of [result.cold, result.cache]) console.log(`  ${s.check.padEnd(28)} CPU ${String(s.cpuMs).padStart(5)} ms   peak RSS ${s.peakRssMiB.toFixed(1).padStart(6)} MiB (max ${s.maxRssMiB})   wall ${s.wallMs} ms`);

fs.rmSync(work, { recursive: true, force: true });
if (!keep && !measureOnly) {
  for (const id of made) fs.rmSync(path.join(resultsDir, `${env.network}-${id}-eth0`), { force: true });
  await lab.cleanupAll();
}
process.exit(0);
