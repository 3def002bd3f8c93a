import assert from 'node:assert/strict';
import { diagnoseText, LogDiagnoser } from '../../../src/core/diagnosis/logDiagnoser';
import { readLogFixture } from './fixturePaths';

const SANDBOXES = [
  '055b221e44a28ce8d9120f771d5e1ef201f2457ce49c58999a0147104cca2708',
  '01d576d2f808a969bb7cb8da11d1ee3117ec4e9792d4aea33abec55318b74e01',
  '2e848e89543e7b6491d0b47eb2be7ec620865024d942012303ede16842aa1108',
  '415cd18f24ec2740486a7bf254054f871bd8abe4c26bc6e27dbf1f5a10c29f69',
];

function seedLine(id: string, minute: number): string {
  const mm = String(minute % 60).padStart(2, '0');
  return `Sep 27 05:${mm}:12 talos-192-168-1-15 kubelet[1873]: E0927 05:${mm}:12.123456    1873 remote_runtime.go:205] "StopPodSandbox from runtime service failed" err="rpc error: code = Unknown desc = failed to destroy network for sandbox \\"${id}\\": failed to get network \\"cbr0\\" cached result: decoding version from network config: unexpected end of JSON input" podSandboxID="${id}"`;
}

const INFO = 'Sep 27 05:47:12 talos-192-168-1-15 kubelet[1873]: I0927 05:47:12.200112    1873 kubelet.go:2465] "SyncLoop (PLEG): event for pod" pod="default/web-0"';

/** The seed case: a thousand error lines an hour for a handful of sandboxes, among normal lines. */
function seedHour(): { text: string; expected: Map<string, number[]> } {
  const lines: string[] = [];
  const expected = new Map<string, number[]>(SANDBOXES.map((id) => [id, []]));
  for (let i = 0; i < 1000; i += 1) {
    const id = SANDBOXES[i % 7 === 0 ? 3 : i % 3];
    lines.push(INFO);
    lines.push(seedLine(id, Math.floor(i * 60 / 1000)));
    expected.get(id)?.push(lines.length);
  }
  return { text: `${lines.join('\n')}\n`, expected };
}

describe('LogDiagnoser grouping', () => {
  it('collapses 1,000 seed errors for four sandboxes into four findings with exact counts and line numbers', () => {
    const { text, expected } = seedHour();
    const report = diagnoseText(text, { year: 2025 });
    assert.equal(report.linesScanned, 2000);
    assert.equal(report.bytesScanned, Buffer.byteLength(text));
    assert.equal(report.findings.length, 4);
    for (const f of report.findings) {
      assert.equal(f.rule, 'cni-cache-result-invalid');
      const lines = expected.get(f.sandboxId ?? '');
      assert.ok(lines, `unexpected sandbox ${f.sandboxId}`);
      assert.equal(f.count, lines.length);
      assert.deepEqual(f.lines, lines);
    }
    assert.equal(report.findings.reduce((sum, f) => sum + f.count, 0), 1000);
  });

  it('keeps counts exact when evidence lines are capped', () => {
    const { text } = seedHour();
    const diagnoser = new LogDiagnoser({ maxEvidenceLines: 5, year: 2025 });
    diagnoser.pushChunk(Buffer.from(text));
    const report = diagnoser.finish();
    assert.equal(report.findings.reduce((sum, f) => sum + f.count, 0), 1000);
    assert.ok(report.findings.every((f) => f.lines.length === 5));
  });

  it('records first and last timestamps per finding', () => {
    const text = [seedLine(SANDBOXES[0], 5), seedLine(SANDBOXES[0], 50), seedLine(SANDBOXES[0], 20)].join('\n');
    const [f] = diagnoseText(text, { year: 2025 }).findings;
    assert.equal(f.firstSeen, '2025-09-27T05:05:12.123456');
    assert.equal(f.lastSeen, '2025-09-27T05:50:12.123456');
  });

  it('sorts findings by severity, then by first line', () => {
    const text = [
      'Apr 16 22:26:30 n kubelet[1]: E0416 22:26:30.150357 1 kubelet.go:2373] "Container runtime network not ready" networkReady="NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized"',
      seedLine(SANDBOXES[1], 1),
      'E1008 16:23:14.139967 1636 kubelet.go:1846] skipping pod synchronization - PLEG is not healthy: pleg was last seen active 4m51.763621609s ago; threshold is 3m0s',
    ].join('\n');
    assert.deepEqual(diagnoseText(text).findings.map((f) => [f.severity, f.rule]), [
      ['error', 'cni-cache-result-invalid'], ['error', 'pleg-unhealthy'], ['warning', 'cni-not-ready'],
    ]);
  });

  it('reports nothing and counts lines on a log without problems', () => {
    const report = diagnoseText(`${INFO}\n${INFO}\r\n${INFO}`);
    assert.deepEqual(report.findings, []);
    assert.equal(report.linesScanned, 3);
  });
});

