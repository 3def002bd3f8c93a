// `npm run test:electron`: the extension-host suite through @vscode/test-electron's runTests(), the standard runner.
// On a machine that can download VS Code it downloads and runs the real Electron VS Code. Offline (like CI here), point
// `--vscode-executable PATH` (or KND_VSCODE_EXECUTABLE) at a VS Code binary, or at test/harness/codeShim.sh, which
// forwards to the code-server runner (test/harness/exthost.mjs): the same suite, in code-server's extension host.
import { runTests } from '@vscode/test-electron';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { build, ensureNodeModules, repoRoot } from './provision.mjs';

const { values: args } = parseArgs({ options: { 'vscode-executable': { type: 'string' } } });
const executable = args['vscode-executable'] ?? process.env.KND_VSCODE_EXECUTABLE;

ensureNodeModules();
build();
// The suite expects the demo workspace (test/fixtures/demo) as its folder; give it a throwaway copy.
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-electron-ws-'));
fs.cpSync(path.join(repoRoot, 'test/fixtures/demo'), workspace, { recursive: true });
try {
  const code = await runTests({
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: path.join(repoRoot, 'out/test/exthost'),
    launchArgs: [workspace, '--disable-extensions'],
    ...(executable ? { vscodeExecutablePath: path.resolve(executable) } : {}),
  });
  process.exitCode = code;
} catch (error) {
  console.error(`test:electron failed: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
} finally {
  fs.rmSync(workspace, { recursive: true, force: true });
}
