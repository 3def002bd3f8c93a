// `npm test`: every stage, each provisioning what it needs, then one closing line `N passed, N failed`.
//   checks       esbuild bundles, tsc --noEmit, ESLint (each counts as one check)
//   unit         mocha in plain Node over src/core (no VS Code, no runtime)
//   integration  mocha against a real containerd + runc + CNI started by test/harness/runtime/up.sh (root, Debian)
//   exthost      mocha inside a real VS Code extension host (code-server from npm, driven by Debian's Chromium)
//   e2e          playwright-core + Chromium against code-server with the extension installed from the built .vsix
// A stage that cannot run here prints a loud SKIPPED line, except under CI=true where it fails.
// Usage: node test/harness/runAll.mjs [stage ...]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  BROWSER_PACKAGES, EXE_PACKAGES, RUNTIME_PACKAGES, UNIT_PACKAGES, build, cacheDir, ensureAptPackages, ensureCodeServer, ensureDockerPackages, ensureNodeModules,
  log, repoRoot, run, systemProvisioningBlocker,
} from './provision.mjs';

const ci = process.env.CI === 'true';
const ALL = ['checks', 'unit', 'integration', 'exthost', 'e2e'];
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const s of wanted) if (!ALL.includes(s)) { console.error(`unknown stage "${s}"; stages: ${ALL.join(', ')}`); process.exit(2); }
const stages = wanted.length > 0 ? wanted : ALL;

/** Runs a command, streaming its output, and returns {code, output}. */
function stream(argv, { env = process.env, cwd = repoRoot } = {}) {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (target) => (chunk) => { output += chunk.toString(); target.write(chunk); };
    child.stdout.on('data', onData(process.stdout));
    child.stderr.on('data', onData(process.stderr));
    child.on('error', (error) => resolve({ code: 127, output: `${output}\n${error.message}` }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output }));
  });
}

/** Reads mocha's spec summary ("N passing", "N failing") from captured output. */
function mochaCounts(output, code) {
  // eslint-disable-next-line no-control-regex -- stripping ANSI colour codes
  const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
  const passing = [...plain.matchAll(/^\s*(\d+) passing/gm)].map((m) => Number(m[1]));
  const failing = [...plain.matchAll(/^\s*(\d+) failing/gm)].map((m) => Number(m[1]));
  const passed = passing.reduce((a, b) => a + b, 0);
  let failed = failing.reduce((a, b) => a + b, 0);
  if (code !== 0 && failed === 0) failed = 1; // crashed before or after reporting
  if (passed + failed === 0) failed = 1; // a stage that ran no test is a failure
  return { passed, failed };
}

function testFiles(dir) {
  const root = path.join(repoRoot, dir);
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root, { recursive: true }).filter((f) => f.endsWith('.test.ts'));
}

function mocha(glob, timeoutMs, env = process.env) {
  return stream(['npx', 'mocha', '--color', '--reporter', 'spec', '--timeout', String(timeoutMs), '--exit', glob], { env })
    .then(({ code, output }) => mochaCounts(output, code));
}

/** Runs `fn` unless a blocker prevents the stage; returns counts or a SKIPPED marker. */
async function guarded(name, blocker, fn) {
  if (blocker) {
    const line = `SKIPPED: stage "${name}" cannot run here: ${blocker}`;
    console.log(`\n${'!'.repeat(line.length)}\n${line}\n${'!'.repeat(line.length)}`);
    return ci ? { passed: 0, failed: 1, note: `cannot run under CI: ${blocker}` } : { passed: 0, failed: 0, skipped: true };
  }
  return fn();
}

