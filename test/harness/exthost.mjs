// Extension-host tests in a REAL VS Code: code-server's Node extension host loads the extension under development and
// the mocha suite (extensionTestsPath, the same contract as @vscode/test-electron); a headless Chromium is only the
// client that makes the server start an extension host. Mocha's output is re-printed; the exit code is the suite's.
// Usage: node test/harness/exthost.mjs --code-server BIN --ext DIR --tests DIR [--workspace DIR] [--timeout S]
//        (also accepts --extensionDevelopmentPath/--extensionTestsPath, so it can stand in for VS Code's CLI)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { format, parseArgs } from 'node:util';
import { launchBrowser, startCodeServer, workbenchUrl } from './codeServer.mjs';

const { values: a } = parseArgs({ strict: false, options: {
  'code-server': { type: 'string' }, ext: { type: 'string' }, tests: { type: 'string' }, workspace: { type: 'string' },
  extensionDevelopmentPath: { type: 'string' }, extensionTestsPath: { type: 'string' }, timeout: { type: 'string', default: '240' },
} });
const bin = a['code-server'] ?? process.env.CODE_SERVER_BIN;
const ext = path.resolve(a.ext ?? a.extensionDevelopmentPath ?? '');
const tests = path.resolve(a.tests ?? a.extensionTestsPath ?? '');
if (!bin || !a.ext && !a.extensionDevelopmentPath || !a.tests && !a.extensionTestsPath) {
  console.error('usage: exthost.mjs --code-server BIN --ext DIR --tests DIR');
  process.exit(2);
}
// Default workspace: a throwaway copy of the demo workspace (tests may write files into it).
function demoCopy() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-ws-'));
  const demo = path.join(ext, 'test/fixtures/demo');
  if (fs.existsSync(demo)) fs.cpSync(demo, dir, { recursive: true });
  return dir;
}
const workspace = path.resolve(a.workspace ?? demoCopy());

const started = Date.now();
const server = await startCodeServer({ bin, workspace });
const browser = await launchBrowser();
let code = 1;
try {
  const page = browser.context.pages()[0] ?? await browser.context.newPage();
  const exited = new Promise((resolve) => { void page.exposeFunction('codeAutomationExit', (c) => resolve(c)); });
  // The extension host's console arrives as ('%c INFO', css, format, ...args): re-format it, drop workbench noise.
  const noise = /^(Resolv|Creating a socket|\[Service Worker\]|Started local extension host|Overwriting extension|ChatSessionStore|The web worker extension host|Updating additional builtin|Unable to load and parse grammar)|ENOTFOUND|open-vsx/;
  page.on('console', async (message) => {
    const args = await Promise.all(message.args().map((h) => h.jsonValue().catch(() => '?')));
    if (typeof args[0] !== 'string' || !args[0].startsWith('%c') || args.length < 3) return;
    const line = format(...args.slice(2));
    if (!noise.test(line)) console.log(line);
  });
  await page.goto(workbenchUrl(server.base, workspace, { extensionDevelopmentPath: ext, extensionTestsPath: tests }));
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error(`no result after ${a.timeout} s`)), Number(a.timeout) * 1000));
  code = await Promise.race([exited, timeout]);
  console.log(`extension host exited with ${code} after ${Date.now() - started} ms`);
} catch (error) {
  console.error(`extension-host run failed: ${error.message}`);
  code = 1;
} finally {
  await browser.close();
  await server.stop();
  if (!a.workspace) fs.rmSync(workspace, { recursive: true, force: true });
}
process.exit(code);
