// Prints how the log diagnosis does on the public corpus of real lines (test/fixtures/corpus; not a test: nothing here
// asserts — the unit test that holds floors imports the helpers below).
//   node bench/corpus.mjs [--misses] [--json] [--corpus DIR]
// Each line of lines/<category>.jsonl goes through its own LogDiagnoser; each excerpts/<name>.log is diagnosed as a whole
// file and compared with excerpts/<name>.expect.json. Printed: recall per category (a finding with the expected category),
// false positives on the negatives (any finding on a `none` line), wrong-category answers, wrong-ID extractions (an
// expected field missing or with another value on the finding of the expected category), the excerpts, the totals; with
// --misses every line that was not answered right, with its source; --json prints the whole result as JSON.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadDiagnosis, repoRoot } from './support/load.mjs';

export const DEFAULT_CORPUS_DIR = path.join(repoRoot, 'test', 'fixtures', 'corpus');

/** The fields of `expect` a finding is checked on. */
export const EXPECT_FIELDS = ['sandboxId', 'containerId', 'podUid', 'podNamespace', 'podName', 'network', 'method'];

/**
 * Reads the corpus: `{ lines: [{line, source, category, expect, note?, file, index}], excerpts: [{name, text, source,
 * findings}] }`. Throws on a malformed entry (with its file and line number), so a broken corpus never reads as a score.
 */
export function loadCorpus(dir = DEFAULT_CORPUS_DIR) {
  const lines = [];
  const linesDir = path.join(dir, 'lines');
  for (const file of fs.readdirSync(linesDir).filter((f) => f.endsWith('.jsonl')).sort()) {
    const fileCategory = file.slice(0, -'.jsonl'.length);
    const text = fs.readFileSync(path.join(linesDir, file), 'utf8');
    text.split('\n').forEach((raw, i) => {
      if (raw.trim() === '') {
        return;
      }
      let entry;
      try {
        entry = JSON.parse(raw);
      } catch (err) {
        throw new Error(`${file}:${i + 1}: not JSON (${err.message})`);
      }
      if (typeof entry.line !== 'string' || typeof entry.source !== 'string' || typeof entry.category !== 'string') {
        throw new Error(`${file}:${i + 1}: needs string line, source and category`);
      }
      if (entry.category !== fileCategory) {
        throw new Error(`${file}:${i + 1}: category "${entry.category}" in the file of "${fileCategory}"`);
      }
      lines.push({ ...entry, expect: entry.expect ?? {}, file, index: i + 1 });
    });
  }
  const excerpts = [];
  const excerptsDir = path.join(dir, 'excerpts');
  if (fs.existsSync(excerptsDir)) {
    for (const file of fs.readdirSync(excerptsDir).filter((f) => f.endsWith('.log')).sort()) {
      const name = file.slice(0, -'.log'.length);
      const expectFile = path.join(excerptsDir, `${name}.expect.json`);
      if (!fs.existsSync(expectFile)) {
        throw new Error(`excerpts/${file}: no ${name}.expect.json`);
      }
      const expected = JSON.parse(fs.readFileSync(expectFile, 'utf8'));
      excerpts.push({ name, text: fs.readFileSync(path.join(excerptsDir, file), 'utf8'), source: expected.source, findings: expected.findings ?? [] });
    }
  }
  return { lines, excerpts };
}

/** The fields of `expect` that `finding` does not match: `[{field, expected, got}]` (got undefined when missing). */
export function fieldMismatches(expect, finding) {
  const out = [];
  for (const field of EXPECT_FIELDS) {
    if (expect[field] === undefined) {
      continue;
    }
    const got = finding === undefined ? undefined : finding[field];
    if (got !== expect[field]) {
      out.push({ field, expected: expect[field], got });
    }
  }
  return out;
}

/**
 * Judges one line's findings: `found` (a finding of the expected category), `falsePositive` (a `none` line with any
 * finding), `wrongCategory` (findings, none of the expected category), `missed` (no finding), `wrongIds` (found, but an
 * expected field missing or different on every finding of that category: the closest one is reported).
 */
export function judgeLine(entry, findings) {
  const got = findings.map((f) => f.category);
  if (entry.category === 'none') {
    return { outcome: findings.length === 0 ? 'ok' : 'false-positive', got, mismatches: [] };
  }
  const candidates = findings.filter((f) => f.category === entry.category);
  if (candidates.length === 0) {
    return { outcome: findings.length === 0 ? 'missed' : 'wrong-category', got, mismatches: [] };
  }
  let best;
  for (const finding of candidates) {
    const mismatches = fieldMismatches(entry.expect, finding);
    if (best === undefined || mismatches.length < best.length) {
      best = mismatches;
    }
  }
  return { outcome: best.length === 0 ? 'ok' : 'wrong-ids', got, mismatches: best };
}

