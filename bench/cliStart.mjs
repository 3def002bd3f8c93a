// Prints how fast the command line starts and how much memory it takes (not a test: nothing here asserts).
//   node bench/cliStart.mjs [--runs N] [--cli PATH]   (default 11 runs per command, dist/cli.js; build first: node esbuild.mjs)
//   --cli measures another build of the CLI, e.g. an older commit's, for a before/after comparison.
// For each of `node -e ''`, `rules`, `diagnose small.log` and `inspect --help` it runs the command N times and prints
// the median wall time and the median and maximum peak RSS (from /usr/bin/time -f %M when present, else from polling
// /proc/PID/status VmHWM, which misses a process that ends between two polls: then RSS shows as "?").
// Targets (issue 11 §6): rules and diagnose within 2x the bare `node -e ''` start, peak RSS <= 70 MB.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './support/load.mjs';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Math.max(1, Number(process.argv[runsArg + 1]) || 11) : 11;
const cliArg = process.argv.indexOf('--cli');
const CLI = cliArg > 0 ? path.resolve(process.argv[cliArg + 1] ?? '') : path.join(repoRoot, 'dist', 'cli.js');
if (!fs.existsSync(CLI)) {
  console.error(`${CLI} is missing: run \`node esbuild.mjs\` first`);
  process.exit(2);
}
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-clistart-'));
const small = path.join(dir, 'small.log');
// A small log: the seed fixture (6 lines, one finding) plus a few hundred ordinary lines.
const seed = fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'logs', 'seed-cni-cache.log'), 'utf8');
const normal = Array.from({ length: 300 }, (_, i) => `Sep 27 10:00:${String(i % 60).padStart(2, '0')} node-1 kubelet[1873]: I0927 10:00:00.000000    1873 kubelet.go:2465] "SyncLoop (PLEG): event for pod" pod="default/web-${i}"`);
fs.writeFileSync(small, `${normal.join('\n')}\n${seed}`);

const CASES = [
  { name: "node -e ''", argv: ['-e', ''] },
  { name: 'rules', argv: [CLI, 'rules'] },
  { name: 'diagnose small.log', argv: [CLI, 'diagnose', small] },
  { name: 'inspect --help', argv: [CLI, 'inspect', '--help'] },
];

/** One run: wall time in ms and peak RSS in KiB (undefined when not measured). */
function runOnce(argv) {
  return new Promise((resolve, reject) => {
    const rssFile = path.join(dir, 'rss');
    const [cmd, args] = TIME ? [TIME, ['-f', '%M', '-o', rssFile, process.execPath, ...argv]] : [process.execPath, argv];
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    let polled;
    const poll = TIME ? undefined : setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) polled = Number(m[1]);
      } catch { /* ended */ }
    }, 2);
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (poll) clearInterval(poll);
      if (code !== 0) {
        reject(new Error(`${argv.join(' ')} exited ${code}: ${stderr}`));
        return;
      }
      const rss = TIME ? Number(fs.readFileSync(rssFile, 'utf8').trim().split('\n').pop()) : polled;
      resolve({ ms, rssKiB: rss });
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

try {
  console.log(`${CLI.startsWith(`${repoRoot}${path.sep}`) ? path.relative(repoRoot, CLI) : path.basename(CLI)} on node ${process.version}, ${RUNS} runs each, peak RSS via ${TIME ? '/usr/bin/time -f %M' : '/proc polling'}`);
  console.log(`${'command'.padEnd(22)} ${'median ms'.padStart(10)} ${'x node'.padStart(7)} ${'RSS MB med'.padStart(11)} ${'RSS MB max'.padStart(11)}`);
  let baseline;
  for (const c of CASES) {
    await runOnce(c.argv); // warm the file cache
    const results = [];
    for (let i = 0; i < RUNS; i++) results.push(await runOnce(c.argv));
    const ms = median(results.map((r) => r.ms));
    baseline ??= ms;
    const rss = results.map((r) => r.rssKiB).filter((r) => r !== undefined);
    const mb = (kib) => (kib / 1024).toFixed(1);
    console.log(`${c.name.padEnd(22)} ${ms.toFixed(0).padStart(10)} ${(ms / baseline).toFixed(2).padStart(7)} ${(rss.length ? mb(median(rss)) : '?').padStart(11)} ${(rss.length ? mb(Math.max(...rss)) : '?').padStart(11)}`);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
