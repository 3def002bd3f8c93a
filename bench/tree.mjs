// The sidebar's two budgets, measured for real (NOT part of CI: building thousands of sandboxes takes minutes).
//  (a) bundle sizes and activation: `node esbuild.mjs --production`, sizes of dist/extension.js (target ≤ 1.5 MB) and of
//      the lazily loaded dist/nodeEngine.js; then L launches of a real VS Code extension host (code-server, driven by
//      test/harness/exthost.mjs) whose payload (bench/treeActivation) times the first `await ext.activate()`;
//      median (target ≤ 50 ms), and as many launches with an empty activate() as a baseline (what the extension
//      host costs any extension: context and storage set-up), alternating with the extension's so both see the same
//      load; the extension's own share is the difference of the medians (target ≤ 10 ms), also given paired. The production bundles are copied into a throwaway
//      extension folder (what the .vsix ships), so a concurrent `node esbuild.mjs` cannot change them mid-run; dist/ is
//      rebuilt for development afterwards.
//  (b) "Inspect node" → tree populated on a node with N stopped sandboxes on the real runtime: empties the lab, builds the
//      sandboxes the way bench/inventory.mjs does (Run + Stop 3 at a time, one exited container every K, one cache file
//      copy per sandbox), then R runs of NodeDoctor.inspect (dist/nodeEngine.js, the local node = the lab as the CLI tests
//      map it) + the tree content (src/ui/tree/treeContent.ts: buildNodeContent and the first page of every group;
//      also every page, as if "Show more" were clicked to the end). Cleans up unless --keep.
// Usage (repo root, as root on Debian; (b) needs a lab and the compiled tests):
//   npm run compile-tests
//   set -a; eval "$(KND_LAB_DIR=/tmp/knd-bench KND_BRIDGE=kndbench KND_SUBNET=10.244.210.0/24 bash test/harness/runtime/up.sh)"; set +a
//   node bench/tree.mjs [--sandboxes N (5000)] [--containers-every K (10)] [--runs R (3)] [--page-size P (200)]
//                       [--launches L (5)] [--skip-activation] [--skip-baseline] [--skip-tree] [--keep]
//   KND_LAB_DIR=/tmp/knd-bench bash test/harness/runtime/down.sh
// Prints one line per measurement and a JSON summary last.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ensureCodeServer, run } from '../test/harness/provision.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { values: a } = parseArgs({ options: {
  sandboxes: { type: 'string', default: '5000' }, 'containers-every': { type: 'string', default: '10' }, runs: { type: 'string', default: '3' },
  'page-size': { type: 'string', default: '200' }, launches: { type: 'string', default: '5' }, 'skip-activation': { type: 'boolean', default: false },
  'skip-tree': { type: 'boolean', default: false }, 'skip-baseline': { type: 'boolean', default: false }, keep: { type: 'boolean', default: false },
} });
const MB = 1024 * 1024;
const summary = {};

