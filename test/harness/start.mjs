// `npm start`: builds the extension and opens it in a real VS Code on the demo workspace (test/fixtures/demo).
// With a `code` CLI on PATH: `code --extensionDevelopmentPath=<repo> <demo>`. Otherwise code-server from npm on
// 127.0.0.1 (installed once into .cache/code-server; on Debian as root its build packages come from apt), and the URL
// to open in a browser is printed. Ctrl-C stops it.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { build, ensureCodeServer, ensureNodeModules, log, repoRoot } from './provision.mjs';

const demo = path.join(repoRoot, 'test/fixtures/demo');
ensureNodeModules();
log('building');
build();

const code = spawnSync('code', ['--version'], { encoding: 'utf8' });
if (code.status === 0 && !process.env.KND_FORCE_CODE_SERVER) {
  log(`opening VS Code ${code.stdout.split('\n')[0]} with the extension under development`);
  const child = spawn('code', ['--new-window', `--extensionDevelopmentPath=${repoRoot}`, demo], { stdio: 'inherit' });
  child.on('exit', (status) => process.exit(status ?? 0));
} else {
  const { startCodeServer, workbenchUrl } = await import('./codeServer.mjs');
  let bin;
  try {
    bin = ensureCodeServer();
  } catch (error) {
    console.error(`Cannot start VS Code here: ${error.message}\nInstall VS Code (the \`code\` command) or run as root on Debian so code-server can be installed from npm.`);
    process.exit(2);
  }
  const port = Number(process.env.KND_PORT ?? 0) || undefined;
  const server = await startCodeServer({ bin, workspace: demo, port });
  const url = workbenchUrl(server.base, demo, { extensionDevelopmentPath: repoRoot });
  console.log(`\nKube Node Doctor is running in VS Code (code-server) at:\n\n  ${url}\n\nOpen it in a browser, then run "Node Doctor: Paste Log for Diagnosis" or open a file under logs/.\nPress Ctrl-C to stop.\n`);
  let stopping = false;
  const stop = async () => {
    stopping = true;
    await server.stop(); // kills code-server and removes its throwaway profile
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  server.server.on('exit', (status) => {
    if (stopping) return;
    console.error(`code-server exited unexpectedly (${status}).`);
    process.exit(1);
  });
}
