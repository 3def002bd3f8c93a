// Fuzzes the log parser and the rule catalog with hostile lines and prints the worst per-line time (not a test).
//   node bench/fuzz.mjs [--lines 1000000] [--seed 1]
// Every line goes through parseLogLine and then through every rule whose literal pre-filter passes, exactly as the
// engine applies them, but on the whole line (the engine itself only scans a line's first 64 KiB). Lines: random
// bytes, 1 MB lines, pathological repetitions ("""..., \\\\..., long hex runs, repeated rule prefixes that never
// complete), and random mutations of real fixture lines. Target (issue 2): no crash, no line slower than 50 ms.
import fs from 'node:fs';
import path from 'node:path';
import { loadDiagnosis, repoRoot, rng } from './support/load.mjs';

// ---- the fuzz run ----

const args = process.argv.slice(2);
const total = Number(args.includes('--lines') ? args[args.indexOf('--lines') + 1] : 1_000_000);
const seed = Number(args.includes('--seed') ? args[args.indexOf('--seed') + 1] : 1);
const r = rng(seed);
const { parseLogLine, RULES, LogDiagnoser } = await loadDiagnosis();

const fixtureDir = path.join(repoRoot, 'test/fixtures/logs');
const realLines = fs.readdirSync(fixtureDir).filter((f) => f.endsWith('.log'))
  .flatMap((f) => fs.readFileSync(path.join(fixtureDir, f), 'utf8').split('\n')).filter((l) => l.length > 0);

const HEX = '0123456789abcdef';
const pick = (list) => list[Math.floor(r() * list.length)];
const randInt = (n) => Math.floor(r() * n);

function randomBytes(n) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i += 1) b[i] = randInt(256);
  return b.toString(r() < 0.5 ? 'latin1' : 'utf8');
}

const UNITS = [
  '"', '\\', '\\"', '\\\\\\"', '\u201c', '{', '[', ' ', '\x1b[31m', '\0', ':', '=', 'msg=', 'level=error ', '0',
  'sandbox ', 'sandbox "', 'cached result: ', 'failed to get network "', 'failed to destroy network for sandbox "',
  'StopPodSandbox', 'KillPodSandbox ', 'RemovePodSandbox "', 'no PodsandBox found with Id \'', 'is reserved for "',
  'PLEG is not healthy: pleg was last seen active ', 'message larger than max (', 'OCI runtime create failed: ',
  'no IP addresses available in range set: ', 'dial unix /', '.sock: connect: ', 'an error occurred when try to find sandbox "',
  'failed to reserve container name "', 'Warning  ', '(x', 'E0927 05:47:12.123456 ', 'Sep 27 05:47:12 ', 'time="',
];

function repetition(length) {
  const unit = r() < 0.3 ? pick(['"', '\\', '\\"', HEX[randInt(16)], 'a', ' ']) : pick(UNITS);
  const body = unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
  return r() < 0.5 ? body : `${pick(realLines).slice(0, 200)}${body}`;
}

function hexRun(length) {
  let s = '';
  while (s.length < length) s += HEX[randInt(16)].repeat(1 + randInt(80));
  return `failed to destroy network for sandbox "${s.slice(0, length)}": failed to get network "${s.slice(0, 300)}" cached result: x`;
}

function mutate(line) {
  const chars = [...line];
  const edits = 1 + randInt(8);
  for (let i = 0; i < edits; i += 1) {
    const at = randInt(chars.length + 1);
    const op = randInt(4);
    if (op === 0) chars.splice(at, 1);
    else if (op === 1) chars.splice(at, 0, String.fromCharCode(randInt(65536)));
    else if (op === 2) chars.splice(at, 0, pick(UNITS).repeat(1 + randInt(50)));
    else chars.splice(at, randInt(20), pick(UNITS));
  }
  return chars.join('');
}

function hostileLine(i) {
  if (i % 50_000 === 0) return r() < 0.5 ? repetition(1_000_000) : randomBytes(1_000_000); // 1 MB lines
  if (i % 5_000 === 0) return r() < 0.5 ? hexRun(100_000 + randInt(200_000)) : repetition(64 * 1024 + randInt(200_000));
  const kind = randInt(10);
  if (kind < 3) return randomBytes(randInt(600));
  if (kind < 5) return repetition(10 + randInt(4000));
  if (kind < 6) return hexRun(randInt(3000));
  return mutate(pick(realLines));
}

function diagnoseOne(raw, lineNumber) {
  const line = parseLogLine(raw, lineNumber);
  let hits = 0;
  for (const rule of RULES) {
    if (!rule.literals.some((literal) => line.text.includes(literal))) continue;
    const match = rule.pattern.exec(line.text);
    if (match === null) continue;
    if (rule.extract(match, line) !== undefined) {
      rule.fixCommands(rule.extract(match, line));
      hits += 1;
    }
  }
  return hits;
}

let worst = { ms: 0, length: 0, sample: '' };
let hits = 0;
let bytes = 0;
let megaLines = 0;
const started = performance.now();
const engine = new LogDiagnoser();
for (let i = 0; i < total; i += 1) {
  const raw = hostileLine(i);
  bytes += raw.length;
  if (i % 50_000 === 0) megaLines += 1; // the 1 MB lines (1 MB of bytes; fewer characters once decoded as UTF-8)
  const t0 = performance.now();
  hits += diagnoseOne(raw, i + 1);
  const ms = performance.now() - t0;
  if (ms > worst.ms) worst = { ms, length: raw.length, sample: JSON.stringify(raw.slice(0, 60)) };
  if (i % 10 === 0) engine.pushLine(raw);
}
const report = engine.finish();
const seconds = (performance.now() - started) / 1000;
console.log(`fuzz: ${total.toLocaleString('en-US')} hostile lines (${(bytes / 1e6).toFixed(0)} MB, ${megaLines} lines of 1 MB) in ${seconds.toFixed(1)} s, no crash`);
console.log(`  rule hits on mutated lines: ${hits.toLocaleString('en-US')}; engine over every 10th line: ${report.findings.length} findings, ${report.linesScanned.toLocaleString('en-US')} lines`);
console.log(`  worst line: ${worst.ms.toFixed(2)} ms (length ${worst.length.toLocaleString('en-US')}, starts ${worst.sample})   target < 50 ms`);
