// `npm run test:electron`: the extension-host suite through @vscode/test-electron's runTests(), the standard runner.
// On a machine that can download VS Code it downloads and runs the real Electron VS Code. Offline (like CI here), point
// KND_VSCODE_EXECUTABLE at a VS Code binary, or at test/harness/codeShim.sh, which forwards to the code-server runner.
import { runTests } from '@vscode/test-electron';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build, ensureNodeModules, repoRoot } from './provision.mjs';

ensureNodeModules();
build();
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-electron-ws-'));
try {
  const code = await runTests({
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: path.join(repoRoot, 'out/test/exthost'),
    launchArgs: [workspace, '--disable-extensions'],
    ...(process.env.KND_VSCODE_EXECUTABLE ? { vscodeExecutablePath: path.resolve(process.env.KND_VSCODE_EXECUTABLE) } : {}),
  });
  process.exitCode = code;
} catch (error) {
  console.error(`test:electron failed: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
} finally {
  fs.rmSync(workspace, { recursive: true, force: true });
}
