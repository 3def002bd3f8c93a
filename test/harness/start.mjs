// `npm start`: builds the extension and opens it in a real VS Code on the demo workspace.
// As root on Debian it first starts the demo node (test/harness/demo/demoNode.mjs): a real containerd + runc + CNI lab in
// /tmp/knd-demo seeded with the failures the sidebar's "Local node" finds and repairs, and a copy of the demo workspace
// (sample logs, a log naming the seeded IDs, settings pointing the local node at the lab). Elsewhere, or with
// KND_DEMO_NODE=0, it opens test/fixtures/demo (sample logs only) and says what the demo node needs.
// With a `code` CLI on PATH: `code --extensionDevelopmentPath=<repo> <workspace>`. Otherwise code-server from npm on
// 127.0.0.1 (installed once into .cache/code-server; on Debian as root its build packages come from apt), and the URL
// to open in a browser is printed. Ctrl-C stops it and removes the demo node.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { DEMO_DEFAULTS, demoNodeBlocker, demoUserSettings, startDemoNode } from './demo/demoNode.mjs';
import { build, ensureCodeServer, ensureNodeModules, log, repoRoot } from './provision.mjs';

ensureNodeModules();
log('building');
build();

// Ctrl-C while the demo node starts: finish (or fail) starting, then tear down.
let interrupted = false;
const onEarlyInterrupt = () => { interrupted = true; };
process.on('SIGINT', onEarlyInterrupt);
process.on('SIGTERM', onEarlyInterrupt);

let workspace = path.join(repoRoot, 'test/fixtures/demo');
// KND_DEMO_LAB_DIR, KND_DEMO_BRIDGE, KND_DEMO_SUBNET: another place for the demo node (e.g. beside a running demo).
const demoOptions = {
  labDir: process.env.KND_DEMO_LAB_DIR || DEMO_DEFAULTS.labDir, bridge: process.env.KND_DEMO_BRIDGE || DEMO_DEFAULTS.bridge,
  subnet: process.env.KND_DEMO_SUBNET || DEMO_DEFAULTS.subnet,
};
let demo;
const blocker = process.env.KND_DEMO_NODE === '0' ? 'KND_DEMO_NODE=0 is set' : demoNodeBlocker();
if (blocker) {
  console.log(`\nNo demo node (${blocker}). The demo node is a real containerd 1.6 with runc and the CNI bridge plugins, started in ` +
    `${demoOptions.labDir} and seeded with what the Node Doctor sidebar's "Local node" finds and repairs: an empty CNI result cache ` +
    'file whose StopPodSandbox fails, an orphan container, one pod\'s pile-up of dead sandboxes and containers, and a leaked cache ' +
    'file. It needs Debian or Ubuntu (apt-get) and root: it apt-installs containerd, runc, containernetworking-plugins, socat, ' +
    'iproute2, gcc, libc6-dev and util-linux when missing, and creates a Linux bridge, cgroups and a mount namespace of its own. ' +
    'Opening the demo workspace with the sample logs only.\n');
} else {
  try {
    demo = await startDemoNode(demoOptions);
    workspace = demo.workspace;
    const s = demo.summary;
    log(`demo node seeded in ${s.seconds} s: seed bug ${s.seedBug.sandboxId.slice(0, 12)}, orphan container ${s.orphan.containerId.slice(0, 12)}, ` +
      `pile-up ${s.pileUp.pod} (${s.pileUp.sandboxIds.length} sandboxes, ${s.pileUp.containerIds.length} containers), leaked cache ${s.leakedCache.sandboxId.slice(0, 12)}`);
  } catch (error) {
    console.error(`The demo node could not start (${error instanceof Error ? error.message : error}); opening the demo workspace with the sample logs only.`);
  }
}
process.off('SIGINT', onEarlyInterrupt);
process.off('SIGTERM', onEarlyInterrupt);
if (interrupted) {
  await demo?.stop();
  process.exit(130);
}

const demoLine = demo
  ? `The Node Doctor view lists "${demo.summary.node}" (a real containerd in ${demoOptions.labDir}, seeded with failures) under Local node: ` +
    'inspect it, open its report, repair. logs/node-demo.log names the same sandboxes.\n'
  : '';
let stopping = false;
/** Stops what runs (VS Code's server, the demo node) once, then exits. */
async function shutdown(code, stopServer) {
  if (stopping) return;
  stopping = true;
  await stopServer?.();
  await demo?.stop();
  process.exit(code);
}

const code = spawnSync('code', ['--version'], { encoding: 'utf8' });
if (code.status === 0 && !process.env.KND_FORCE_CODE_SERVER) {
  log(`opening VS Code ${code.stdout.split('\n')[0]} with the extension under development`);
  // With a demo node, wait for the window to close so the lab lives exactly as long as it.
  const child = spawn('code', ['--new-window', ...(demo ? ['--wait'] : []), `--extensionDevelopmentPath=${repoRoot}`, workspace], { stdio: 'inherit' });
  if (demo) {
    console.log(`\n${demoLine}The local-node settings are machine-scoped, so VS Code ignores them in ${path.join(workspace, '.vscode/settings.json')}: ` +
      'copy them into your user settings to see the demo node.\n' +
      'Close the window or press Ctrl-C to stop; the demo node is removed then.\n');
    process.on('SIGINT', () => void shutdown(0));
    process.on('SIGTERM', () => void shutdown(0));
  }
  child.on('exit', (status) => void shutdown(status ?? 0));
} else {
  const { startCodeServer, workbenchUrl } = await import('./codeServer.mjs');
  let bin;
  try {
    bin = ensureCodeServer();
  } catch (error) {
    console.error(`Cannot start VS Code here: ${error.message}\nInstall VS Code (the \`code\` command) or run as root on Debian so code-server can be installed from npm.`);
    await demo?.stop();
    process.exit(2);
  }
  const port = Number(process.env.KND_PORT ?? 0) || undefined;
  // The local-node settings are machine-scoped (ignored in a workspace): they go into the throwaway user settings.
  const server = await startCodeServer({ bin, workspace, port, settings: demo ? demoUserSettings(workspace) : {} });
  const url = workbenchUrl(server.base, workspace, { extensionDevelopmentPath: repoRoot });
  console.log(`\nKube Node Doctor is running in VS Code (code-server) at:\n\n  ${url}\n\nOpen it in a browser, then run "Node Doctor: Paste Log for Diagnosis" or open a file under logs/.\n${demoLine}Press Ctrl-C to stop.\n`);
  const stop = () => void shutdown(0, () => server.stop()); // kills code-server and removes its throwaway profile
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  server.server.on('exit', (status) => {
    if (stopping) return;
    console.error(`code-server exited unexpectedly (${status}).`);
    void shutdown(1);
  });
}