/**
 * Matches an excerpt's findings with the expected ones: each expected finding is matched by one reported finding of its
 * category whose fields agree; unmatched expected ones are misses; unmatched reported ones are `split` (an expected
 * category reported for more objects than expected) or `extra` (a category not expected at all: a false positive).
 */
export function judgeExcerpt(expected, findings) {
  const unused = [...findings];
  const missed = [];
  const wrongIds = [];
  let matched = 0;
  for (const want of expected) {
    const expect = Object.fromEntries(EXPECT_FIELDS.filter((f) => want[f] !== undefined).map((f) => [f, want[f]]));
    const sameCategory = unused.filter((f) => f.category === want.category);
    const exact = sameCategory.find((f) => fieldMismatches(expect, f).length === 0);
    if (exact !== undefined) {
      matched += 1;
      unused.splice(unused.indexOf(exact), 1);
    } else if (sameCategory.length > 0) {
      wrongIds.push({ expected: want, mismatches: fieldMismatches(expect, sameCategory[0]) });
      unused.splice(unused.indexOf(sameCategory[0]), 1);
    } else {
      missed.push(want);
    }
  }
  // Further findings of an expected category split one object in two (counted apart); any other category is extra.
  const expectedCategories = new Set(expected.map((e) => e.category));
  const describe = (f) => ({ category: f.category, rule: f.rule, sandboxId: f.sandboxId, containerId: f.containerId });
  const split = unused.filter((f) => expectedCategories.has(f.category)).map(describe);
  const extra = unused.filter((f) => !expectedCategories.has(f.category)).map(describe);
  return { expected: expected.length, matched, missed, wrongIds, split, extra };
}

/** Runs the corpus through `LogDiagnoser` (a fresh one per line, one per excerpt) and returns the figures. */
export function evaluateCorpus(LogDiagnoser, corpus) {
  const perCategory = {};
  const misses = [];
  const totals = { lines: 0, positives: 0, found: 0, foundWithIds: 0, negatives: 0, falsePositives: 0, wrongCategory: 0, missed: 0, wrongIds: 0 };
  for (const entry of corpus.lines) {
    const diagnoser = new LogDiagnoser({ year: 2024 });
    diagnoser.pushLine(entry.line);
    const findings = diagnoser.finish().findings;
    const verdict = judgeLine(entry, findings);
    totals.lines += 1;
    const row = (perCategory[entry.category] ??= { lines: 0, found: 0, foundWithIds: 0, wrongCategory: 0, missed: 0, wrongIds: 0, falsePositives: 0, sources: new Set() });
    row.lines += 1;
    row.sources.add(entry.source);
    if (entry.category === 'none') {
      totals.negatives += 1;
      if (verdict.outcome === 'false-positive') {
        row.falsePositives += 1;
        totals.falsePositives += 1;
      }
    } else {
      totals.positives += 1;
      if (verdict.outcome === 'ok' || verdict.outcome === 'wrong-ids') {
        row.found += 1;
        totals.found += 1;
      }
      if (verdict.outcome === 'ok') {
        row.foundWithIds += 1;
        totals.foundWithIds += 1;
      } else if (verdict.outcome === 'wrong-ids') {
        row.wrongIds += 1;
        totals.wrongIds += 1;
      } else if (verdict.outcome === 'wrong-category') {
        row.wrongCategory += 1;
        totals.wrongCategory += 1;
      } else {
        row.missed += 1;
        totals.missed += 1;
      }
    }
    if (verdict.outcome !== 'ok') {
      misses.push({ outcome: verdict.outcome, category: entry.category, got: verdict.got, mismatches: verdict.mismatches, line: entry.line, source: entry.source, where: `${entry.file}:${entry.index}` });
    }
  }
  const excerpts = corpus.excerpts.map((excerpt) => {
    const diagnoser = new LogDiagnoser({ year: 2024 });
    diagnoser.pushChunk(Buffer.from(excerpt.text, 'utf8'));
    return { name: excerpt.name, source: excerpt.source, ...judgeExcerpt(excerpt.findings, diagnoser.finish().findings) };
  });
  const categories = Object.fromEntries(
    Object.entries(perCategory)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([category, r]) => [category, { ...r, sources: r.sources.size, recall: r.lines === 0 ? 0 : r.found / r.lines }]),
  );
  const sources = new Set(corpus.lines.map((l) => l.source)).size;
  return {
    totals: {
      ...totals,
      sources,
      recall: totals.positives === 0 ? 0 : totals.found / totals.positives,
      falsePositiveRate: totals.negatives === 0 ? 0 : totals.falsePositives / totals.negatives,
      excerpts: excerpts.length,
      excerptFindingsExpected: excerpts.reduce((n, e) => n + e.expected, 0),
      excerptFindingsMatched: excerpts.reduce((n, e) => n + e.matched, 0),
      excerptExtraFindings: excerpts.reduce((n, e) => n + e.extra.length, 0),
      excerptSplitFindings: excerpts.reduce((n, e) => n + e.split.length, 0),
    },
    categories,
    excerpts,
    misses,
  };
}

