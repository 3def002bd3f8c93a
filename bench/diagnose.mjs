// Prints throughput figures for `kube-node-doctor diagnose` (not a test: nothing here asserts).
//   node bench/diagnose.mjs [--size 1G|256M|...] [--keep]
// 1. Generates a realistic log of --size bytes (default 1 GiB; ~2% failure lines among normal kubelet/containerd lines)
//    in a temporary directory.
// 2. Runs `node dist/cli.js diagnose --json FILE` and `grep -cE '<the catalog's literals>' FILE` on the warm file,
//    each under /usr/bin/time -v when present (else polling /proc for peak RSS), and prints MB/s, the ratio and peak RSS.
// 3. Times diagnoseText on a 100k-line document (what the editor's code lenses compute).
// Targets (issue 2): >= 0.5x grep, peak RSS <= 150 MB, 100k lines <= 150 ms.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDiagnosis, repoRoot, rng } from './support/load.mjs';

// ---- helpers: realistic log lines ----

const SANDBOXES = [
  '055b221e44a28ce8d9120f771d5e1ef201f2457ce49c58999a0147104cca2708',
  '01d576d2f808a969bb7cb8da11d1ee3117ec4e9792d4aea33abec55318b74e01',
  '2e848e89543e7b6491d0b47eb2be7ec620865024d942012303ede16842aa1108',
  '415cd18f24ec2740486a7bf254054f871bd8abe4c26bc6e27dbf1f5a10c29f69',
];

function stamp(i) {
  const s = Math.floor(i / 50);
  const hh = String(Math.floor(s / 3600) % 24).padStart(2, '0');
  const mm = String(Math.floor(s / 60) % 60).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  const us = String((i * 7919) % 1_000_000).padStart(6, '0');
  return { syslog: `Sep 27 ${hh}:${mm}:${ss}`, klog: `0927 ${hh}:${mm}:${ss}.${us}`, iso: `2025-09-27T${hh}:${mm}:${ss}.${us}000Z` };
}

/** Normal lines as kubelet and containerd write them (shapes taken from the fixtures' sources). */
const NORMAL = [
  (t) => `${t.syslog} node-1 kubelet[1873]: I${t.klog}    1873 kubelet.go:2465] "SyncLoop (PLEG): event for pod" pod="default/web-0" event={"ID":"bad3f101-5920-4a11-9c8a-c0dd40326df2","Type":"ContainerStarted","Data":"934b77ca1f12f514ff7d764f31c77607081e06d50a0bbe2d2937b19b5f523c99"}`,
  (t) => `${t.syslog} node-1 kubelet[1873]: I${t.klog}    1873 util.go:30] "No sandbox for pod can be found. Need to start a new one" pod="default/api-84d9d6ff47-wflf2"`,
  (t) => `${t.syslog} node-1 kubelet[1873]: I${t.klog}    1873 scope.go:117] "RemoveContainer" containerID="dc58c937225c1d7ae8542004de00a7bd266aad5e7c9b54dddc77f1aedb0c8035"`,
  (t) => `${t.syslog} node-1 containerd[1042]: time="${t.iso}" level=info msg="ImageCreate event name:\\"registry.k8s.io/pause:3.9\\" labels:{key:\\"io.cri-containerd.image\\" value:\\"managed\\"}"`,
  (t) => `${t.syslog} node-1 containerd[1042]: time="${t.iso}" level=info msg="StopPodSandbox for \\"${SANDBOXES[1]}\\" returns successfully"`,
  (t) => `${t.syslog} node-1 kubelet[1873]: I${t.klog}    1873 reconciler_common.go:258] "operationExecutor.VerifyControllerAttachedVolume started for volume" volumeName="kubernetes.io/projected/54ea8b22-93f0-4214-81f0-aa4317f69b40-kube-api-access" pod="kube-system/coredns-5dd5756b68-fbtjv"`,
];

/** Failure lines (real messages from the fixtures' sources) for a handful of objects. */
const FAILURES = [
  (t, r) => { const id = SANDBOXES[Math.floor(r() * SANDBOXES.length)]; return `${t.syslog} node-1 kubelet[1873]: E${t.klog}    1873 remote_runtime.go:205] "StopPodSandbox from runtime service failed" err="rpc error: code = Unknown desc = failed to destroy network for sandbox \\"${id}\\": failed to get network \\"cbr0\\" cached result: decoding version from network config: unexpected end of JSON input" podSandboxID="${id}"`; },
  (t, r) => { const id = SANDBOXES[Math.floor(r() * SANDBOXES.length)]; return `${t.syslog} node-1 containerd[1042]: time="${t.iso}" level=error msg="StopPodSandbox for \\"${id}\\" failed" error="failed to destroy network for sandbox \\"${id}\\": failed to get network \\"cbr0\\" cached result: decoding version from network config: unexpected end of JSON input"`; },
  (t) => `${t.syslog} node-1 kubelet[1873]: E${t.klog}    1873 kubelet.go:2055] "Skipping pod synchronization" err="PLEG is not healthy: pleg was last seen active 3m12.704970756s ago; threshold is 3m0s"`,
  (t) => `${t.syslog} node-1 kubelet[1873]: E${t.klog}    1873 remote_runtime.go:173] ListPodSandbox with filter nil from runtime service failed: rpc error: code = ResourceExhausted desc = grpc: received message larger than max (16777300 vs. 16777216)`,
];