describe('LogDiagnoser streaming', () => {
  it('finds the same findings whatever the chunk boundaries', () => {
    const text = readLogFixture('lab-containerd.log') + readLogFixture('containerd-8197.log') + readLogFixture('pleg.log');
    const whole = diagnoseText(text, { year: 2025 });
    const bytes = Buffer.from(text);
    for (const size of [1, 7, 64, 1000]) {
      const diagnoser = new LogDiagnoser({ year: 2025 });
      for (let at = 0; at < bytes.length; at += size) {
        diagnoser.pushChunk(bytes.subarray(at, at + size));
      }
      assert.deepEqual(diagnoser.finish(), whole, `chunk size ${size}`);
    }
  });

  it('gives the same result line by line as from bytes', () => {
    const text = readLogFixture('name-reserved.log') + readLogFixture('ip-exhausted.log');
    const diagnoser = new LogDiagnoser({ year: 2025 });
    const lines = text.split('\n');
    lines.pop();
    for (const line of lines) {
      diagnoser.pushLine(line);
    }
    assert.deepEqual(diagnoser.finish(), diagnoseText(text, { year: 2025 }));
  });

  it('scans the head of a line longer than the cap and keeps counting lines after it', () => {
    const long = `${seedLine(SANDBOXES[0], 1)} ${'x'.repeat(2 * 1024 * 1024)}`;
    const text = `${long}\n${seedLine(SANDBOXES[1], 2)}\n`;
    for (const chunk of [64 * 1024, text.length]) {
      const diagnoser = new LogDiagnoser({ year: 2025 });
      const bytes = Buffer.from(text);
      for (let at = 0; at < bytes.length; at += chunk) {
        diagnoser.pushChunk(bytes.subarray(at, at + chunk));
      }
      const report = diagnoser.finish();
      assert.deepEqual(report.findings.map((f) => [f.sandboxId, f.lines]), [[SANDBOXES[0], [1]], [SANDBOXES[1], [2]]]);
      assert.equal(diagnoser.stats().longLines, 1);
    }
  });

  it('ignores a problem mentioned only past the line cap', () => {
    const text = `${'x'.repeat(100_000)} ${seedLine(SANDBOXES[0], 1)}\n`;
    assert.deepEqual(diagnoseText(text).findings, []);
  });

  it('counts lines with NUL bytes and still finds problems on them', () => {
    const text = `\0\0\0\0\n${seedLine(SANDBOXES[2], 3)}\0\n`;
    const diagnoser = new LogDiagnoser({ year: 2025 });
    diagnoser.pushChunk(Buffer.from(text));
    const report = diagnoser.finish();
    assert.equal(report.findings.length, 1);
    assert.equal(report.findings[0].sandboxId, SANDBOXES[2]);
    assert.equal(diagnoser.stats().binaryLines, 2);
  });

  it('finds problems in colourised output whose literals are split by ANSI codes', () => {
    const text = `\x1b[31mE0927 05:47:12.123456 1 kubelet.go:1] skipping pod synchronization - PLEG is \x1b[1mnot healthy\x1b[0m: pleg was last seen active 4m51s ago; threshold is 3m0s\n${INFO}\n`;
    const report = diagnoseText(text);
    assert.deepEqual(report.findings.map((f) => [f.rule, f.lines]), [['pleg-unhealthy', [1]]]);
    assert.equal(report.linesScanned, 2);
  });

  it('keeps at most maxFindings objects and counts the rest as dropped', () => {
    const lines = Array.from({ length: 50 }, (_, i) => seedLine(i.toString(16).padStart(64, 'a'), 1));
    const diagnoser = new LogDiagnoser({ maxFindings: 10 });
    diagnoser.pushChunk(Buffer.from(lines.join('\n')));
    assert.equal(diagnoser.finish().findings.length, 10);
    assert.equal(diagnoser.stats().droppedFindings, 40);
  });

  it('refuses input after finish()', () => {
    const diagnoser = new LogDiagnoser();
    diagnoser.finish();
    assert.throws(() => diagnoser.pushLine('x'));
  });
});