function pct(x) {
  return `${(100 * x).toFixed(1)} %`;
}

/** The human-readable report (what `node bench/corpus.mjs` prints). */
export function formatReport(result, { misses = false } = {}) {
  const out = [];
  const t = result.totals;
  out.push(`corpus: ${t.lines} lines from ${t.sources} sources (${t.positives} failures, ${t.negatives} negatives), ${t.excerpts} excerpts`);
  out.push('');
  out.push(`${'category'.padEnd(24)} ${'lines'.padStart(5)} ${'found'.padStart(5)} ${'recall'.padStart(8)} ${'wrongcat'.padStart(8)} ${'missed'.padStart(6)} ${'wrongid'.padStart(7)}`);
  for (const [category, r] of Object.entries(result.categories)) {
    if (category === 'none') {
      continue;
    }
    out.push(`${category.padEnd(24)} ${String(r.lines).padStart(5)} ${String(r.found).padStart(5)} ${pct(r.recall).padStart(8)} ${String(r.wrongCategory).padStart(8)} ${String(r.missed).padStart(6)} ${String(r.wrongIds).padStart(7)}`);
  }
  out.push('');
  out.push(`recall (expected category found): ${t.found}/${t.positives} = ${pct(t.recall)}; with every expected ID right: ${t.foundWithIds}/${t.positives} = ${pct(t.positives === 0 ? 0 : t.foundWithIds / t.positives)}`);
  out.push(`wrong category: ${t.wrongCategory}; missed (no finding): ${t.missed}; wrong-ID extractions: ${t.wrongIds}`);
  out.push(`false positives on negatives: ${t.falsePositives}/${t.negatives} = ${pct(t.falsePositiveRate)}`);
  out.push(`excerpts: ${t.excerptFindingsMatched}/${t.excerptFindingsExpected} expected findings matched, ${t.excerptExtraFindings} extra (unexpected category), ${t.excerptSplitFindings} split (expected category, more findings)`);
  for (const e of result.excerpts) {
    const parts = [`${e.matched}/${e.expected} matched`];
    if (e.missed.length > 0) parts.push(`missed ${e.missed.map((m) => m.category).join(', ')}`);
    if (e.wrongIds.length > 0) parts.push(`wrong IDs ${e.wrongIds.map((w) => `${w.expected.category}: ${w.mismatches.map((m) => m.field).join('/')}`).join(', ')}`);
    if (e.split.length > 0) parts.push(`split ${e.split.map((x) => x.category).join(', ')}`);
    if (e.extra.length > 0) parts.push(`extra ${e.extra.map((x) => x.category).join(', ')}`);
    out.push(`  ${e.name}: ${parts.join('; ')}`);
  }
  if (misses) {
    out.push('');
    out.push(`misses (${result.misses.length}):`);
    for (const m of result.misses) {
      const detail = m.outcome === 'wrong-ids'
        ? m.mismatches.map((x) => `${x.field}: expected ${x.expected}, got ${x.got ?? '(none)'}`).join('; ')
        : `got [${m.got.join(', ')}]`;
      out.push(`- [${m.outcome}] ${m.category} (${m.where}) ${detail}`);
      out.push(`  ${m.source}`);
      out.push(`  ${m.line}`);
    }
  }
  return out.join('\n');
}

async function main() {
  const args = process.argv.slice(2);
  const dirIndex = args.indexOf('--corpus');
  const dir = dirIndex >= 0 ? path.resolve(args[dirIndex + 1]) : DEFAULT_CORPUS_DIR;
  const { LogDiagnoser } = await loadDiagnosis();
  const result = evaluateCorpus(LogDiagnoser, loadCorpus(dir));
  if (args.includes('--json')) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    process.stdout.write(`${formatReport(result, { misses: args.includes('--misses') })}\n`);
  }
}

if (process.argv[1] !== undefined && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  await main();
}
export const corpusBenchPath = fileURLToPath(import.meta.url);
