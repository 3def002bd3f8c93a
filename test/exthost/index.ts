// Entry point VS Code loads as extensionTestsPath: runs every *.test.js beside it with mocha in the extension host.
import Mocha from 'mocha';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', color: false, timeout: 30_000 });
  for (const file of fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort()) {
    mocha.addFile(path.join(__dirname, file));
  }
  // The extension activates on its own events (a log document, the Nodes view, a command); the host may start the tests
  // before any of them fired. Activate it first, as the first of those events would (and fail here if activation throws).
  mocha.suite.beforeAll(async () => {
    const extension = vscode.extensions.getExtension('kube-node-doctor.kube-node-doctor');
    if (!extension) throw new Error('the extension under test is not installed in this host');
    await extension.activate();
  });
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} extension-host tests failed`)) : resolve()));
  });
}