describe('LogDiagnoser on hostile input (issue 11 §5)', () => {
  it('strips a long run of carriage returns in linear time and reads lone CRs as line ends', () => {
    const run = '\r'.repeat(200_000);
    const started = performance.now();
    const report = diagnoseText(`${seedLine(SANDBOXES[0], 1)}${run}x\n`);
    const ms = performance.now() - started;
    assert.equal(report.findings.length, 1);
    assert.equal(report.linesScanned, 200_001);
    assert.ok(ms < 2000, `${ms.toFixed(0)} ms`); // the quadratic strip took seconds at this size
  });

  it('splits a log with CR-only line endings into its lines (20 findings, not 1)', () => {
    const text = Array.from({ length: 20 }, (_, i) => seedLine(`${'0'.repeat(62)}${String(i).padStart(2, '0')}`, i)).join('\r');
    const report = diagnoseText(text);
    assert.equal(report.linesScanned, 20);
    assert.equal(report.findings.length, 20);
    const lineByLine = new LogDiagnoser();
    lineByLine.pushLine(text);
    assert.equal(lineByLine.finish().findings.length, 20);
  });

  it('treats a CRLF split across chunks as one line end', () => {
    const diagnoser = new LogDiagnoser();
    diagnoser.pushChunk(Buffer.from(`${seedLine(SANDBOXES[0], 1)}\r`));
    diagnoser.pushChunk(Buffer.from(`\n${seedLine(SANDBOXES[1], 2)}\r\n`));
    const report = diagnoser.finish();
    assert.equal(report.linesScanned, 2);
    assert.deepEqual(report.findings.map((f) => f.lines), [[1], [2]]);
  });

  it('survives a deeply nested JSON line and keeps the findings before and after it', () => {
    const depth = 100_000;
    const nested = `{"msg":"x","level":"error","a":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const objects = `{"msg":"y","err":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`;
    const report = diagnoseText([seedLine(SANDBOXES[0], 1), nested, objects, seedLine(SANDBOXES[1], 2)].join('\n'));
    assert.deepEqual(report.findings.map((f) => f.sandboxId), [SANDBOXES[0], SANDBOXES[1]]);
    assert.equal(report.linesScanned, 4);
  });

  it('keeps no slice of a long line in a finding, and caps evidence over all findings', () => {
    const pad = ' x'.repeat(20_000);
    const diagnoser = new LogDiagnoser({ maxEvidenceTotal: 5 });
    for (let i = 0; i < 10; i += 1) {
      diagnoser.pushLine(`${seedLine(`${'0'.repeat(62)}${String(i).padStart(2, '0')}`, i)}${pad}`);
    }
    const report = diagnoser.finish();
    assert.equal(report.findings.length, 10);
    assert.equal(report.findings.reduce((n, f) => n + f.lines.length, 0), 5);
    assert.equal(report.findings.reduce((n, f) => n + f.count, 0), 10);
    assert.equal(diagnoser.stats().droppedEvidence, 5);
    for (const f of report.findings) {
      for (const value of Object.values(f)) {
        assert.ok(typeof value !== 'string' || value.length <= 1024, 'a finding field longer than the cap');
      }
    }
  });

  it('diagnoses each of two log lines merged into one', () => {
    const merged = `${seedLine(SANDBOXES[0], 1)} ${seedLine(SANDBOXES[1], 2).replace(/^.*?kubelet\[1873\]: /, '')}`;
    const report = diagnoseText(merged);
    assert.deepEqual(report.findings.map((f) => [f.sandboxId, f.lines]), [[SANDBOXES[0], [1]], [SANDBOXES[1], [1]]]);
  });
});
