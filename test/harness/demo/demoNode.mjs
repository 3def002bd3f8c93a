// The demo node: a runtime lab (test/harness/runtime/up.sh) seeded with the sidebar's failures (seed.mjs), and a demo
// workspace whose settings point the extension's "Local node" at it. Used by `npm start` and the UI end-to-end tests.
//
//   import { startDemoNode } from '../harness/demo/demoNode.mjs';
//   const demo = await startDemoNode({ labDir: '/tmp/knd-demo', bridge: 'knddemo', subnet: '10.244.200.0/24' });
//   // demo.workspace: folder to open; demo.summary: the seeded IDs (seed.mjs); demo.env: up.sh's KND_* lines
//   await demo.stop();   // down.sh: removes the lab (and the workspace, which lives inside it by default)
//
// Needs root on Debian (apt-installs containerd, runc and the CNI plugins when missing) and the compiled tests
// (`npm run compile-tests`: the seeder reuses out/test/integration/support/lab.js).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { RUNTIME_PACKAGES, ensureAptPackages, log, repoRoot, run, systemProvisioningBlocker } from '../provision.mjs';

export const DEMO_DEFAULTS = { labDir: '/tmp/knd-demo', bridge: 'knddemo', subnet: '10.244.200.0/24' };

/** Why the demo node cannot run on this machine, or undefined when it can. */
export function demoNodeBlocker() {
  return systemProvisioningBlocker();
}

/** `KEY=VALUE` lines of up.sh as an object. */
function parseEnv(text) {
  return Object.fromEntries(text.split('\n').map((l) => /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(l)).filter(Boolean).map((m) => [m[1], m[2]]));
}

function upLab(baseEnv) {
  const up = run(['bash', path.join(repoRoot, 'test/harness/runtime/up.sh')], { capture: true, env: baseEnv });
  return parseEnv(up.stdout);
}

function seed(env, workspace) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'test/harness/demo/seed.mjs'), workspace], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      process.stderr.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`seeding the demo node failed (${code}): ${stderr.trim().split('\n').slice(-5).join('\n')}`));
      try {
        resolve(JSON.parse(stdout));
      } catch (error) {
        reject(new Error(`seed.mjs printed no JSON summary: ${error.message}`));
      }
    });
  });
}

/**
 * Starts (or reuses) the lab in `labDir`, seeds it and writes the workspace (default `<labDir>/workspace`, removed with
 * the lab). Returns { env, workspace, summary, stop() }; `env` is the lab's KND_* environment after seeding (the
 * seeder restarts containerd, so its PID differs from the first up.sh). `stop()` runs down.sh once; it is safe to call
 * again. Throws when the machine cannot run it (see demoNodeBlocker()).
 */
export async function startDemoNode({ labDir = DEMO_DEFAULTS.labDir, bridge = DEMO_DEFAULTS.bridge, subnet = DEMO_DEFAULTS.subnet, workspace } = {}) {
  const blocker = demoNodeBlocker();
  if (blocker) throw new Error(`the demo node cannot run here: ${blocker}`);
  if (!fs.existsSync(path.join(repoRoot, 'out/test/integration/support/lab.js'))) {
    throw new Error('out/test/integration/support/lab.js is missing: run "npm run compile-tests" first');
  }
  ensureAptPackages(RUNTIME_PACKAGES);
  workspace = path.resolve(workspace ?? path.join(labDir, 'workspace'));
  const labSettings = { KND_LAB_DIR: labDir, KND_BRIDGE: bridge, KND_SUBNET: subnet };
  // Another lab's KND_* (an integration run in the same process) must not leak into this one.
  const outer = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('KND_')));
  const baseEnv = { ...outer, ...labSettings };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    log(`removing the demo node (${labDir})`);
    run(['bash', path.join(repoRoot, 'test/harness/runtime/down.sh')], { env: baseEnv, capture: true, allowFail: true });
  };
  log(`starting the demo node's runtime in ${labDir} (bridge ${bridge}, subnet ${subnet})`);
  try {
    const first = upLab(baseEnv);
    const summary = await seed({ ...baseEnv, ...first }, workspace);
    const env = { ...labSettings, ...upLab(baseEnv) }; // up.sh on a running lab only prints its (current) settings
    return { env, workspace, summary, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The demo workspace's settings (the local node = the lab), to be passed as USER settings: the local-node paths and
 * socket, the kubeconfig and the bridge and quarantine settings are machine-scoped, so VS Code ignores them in a
 * workspace's .vscode/settings.json (a repository must not point "Inspect node" at another socket or mount).
 */
export function demoUserSettings(workspace) {
  const file = path.join(workspace, '.vscode', 'settings.json');
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
}