function median(values) {
  const s = [...values].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function round(ms) {
  return Math.round(ms * 10) / 10;
}

function say(message) {
  process.stderr.write(`[bench] ${message}\n`);
}

/** Runs a command and resolves with its stdout (stderr is passed through only on failure). */
function capture(argv, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => { out += c; });
    child.stderr.on('data', (c) => { out += c; });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

// ---- (a) bundle sizes and activation -----------------------------------------------------------------------------

/** The production bundles and what the .vsix ships beside them, in a throwaway extension folder. */
function productionExtension() {
  say('node esbuild.mjs --production');
  run(['node', 'esbuild.mjs', '--production'], { capture: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-bench-ext-'));
  for (const file of ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'dist/extension.js', 'dist/logs.js', 'dist/nodes.js', 'dist/nodeEngine.js', 'dist/webview', 'media']) {
    const from = path.join(root, file);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(dir, file), { recursive: true, filter: (src) => !src.endsWith('.map') && !src.includes(`${path.sep}screenshots`) });
  }
  // No activation event in the copy: a start-up model fires `onLanguage:plaintext` in code-server before the payload
  // runs, so the payload's `ext.activate()` would find it active. Activation costs the same whatever triggers it.
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  manifest.activationEvents = [];
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  return dir;
}

function sizes(dir) {
  const out = {};
  for (const file of ['dist/extension.js', 'dist/logs.js', 'dist/nodes.js', 'dist/nodeEngine.js', 'dist/webview/report.js']) {
    const full = path.join(dir, file);
    if (fs.existsSync(full)) out[file] = fs.statSync(full).size;
  }
  return out;
}

/** One launch of a fresh code-server whose payload times the first activation of the extension in `dir`. */
async function launch(bin, dir, workspace) {
  const started = performance.now();
  const { code, out } = await capture(['node', 'test/harness/exthost.mjs', '--code-server', bin, '--ext', dir,
    '--tests', path.join(root, 'bench/treeActivation'), '--workspace', workspace, '--timeout', '120'], 180_000);
  const m = /KND_BENCH_ACTIVATION_MS=([\d.]+)/.exec(out);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (!m) {
    const why = /KND_BENCH_ACTIVATION already-active/.test(out) ? 'the extension was already active' : `exit ${code}: ${out.trim().split('\n').slice(-5).join(' | ')}`;
    return { why, seconds };
  }
  const call = /KND_BENCH_ACTIVATE_CALL_MS=([\d.]+)/.exec(out);
  const reload = /KND_BENCH_RELOAD_MS=([\d.]+)/.exec(out);
  return { ms: Number(m[1]), call: call ? Number(call[1]) : undefined, reload: reload ? Number(reload[1]) : undefined, seconds };
}

/**
 * L launches of the extension and, when `baseDir` is given, L of the empty extension, alternating (extension,
 * baseline, extension, …) so both see the same machine load: on a shared machine, running one series after the other
 * lets a change of load pass for a difference between them. Also the median of the per-pair differences.
 */
async function activation(extDir, baseDir, launches) {
  const bin = ensureCodeServer();
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-bench-ws-')); // empty: no log editor to activate the extension early
  const series = { ext: { figures: [], callFigures: [], reloadFigures: [] }, base: { figures: [], callFigures: [], reloadFigures: [] } };
  const pairs = [];
  try {
    for (let i = 0; i < launches; i++) {
      const row = {};
      for (const [key, dir, label] of [['ext', extDir, 'activation'], ['base', baseDir, 'baseline']]) {
        if (!dir) continue;
        const r = await launch(bin, dir, workspace);
        if (r.ms === undefined) {
          console.log(`${label}, launch ${i + 1}: no figure (${r.why})`);
          continue;
        }
        row[key] = r.ms;
        series[key].figures.push(r.ms);
        if (r.call !== undefined) series[key].callFigures.push(r.call);
        if (r.reload !== undefined) series[key].reloadFigures.push(r.reload);
        console.log(`${label}, launch ${i + 1}: ${r.ms} ms (activate() call by VS Code's marks ${r.call ?? '?'} ms; ` +
          `re-require of dist/extension.js ${r.reload ?? '?'} ms; launch took ${r.seconds} s)`);
      }
      if (row.ext !== undefined && row.base !== undefined) pairs.push(row.ext - row.base);
    }
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
  return { ...series, pairs };
}

let extDir;
if (!a['skip-activation']) {
  try {
    extDir = productionExtension();
    const s = sizes(extDir);
    summary.bundleBytes = s;
    const ext = s['dist/extension.js'];
    console.log(`dist/extension.js ${(ext / MB).toFixed(3)} MB (${ext} bytes; target ≤ 1.5 MB: ${ext <= 1.5 * MB ? 'met' : 'MISSED'})`);
    for (const part of ['dist/logs.js', 'dist/nodes.js']) if (s[part]) console.log(`${part.padEnd(17)} ${(s[part] / MB).toFixed(3)} MB (${s[part]} bytes; loaded on first use, not at activation)`);
    if (s['dist/nodeEngine.js']) console.log(`dist/nodeEngine.js    ${(s['dist/nodeEngine.js'] / MB).toFixed(3)} MB (${s['dist/nodeEngine.js']} bytes; loaded on first use, not at activation)`);
    if (s['dist/webview/report.js']) console.log(`dist/webview/report.js ${(s['dist/webview/report.js'] / MB).toFixed(3)} MB`);
  } catch (error) {
    console.log(`bundle sizes and activation: not measured, the production build failed: ${error.message.split('\n').slice(0, 12).join('\n')}`);
  } finally {
    // Leave dist/ as a development build leaves it (source maps), whatever the production build wrote.
    if (run(['node', 'esbuild.mjs'], { capture: true, allowFail: true }).status !== 0) say('rebuilding dist/ for development failed (node esbuild.mjs)');
  }
  if (extDir) {
    let baseDir;
    try {
      if (!a['skip-baseline']) {
        // An empty activate() under the same ID and manifest: what the extension host costs any extension.
        baseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-bench-base-'));
        fs.cpSync(extDir, baseDir, { recursive: true });
        fs.writeFileSync(path.join(baseDir, 'dist/extension.js'), 'exports.activate = () => undefined;\nexports.deactivate = () => undefined;\n');
        say('baseline: an empty extension, launched alternately with the extension');
      }
      const { ext, base, pairs } = await activation(extDir, baseDir, Number(a.launches));
      const { figures, callFigures, reloadFigures } = ext;
      if (figures.length > 0) {
        const m = median(figures);
        summary.activationMs = { median: round(m), runs: figures, target: 50 };
        if (callFigures.length > 0) summary.activateCallMs = { median: round(median(callFigures)), runs: callFigures };
        if (reloadFigures.length > 0) summary.reloadMs = { median: round(median(reloadFigures)), runs: reloadFigures };
        console.log(`activation median ${round(m)} ms over ${figures.length} launches (target ≤ 50 ms: ${m <= 50 ? 'met' : 'MISSED'}); all: ${figures.join(', ')} ms` +
          `${summary.activateCallMs ? `; activate() call median ${summary.activateCallMs.median} ms` : ''}${summary.reloadMs ? `; re-require median ${summary.reloadMs.median} ms` : ''}`);
      }
      if (base.figures.length > 0) {
        const b = median(base.figures);
        summary.baselineActivationMs = { median: round(b), runs: base.figures };
        if (base.callFigures.length > 0) summary.baselineActivateCallMs = { median: round(median(base.callFigures)), runs: base.callFigures };
        const share = summary.activationMs ? round(summary.activationMs.median - b) : undefined;
        if (share !== undefined) summary.ownShareMs = { medianDifference: share, pairedMedian: pairs.length > 0 ? round(median(pairs)) : undefined, pairs, target: 10 };
        console.log(`baseline (empty activate(), same host, launched alternately): median ${round(b)} ms; all: ${base.figures.join(', ')} ms` +
          (share !== undefined ? `; the extension's own share ≈ ${share} ms (target ≤ 10 ms: ${share <= 10 ? 'met' : 'MISSED'})` +
            (pairs.length > 0 ? `; median of the ${pairs.length} paired differences ${round(median(pairs))} ms` : '') : ''));
      }
    } catch (error) {
      console.log(`activation: not measured: ${error.message}`);
    } finally {
      if (baseDir) fs.rmSync(baseDir, { recursive: true, force: true });
    }
  }
}

// ---- (b) Inspect node → tree populated -----------------------------------------------------------------------------

/** The engine bundle: the production dist/nodeEngine.js of part (a), else dist/nodeEngine.js, else src/nodeEngine.ts bundled here. */
async function loadEngine() {
  const production = extDir && path.join(extDir, 'dist/nodeEngine.js');
  if (production && fs.existsSync(production)) {
    say('engine: the production dist/nodeEngine.js of part (a)');
    return require(production);
  }
  if (fs.existsSync(path.join(root, 'dist/nodeEngine.js'))) {
    say('engine: dist/nodeEngine.js');
    return require(path.join(root, 'dist/nodeEngine.js'));
  }
  say('engine: dist/nodeEngine.js is missing (the build fails?); bundling src/nodeEngine.ts with the options of esbuild.mjs');
  const esbuild = await import('esbuild');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-bench-engine-'));
  await esbuild.build({ entryPoints: [path.join(root, 'src/nodeEngine.ts')], bundle: true, minify: true, platform: 'node', target: 'node20', format: 'cjs', outfile: path.join(dir, 'nodeEngine.js'), logLevel: 'error' });
  const engine = require(path.join(dir, 'nodeEngine.js'));
  fs.rmSync(dir, { recursive: true, force: true });
  return engine;
}

/** src/ui/tree/treeContent.ts bundled for plain Node (it has no vscode import); undefined when it does not exist yet. */
async function loadTreeContent() {
  const entry = path.join(root, 'src/ui/tree/treeContent.ts');
  if (!fs.existsSync(entry)) return undefined;
  const esbuild = await import('esbuild');
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'knd-bench-tree-')), 'treeContent.js');
  await esbuild.build({ entryPoints: [entry], bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile: out, logLevel: 'error', external: ['vscode'] });
  const mod = require(out);
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
  return mod;
}