const STAGES = {
  async checks() {
    let passed = 0, failed = 0;
    for (const [label, argv] of [['build', ['node', 'esbuild.mjs']], ['typecheck', ['npm', 'run', '--silent', 'typecheck']], ['lint', ['npx', 'eslint', '.']]]) {
      const { code } = await stream(argv);
      console.log(`${code === 0 ? '✔' : '✘'} ${label}`);
      if (code === 0) passed += 1; else failed += 1;
    }
    return { passed, failed };
  },
  async unit() {
    if (!systemProvisioningBlocker()) ensureAptPackages(UNIT_PACKAGES);
    return mocha('out/test/unit/**/*.test.js', 10_000);
  },
  async integration() {
    if (testFiles('test/integration').length === 0) return { passed: 0, failed: 0, skipped: true, note: 'no integration tests yet' };
    return guarded('integration', systemProvisioningBlocker(), async () => {
      ensureAptPackages([...RUNTIME_PACKAGES, ...EXE_PACKAGES]);
      ensureDockerPackages();
      // The single executable and its image, fresh (about 5-20 s): test/integration/npdImage.test.ts runs them on the lab.
      run(['node', 'packaging/buildExe.mjs', '--quiet']);
      run(['node', 'packaging/buildImage.mjs']);
      const labDir = process.env.KND_LAB_DIR ?? '/tmp/knd-lab';
      const dockerDir = process.env.KND_DOCKER_DIR ?? '/tmp/knd-docker';
      const keyValues = (stdout) => Object.fromEntries(stdout.split('\n').map((l) => l.match(/^([A-Z][A-Z0-9_]*)=(.*)$/)).filter(Boolean).map((m) => [m[1], m[2]]));
      const up = run(['bash', 'test/harness/runtime/up.sh'], { capture: true, env: { ...process.env, KND_LAB_DIR: labDir } });
      let env = { ...process.env, ...keyValues(up.stdout), KND_LAB_DIR: labDir, KND_DOCKER_DIR: dockerDir };
      try {
        // The Docker-node tests' private dockerd (its own data-root, exec-root, socket, pidfile), beside the containerd lab.
        const dockerUp = run(['bash', 'test/harness/docker/up.sh'], { capture: true, env });
        env = { ...env, ...keyValues(dockerUp.stdout) };
        return await mocha('out/test/integration/**/*.test.js', 120_000, env);
      } finally {
        run(['bash', 'test/harness/docker/down.sh'], { env, allowFail: true, capture: true });
        run(['bash', 'test/harness/runtime/down.sh'], { env, allowFail: true, capture: true });
      }
    });
  },
  async exthost() {
    if (testFiles('test/exthost').length === 0) return { passed: 0, failed: 0, skipped: true, note: 'no extension-host tests yet' };
    const blocker = fs.existsSync('/usr/bin/chromium') && fs.existsSync(path.join(cacheDir, 'code-server')) ? undefined : systemProvisioningBlocker();
    return guarded('exthost', blocker, async () => {
      ensureAptPackages(BROWSER_PACKAGES);
      const codeServer = ensureCodeServer();
      const { code, output } = await stream(['node', 'test/harness/exthost.mjs', '--code-server', codeServer, '--ext', repoRoot, '--tests', path.join(repoRoot, 'out/test/exthost')]);
      return mochaCounts(output, code);
    });
  },
  async e2e() {
    if (testFiles('test/e2e').length === 0) return { passed: 0, failed: 0, skipped: true, note: 'no UI end-to-end tests yet' };
    const blocker = fs.existsSync('/usr/bin/chromium') && fs.existsSync(path.join(cacheDir, 'code-server')) ? undefined : systemProvisioningBlocker();
    return guarded('e2e', blocker, async () => {
      // The node tree suites start their own demo node (a real containerd lab) and the API stand-in.
      ensureAptPackages([...BROWSER_PACKAGES, ...RUNTIME_PACKAGES]);
      const codeServer = ensureCodeServer();
      run(['npm', 'run', '--silent', 'package']);
      const env = { ...process.env, CODE_SERVER_BIN: codeServer, KND_VSIX: path.join(repoRoot, 'dist/kube-node-doctor.vsix') };
      return mocha('out/test/e2e/**/*.test.js', 120_000, env);
    });
  },
};

const started = Date.now();
ensureNodeModules();
log('building bundles and compiling tests');
build();
const results = [];
for (const name of stages) {
  console.log(`\n=== stage: ${name} ===`);
  const t0 = Date.now();
  let result;
  try {
    result = await STAGES[name]();
  } catch (error) {
    console.error(`stage ${name} could not run: ${error instanceof Error ? error.message : error}`);
    result = { passed: 0, failed: 1, note: 'could not run' };
  }
  results.push({ name, seconds: Math.round((Date.now() - t0) / 1000), ...result });
}

console.log('\n=== summary ===');
for (const r of results) {
  const state = r.skipped ? 'SKIPPED' : `${r.passed} passed, ${r.failed} failed`;
  console.log(`${r.name.padEnd(12)} ${state}${r.note ? ` (${r.note})` : ''} [${r.seconds}s]`);
}
const passed = results.reduce((a, r) => a + r.passed, 0);
const failed = results.reduce((a, r) => a + r.failed, 0);
console.log(`total time ${Math.round((Date.now() - started) / 1000)}s`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
