// Fuzzes the log parser and the rule catalog with hostile lines and prints the worst per-line time (not a test).
//   node bench/fuzz.mjs [--lines 1000000] [--seed 1]
// Every line goes through parseLogLine, eventOf and every rule, exactly as the engine applies them, but on the whole
// line (the engine itself only scans a line's first 64 KiB). Lines: random bytes, 1 MB lines, pathological repetitions
// ("""..., \\\\..., long hex runs, repeated rule prefixes that never complete), and random mutations of real fixture
// and corpus lines. Target (issue 2): no crash, no line slower than 50 ms.
// Then the cases of issue 11 §5, each through the engine: a line with a 1 MB run of \r inside it, a log with CR-only
// line endings, a deeply nested JSON line between real findings, Markdown injected through a log line, and the memory
// of 10,000 distinct findings in 60 KiB lines (the CLI's peak RSS, measured with /usr/bin/time when present).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDiagnosis, repoRoot, rng } from './support/load.mjs';

// ---- the fuzz run ----

const args = process.argv.slice(2);
const total = Number(args.includes('--lines') ? args[args.indexOf('--lines') + 1] : 1_000_000);
const seed = Number(args.includes('--seed') ? args[args.indexOf('--seed') + 1] : 1);
const r = rng(seed);
const { parseLogLine, eventOf, RULES, LogDiagnoser, diagnoseText, explainMarkdown, fixCommandsFor } = await loadDiagnosis();

const fixtureDir = path.join(repoRoot, 'test/fixtures/logs');
const realLines = fs.readdirSync(fixtureDir).filter((f) => f.endsWith('.log'))
  .flatMap((f) => fs.readFileSync(path.join(fixtureDir, f), 'utf8').split('\n')).filter((l) => l.length > 0);
const corpusDir = path.join(repoRoot, 'test/fixtures/corpus/lines');
if (fs.existsSync(corpusDir)) {
  for (const f of fs.readdirSync(corpusDir).filter((name) => name.endsWith('.jsonl'))) {
    for (const raw of fs.readFileSync(path.join(corpusDir, f), 'utf8').split('\n')) {
      if (raw.trim() !== '') realLines.push(JSON.parse(raw).line);
    }
  }
}

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
  const event = eventOf(parseLogLine(raw, lineNumber));
  let hits = 0;
  for (const rule of RULES) {
    const match = rule.match(event);
    if (match !== undefined) {
      fixCommandsFor({ ...match.extracted, category: rule.category, rule: rule.id, severity: rule.severity, title: rule.title, count: 1, lines: [lineNumber] });
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

// ---- issue 11 §5: hostile input through the engine ----

const SEED_LINE = 'E0927 05:47:12.123456    1873 remote_runtime.go:205] "StopPodSandbox from runtime service failed" err="rpc error: code = Unknown desc = failed to destroy network for sandbox \\"%ID%\\": failed to get network \\"cbr0\\" cached result: decoding version from network config: unexpected end of JSON input" podSandboxID="%ID%"';
const idOf = (n) => n.toString(16).padStart(64, '0');

function timed(fn) {
  const t0 = performance.now();
  const value = fn();
  return { ms: performance.now() - t0, value };
}

{
  const run = '\r'.repeat(1_000_000);
  const line = `${SEED_LINE.replaceAll('%ID%', idOf(1))}${run}x`;
  const asLine = timed(() => { const d = new LogDiagnoser(); d.pushLine(line); return d.finish(); });
  const asChunk = timed(() => diagnoseText(`${run}${SEED_LINE.replaceAll('%ID%', idOf(2))}${run}\n`));
  console.log(`CR run: a line with 1,000,000 \\r inside: pushLine ${asLine.ms.toFixed(1)} ms (${asLine.value.linesScanned.toLocaleString('en-US')} lines), pushChunk ${asChunk.ms.toFixed(1)} ms (${asChunk.value.findings.length} finding)   target: linear (was 6 s)`);
}
{
  const text = Array.from({ length: 20 }, (_, i) => SEED_LINE.replaceAll('%ID%', idOf(i + 1))).join('\r');
  const report = diagnoseText(text);
  console.log(`CR-only line endings: 20 failure lines joined by \\r -> ${report.linesScanned} lines, ${report.findings.length} findings   target: 20 and 20`);
}
{
  const depth = 200_000;
  const nested = `{"msg":"x","level":"error","a":${'['.repeat(depth)}${']'.repeat(depth)}}`;
  const text = [SEED_LINE.replaceAll('%ID%', idOf(1)), nested, `{"msg":"y","err":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`, SEED_LINE.replaceAll('%ID%', idOf(2))].join('\n');
  const result = timed(() => diagnoseText(text));
  console.log(`nested JSON: ${depth.toLocaleString('en-US')}-deep arrays and 20,000-deep objects between two findings -> ${result.value.findings.length} findings in ${result.ms.toFixed(1)} ms, no crash   target: 2 findings`);
}
{
  const line = 'E0101 00:00:00.000000 1 kuberuntime_sandbox.go:72] "Failed to create sandbox for pod" err="rpc error: code = Unknown desc = failed to setup network for sandbox \\"' + idOf(7) + '\\": plugin type=\\"x\\" failed (add): ![x](https://example.invalid/a.png) <img src=x onerror=alert(1)> [link](javascript:alert(1)) `code`"';
  const [finding] = diagnoseText(line).findings;
  const md = finding ? explainMarkdown(finding) : '';
  // Drop what is escaped (`\\X`) and inline code spans: what remains must not form an image, a link or HTML.
  const live = md.replace(/`+[^`]*`+/g, '').replace(/\\./g, '');
  const raw = /!\[|<img|\]\(javascript|\]\(https:\/\/example/.test(live);
  console.log(`Markdown injection: ${finding ? finding.rule : 'no finding'}; image/link/HTML from the log left unescaped in the explanation: ${raw ? 'YES' : 'no'}   target: no`);
}
{
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-fuzz-'));
  const file = path.join(dir, 'many.log');
  const fd = fs.openSync(file, 'w');
  const pad = ' x'.repeat(30 * 1024);
  for (let i = 0; i < 10_000; i += 1) fs.writeSync(fd, `${SEED_LINE.replaceAll('%ID%', idOf(i + 1))}${pad}\n`);
  fs.closeSync(fd);
  const cli = path.join(repoRoot, 'dist', 'cli.js');
  const size = fs.statSync(file).size;
  const timeBin = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
  const t0 = performance.now();
  const run = timeBin
    ? spawnSync(timeBin, ['-f', '%M', process.execPath, cli, 'diagnose', '--json', file], { encoding: 'utf8', maxBuffer: 1 << 30 })
    : spawnSync(process.execPath, [cli, 'diagnose', '--json', file], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const seconds = (performance.now() - t0) / 1000;
  const rss = timeBin ? Number(run.stderr.trim().split('\n').pop()) / 1024 : Number.NaN;
  let count = 'n/a';
  try { count = JSON.parse(run.stdout).findings.length.toLocaleString('en-US'); } catch { /* reported below */ }
  console.log(`memory: 10,000 distinct findings in 60 KiB lines (${(size / 1e6).toFixed(0)} MB): CLI exit ${run.status}, ${count} findings, ${seconds.toFixed(1)} s, peak RSS ${Number.isNaN(rss) ? 'n/a (no /usr/bin/time)' : `${rss.toFixed(1)} MB`}   target <= 100 MB (was 900 MB)`);
  fs.rmSync(dir, { recursive: true, force: true });
}