/** One line of a realistic node log: about 2% failures among normal kubelet/containerd traffic. */
function logLine(i, r) {
  const t = stamp(i);
  return r() < 0.02 ? FAILURES[Math.floor(r() * FAILURES.length)](t, r) : NORMAL[Math.floor(r() * NORMAL.length)](t, r);
}

// ---- the benchmark ----

function parseSize(text) {
  const m = /^(\d+(?:\.\d+)?)([KMG]?)i?B?$/i.exec(text);
  if (!m) throw new Error(`bad --size "${text}" (use e.g. 1G, 256M)`);
  return Math.round(Number(m[1]) * { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2].toUpperCase()]);
}

const args = process.argv.slice(2);
const sizeArg = args.includes('--size') ? args[args.indexOf('--size') + 1] : '1G';
const size = parseSize(sizeArg);
const keep = args.includes('--keep');
const cli = path.join(repoRoot, 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  spawnSync(process.execPath, ['esbuild.mjs'], { cwd: repoRoot, stdio: 'inherit' });
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-bench-diagnose-'));
const file = path.join(dir, 'node.log');

function generate() {
  const r = rng(42);
  const fd = fs.openSync(file, 'w');
  const block = [];
  let blockBytes = 0;
  let written = 0;
  let i = 0;
  while (written < size) {
    const line = `${logLine(i, r)}\n`;
    i += 1;
    block.push(line);
    blockBytes += line.length;
    if (blockBytes >= 4 * 1024 * 1024 || written + blockBytes >= size) {
      const buf = Buffer.from(block.join(''));
      fs.writeSync(fd, buf);
      written += buf.length;
      block.length = 0;
      blockBytes = 0;
    }
  }
  fs.closeSync(fd);
  return { lines: i, bytes: written };
}

const haveTime = fs.existsSync('/usr/bin/time');

/** Runs argv, returns { seconds, peakRssMb, stdout }. */
function measure(argv) {
  return new Promise((resolve, reject) => {
    const full = haveTime ? ['/usr/bin/time', '-v', ...argv] : argv;
    const started = process.hrtime.bigint();
    const child = spawn(full[0], full.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peakKb = 0;
    const poll = haveTime ? undefined : setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch { /* exited */ }
    }, 20);
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      if (poll) clearInterval(poll);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (haveTime) {
        const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
        if (m) peakKb = Number(m[1]);
      }
      if (code !== 0 && !(argv[0] === 'grep' && code === 1)) {
        reject(new Error(`${argv.join(' ')} exited ${code}: ${stderr.slice(-500)}`));
        return;
      }
      resolve({ seconds, peakRssMb: peakKb / 1024, stdout });
    });
  });
}

const mb = (bytes) => bytes / 1e6;
const fmt = (n, d = 1) => n.toFixed(d);

console.log(`generating a ${sizeArg} log in ${dir} ...`);
let t0 = Date.now();
const gen = generate();
console.log(`  ${gen.lines.toLocaleString('en-US')} lines, ${gen.bytes.toLocaleString('en-US')} bytes in ${fmt((Date.now() - t0) / 1000)} s`);

const diagnosis = await loadDiagnosis();
const literals = diagnosis.catalogLiterals();
const grepPattern = literals.map((l) => l.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');

// Warm the page cache so both tools read from memory.
spawnSync('cat', [file], { stdio: ['ignore', 'ignore', 'ignore'] });

const grepRun = await measure(['grep', '-cE', grepPattern, file]);
const cliRun = await measure([process.execPath, cli, 'diagnose', '--json', file]);
const report = JSON.parse(cliRun.stdout);
const grepMbs = mb(gen.bytes) / grepRun.seconds;
const cliMbs = mb(gen.bytes) / cliRun.seconds;

console.log('');
console.log(`grep -cE over ${literals.length} catalog literals: ${fmt(grepRun.seconds, 2)} s, ${fmt(grepMbs)} MB/s, ${grepRun.stdout.trim()} matching lines, peak RSS ${fmt(grepRun.peakRssMb)} MB`);
console.log(`kube-node-doctor diagnose --json:        ${fmt(cliRun.seconds, 2)} s, ${fmt(cliMbs)} MB/s, ${report.findings.length} findings (${report.findings.reduce((s, f) => s + f.count, 0).toLocaleString('en-US')} lines), linesScanned ${report.linesScanned.toLocaleString('en-US')}, peak RSS ${fmt(cliRun.peakRssMb)} MB`);
console.log(`ratio diagnose/grep: ${fmt(cliMbs / grepMbs, 2)}x   (target >= 0.5x; peak RSS target <= 150 MB)`);

// The lens computation: diagnoseText on a 100k-line document.
const r = rng(7);
const doc = Array.from({ length: 100_000 }, (_, i) => logLine(i, r)).join('\n');
for (let i = 0; i < 3; i += 1) diagnosis.diagnoseText(doc);
const times = [];
let findings = 0;
for (let i = 0; i < 7; i += 1) {
  t0 = performance.now();
  findings = diagnosis.diagnoseText(doc).findings.length;
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
console.log(`diagnoseText on a 100,000-line document (${fmt(mb(Buffer.byteLength(doc)))} MB, ${findings} findings): median ${fmt(times[3])} ms, worst ${fmt(times[6])} ms (target <= 150 ms)`);

if (keep) {
  console.log(`kept ${file}`);
} else {
  fs.rmSync(dir, { recursive: true, force: true });
}
