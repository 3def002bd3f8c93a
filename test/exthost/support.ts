import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

/** test/fixtures, from out/test/exthost. */
export const FIXTURES = path.resolve(__dirname, '../../../test/fixtures');

export function fixture(relative: string): string {
  return fs.readFileSync(path.join(FIXTURES, relative), 'utf8');
}

export async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function lensesOf(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
  return (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri)) ?? [];
}

/** Pastes `text` through the real command: clipboard, then "Paste Log for Diagnosis". */
export async function pasteLog(text: string): Promise<vscode.TextDocument> {
  await vscode.env.clipboard.writeText(text);
  await vscode.commands.executeCommand('kubeNodeDoctor.pasteLog');
  return until(() => {
    const editor = vscode.window.activeTextEditor;
    return editor && editor.document.isUntitled && editor.document.getText() === text ? editor.document : undefined;
  }, 'the pasted log editor');
}

export async function setSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('kubeNodeDoctor').update(key, value, vscode.ConfigurationTarget.Global);
}

export async function closeAll(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/**
 * Picks entry `index` of the quick pick that `run` (a command) opens, through the workbench's own quick-input commands
 * (as the keyboard would: first, next…, accept), and resolves to what the command resolved to.
 */
export async function choose<T>(run: Thenable<T>, index: number): Promise<T> {
  let settled = false;
  const done = Promise.resolve(run).finally(() => { settled = true; });
  // Let the quick pick open before moving in it.
  await new Promise((r) => setTimeout(r, 800));
  for (let attempt = 0; attempt < 40 && !settled; attempt += 1) {
    await vscode.commands.executeCommand('quickInput.first');
    for (let i = 0; i < index; i += 1) await vscode.commands.executeCommand('quickInput.next');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    await new Promise((r) => setTimeout(r, 250));
  }
  return done;
}