/** Every element of every group: the first page only, or every page ("Show more" clicked until none is left). */
function treePages(tree, content, pageSize, allPages) {
  let elements = 0;
  const leaves = [];
  for (const group of tree.nodeGroups(content)) {
    if (group.group === 'containers') {
      for (const child of tree.groupChildren(content, group, undefined, pageSize)) {
        elements += 1;
        if (child.kind === 'group') leaves.push(child);
      }
    } else {
      leaves.push(group);
    }
  }
  for (const group of leaves) {
    let shown;
    for (;;) {
      const children = tree.groupChildren(content, group, shown, pageSize);
      elements += children.length;
      const more = children[children.length - 1];
      if (!allPages || more?.kind !== 'more') break;
      shown = more.shown + pageSize;
    }
  }
  return elements;
}

async function inspectBench() {
  if (!process.env.KND_CRI_ENDPOINT) {
    console.log('inspect → tree: not measured: no runtime lab in the environment (see the usage at the top of bench/tree.mjs)');
    return;
  }
  const labJs = path.join(root, 'out/test/integration/support/lab.js');
  if (!fs.existsSync(labJs)) throw new Error('out/test/integration/support/lab.js is missing: run "npm run compile-tests" first');
  const lab = require(labJs);
  const { NodeDoctor } = await loadEngine();
  const tree = await loadTreeContent();
  const n = Number(a.sandboxes);
  const every = Number(a['containers-every']);
  const runs = Number(a.runs);
  const pageSize = Number(a['page-size']);
  const env = lab.requireLab();
  const resultsDir = path.join(env.cniCacheDir, 'results');
  const cri = lab.labCri();
  const made = [];

  // The builder of bench/inventory.mjs (copied: that file is a script, not a module).
  say(`emptying the lab ${env.labDir}, then building ${n} stopped sandboxes`);
  await lab.cleanupAll();
  const t0 = performance.now();
  let template;
  let next = 0;
  await Promise.all(Array.from({ length: 3 }, async () => {
    while (next < n) {
      const i = next++;
      const id = await lab.runSandbox({ name: `bench-${i % 50}`, namespace: 'knd-bench', uid: `bench-uid-${i}` });
      if (!template) template = { id, text: fs.readFileSync(lab.cacheFilePath(env.network, id, 'eth0'), 'utf8') };
      if (i % every === 0) await lab.runExitedContainer(id, `job-${i}`, 0);
      await cri.stopPodSandbox(id);
      made.push(id);
      if ((i + 1) % 500 === 0) say(`… ${i + 1}/${n} sandboxes`);
    }
  }));
  for (const id of made) {
    fs.writeFileSync(path.join(resultsDir, `${env.network}-${id}-eth0`), template.text.replaceAll(template.id, id), { mode: 0o600 });
  }
  const buildS = (performance.now() - t0) / 1000;
  console.log(`built ${n} stopped sandboxes, ${Math.ceil(n / every)} exited containers, ${n} cache files in ${buildS.toFixed(1)} s`);

  const doctor = new NodeDoctor({
    settings: () => ({
      localNode: 'auto',
      local: { name: 'bench-node', runtimeEndpoint: env.endpoint, hostRoot: env.hostRoot, cniCacheDir: env.cniCacheDir, cniConfDir: env.cniConfDir, cniBinDir: env.cniBinDir },
      bridge: {},
      quarantineDir: path.join(env.labDir, 'quarantine'),
    }),
    audit: { append: async () => undefined },
    actor: 'bench', client: 'bench', log: () => undefined,
  });
  const ref = doctor.localRef();
  const rows = [];
  for (let r = 0; r < runs; r++) {
    const s0 = performance.now();
    const inventory = await doctor.inspect(ref);
    const s1 = performance.now();
    const row = { inspectMs: s1 - s0 };
    let line = `run ${r + 1}: NodeDoctor.inspect ${row.inspectMs.toFixed(0)} ms (${inventory.sandboxes.length} sandboxes, ${inventory.containers.length} containers, ` +
      `${inventory.cniCache.length} cache files, ${inventory.findings.length} findings)`;
    if (tree) {
      const content = tree.buildNodeContent(ref, inventory);
      const s2 = performance.now();
      const firstElements = treePages(tree, content, pageSize, false);
      const s3 = performance.now();
      const allElements = treePages(tree, tree.buildNodeContent(ref, inventory), pageSize, true);
      const s4 = performance.now();
      Object.assign(row, { contentMs: s2 - s1, firstPagesMs: s3 - s2, populatedMs: s3 - s0, allPagesMs: s4 - s3, firstElements, allElements });
      line += `; tree content ${row.contentMs.toFixed(1)} ms + first pages ${row.firstPagesMs.toFixed(1)} ms (${firstElements} elements) ` +
        `→ populated ${row.populatedMs.toFixed(0)} ms; every page ("Show more" to the end, page ${pageSize}) ${row.allPagesMs.toFixed(1)} ms (${allElements} elements)`;
    }
    rows.push(row);
    console.log(line);
  }
  const med = (key) => round(median(rows.map((x) => x[key])));
  summary.tree = { sandboxes: n, exitedContainers: Math.ceil(n / every), cacheFiles: n, pageSize, runs, buildSeconds: round(buildS), inspectMs: med('inspectMs') };
  if (tree) {
    Object.assign(summary.tree, { contentMs: med('contentMs'), firstPagesMs: med('firstPagesMs'), populatedMs: med('populatedMs'), allPagesMs: med('allPagesMs') });
    console.log(`inspect → tree populated (median of ${runs}): ${summary.tree.populatedMs} ms = NodeDoctor.inspect ${summary.tree.inspectMs} ms + tree content ` +
      `${summary.tree.contentMs} ms + first pages ${summary.tree.firstPagesMs} ms; every page ${summary.tree.allPagesMs} ms`);
  } else {
    summary.tree.todo = 'src/ui/tree/treeContent.ts does not exist yet: only NodeDoctor.inspect was timed';
    console.log(`NodeDoctor.inspect median ${summary.tree.inspectMs} ms; TODO: tree content not timed (src/ui/tree/treeContent.ts missing)`);
  }
  await doctor.dispose();

  if (!a.keep) {
    for (const id of made) fs.rmSync(path.join(resultsDir, `${env.network}-${id}-eth0`), { force: true });
    const t1 = performance.now();
    await lab.cleanupAll();
    say(`cleaned up in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  }
  cri.close();
}

if (!a['skip-tree']) {
  try {
    await inspectBench();
  } catch (error) {
    console.log(`inspect → tree: failed: ${error instanceof Error ? error.stack : error}`);
    process.exitCode = 1;
  }
}
if (extDir) fs.rmSync(extDir, { recursive: true, force: true });
console.log(JSON.stringify(summary));
process.exit(process.exitCode ?? 0);
