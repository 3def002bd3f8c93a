// What the benches share: loading TypeScript from src/ (and test/) without a prior tsc, and a seeded PRNG.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Bundles `export { names } from '<repo path>'` for each [names, repo-relative module] pair into a temporary CommonJS
 * file for this Node, loads it and removes it.
 */
export async function loadFromRepo(exports) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-bench-'));
  try {
    const entry = path.join(dir, 'entry.ts');
    fs.writeFileSync(entry, exports.map(([names, module]) => `export { ${names} } from ${JSON.stringify(path.join(repoRoot, module))};`).join('\n'));
    const outfile = path.join(dir, 'bench.cjs');
    await esbuild.build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'error' });
    return createRequire(import.meta.url)(outfile);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** src/core/diagnosis (engine, parse, catalog), as the diagnose and fuzz benches use it. */
export function loadDiagnosis() {
  return loadFromRepo([
    ['diagnoseText, LogDiagnoser', 'src/core/diagnosis/logDiagnoser'],
    ['parseLogLine', 'src/core/diagnosis/parse'],
    ['eventOf', 'src/core/diagnosis/event'],
    ['RULES, catalogLiterals', 'src/core/diagnosis/catalog'],
    ['explainMarkdown, fixCommandsFor', 'src/core/diagnosis/explain'],
  ]);
}

/** A deterministic PRNG (mulberry32) so generated input is reproducible. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
