import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { choose, closeAll, fixture, lensesOf, pasteLog, setSetting, until } from './support';

const SANDBOX_A = '055b221e44a28ce8d9120f771d5e1ef201f2457ce49c58999a0147104cca2708';
const SEED_LOG = fixture('demo/logs/kubelet-talos-worker.log');

function titles(lenses: vscode.CodeLens[]): string[] {
  return lenses.map((l) => l.command?.title ?? '');
}

describe('log diagnosis in a real VS Code', () => {
  afterEach(async () => {
    await setSetting('codeLens.enabled', undefined);
    await setSetting('diagnose.documents', undefined);
    await setSetting('diagnose.maxDocumentSizeMB', undefined);
    await closeAll();
  });

  it(`runs in VS Code ${vscode.version} with every Node Doctor command registered`, async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['pasteLog', 'diagnoseActiveEditor', 'findingActions', 'explainFinding', 'copyFixCommands', 'copyCliCommand', 'showLog', 'findOnNode', 'repairOnNode']) {
      assert.ok(commands.includes(`kubeNodeDoctor.${id}`), `kubeNodeDoctor.${id} is registered`);
    }
  });

  it('puts one short lens per sandbox on a pasted seed log, whose one action opens the finding\'s actions', async () => {
    const document = await pasteLog(SEED_LOG);
    assert.equal(document.languageId, 'log');
    const lenses = await until(async () => { const l = await lensesOf(document); return l.length >= 3 ? l : undefined; }, 'lenses');
    assert.deepEqual(titles(lenses), [
      '$(error) Empty or corrupt CNI cache file · 055b221e44a2 · 120 lines',
      '$(error) Empty or corrupt CNI cache file · 22548a6f0c0e · 60 lines',
      '$(error) Empty or corrupt CNI cache file · 9f1e2d3c4b5a · 20 lines',
    ]);
    assert.ok(lenses.every((l) => l.command?.command === 'kubeNodeDoctor.findingActions'), 'one action per lens: the quick pick');
    assert.equal((lenses[0].command?.arguments?.[0] as { sandboxId?: string }).sandboxId, SANDBOX_A, 'the lens passes the finding with the full sandbox ID');
    assert.match(lenses[0].command?.tooltip ?? '', /^Empty or invalid CNI result cache · sandbox 055b221e44a2 · network cbr0 · 120 lines/, 'the full sentence in the tooltip');
    const firstLine = SEED_LOG.split('\n').findIndex((l) => l.includes(SANDBOX_A));
    assert.equal(lenses[0].range.start.line, firstLine, 'the lens sits above the first evidence line');
  });

  it('runs Explain from the lens\'s quick pick: the explanation with the finding\'s exact fix opens', async () => {
    const document = await pasteLog(SEED_LOG);
    const [lens] = await until(async () => { const l = await lensesOf(document); return l.length ? l : undefined; }, 'lenses');
    assert.ok(lens.command);
    const chosen = await choose(vscode.commands.executeCommand<string | undefined>(lens.command.command, ...(lens.command.arguments ?? [])), 0);
    assert.equal(chosen, 'explain');
    const opened = await until(() => vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'kube-node-doctor-explain' && d.getText().includes(SANDBOX_A)), 'the explanation');
    assert.ok(!opened.isDirty && !opened.isUntitled, 'a read-only document: closing it never asks to save');
    assert.match(opened.getText(), /cbr0-055b221e44a28ce8d9120f771d5e1ef201f2457ce49c58999a0147104cca2708-eth0/);
    assert.match(opened.getText(), /crictl rmp 055b221e44a2/);
  });

  it('runs Copy Fix Commands from the lens\'s quick pick (second entry)', async () => {
    const document = await pasteLog(SEED_LOG);
    const [lens] = await until(async () => { const l = await lensesOf(document); return l.length ? l : undefined; }, 'lenses');
    assert.ok(lens.command);
    await vscode.env.clipboard.writeText('');
    const chosen = await choose(vscode.commands.executeCommand<string | undefined>(lens.command.command, ...(lens.command.arguments ?? [])), 1);
    assert.equal(chosen, 'copyFixCommands');
    const clip = await vscode.env.clipboard.readText();
    assert.ok(clip.includes(`rm -f /var/lib/cni/results/cbr0-${SANDBOX_A}-eth0`), clip);
    assert.ok(clip.includes(`crictl rmp ${SANDBOX_A}`));
  });

  it('runs nothing when the quick pick is dismissed', async () => {
    const document = await pasteLog(SEED_LOG);
    const [lens] = await until(async () => { const l = await lensesOf(document); return l.length ? l : undefined; }, 'lenses');
    assert.ok(lens.command);
    await vscode.env.clipboard.writeText('unchanged');
    const run = vscode.commands.executeCommand<string | undefined>(lens.command.command, ...(lens.command.arguments ?? []));
    await new Promise((r) => setTimeout(r, 800));
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.equal(await run, undefined);
    assert.equal(await vscode.env.clipboard.readText(), 'unchanged');
  });

  it('names the problem and its object in each demo log opened from the workspace', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    assert.ok(folder, 'the runner opens the demo workspace');
    const expected: Record<string, string[]> = {
      'kubelet-startup-failure.log': [
        'Sandbox or container no longer exists · d0831a4288e2 · 1 line',
        'Sandbox or container no longer exists · bd7408eadf1c · 1 line',
        'Sandbox or container no longer exists · 9f141a500138 · 1 line',
      ],
      'cri-message-too-large.log': [
        'CRI response larger than the gRPC message limit · ListPodSandbox 8,398,577 > 8,388,608 bytes · 3 lines',
        'CRI response larger than the gRPC message limit · 1 line',
      ],
      'describe-pod-terminating.log': [
        'Sandbox stop timed out · context deadline exceeded · 1 line',
        'Sandbox removal failed · c39500ca65a7 · 1 line',
        'Sandbox removal failed · 1e49c7890ad6 · 1 line',
        'Container runtime too slow to answer · ListPodSandbox · 1 line',
      ],
    };
    for (const [name, summaries] of Object.entries(expected)) {
      const document: vscode.TextDocument = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder, 'logs', name));
      await vscode.window.showTextDocument(document);
      assert.equal(document.languageId, 'log', `${name} opens as a log`);
      const lenses = await until(async () => { const l = await lensesOf(document); return l.length >= summaries.length ? l : undefined; }, `lenses on ${name}`);
      assert.deepEqual(titles(lenses).map((t) => t.replace(/^\$\((error|warning|info)\) /, '')), summaries, name);
      // Find on Node… / Repair on Node… are offered only for the findings that name a sandbox.
      const naming = summaries.filter((s) => / · [0-9a-f]{12} · /.test(s)).length;
      const fixes = (await Promise.all(lenses.map((l) => vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', document.uri, l.range)))).flat();
      assert.equal(fixes.filter((f) => f.command?.command === 'kubeNodeDoctor.repairOnNode').length, naming, `${name}: Repair on Node Quick Fixes`);
    }
  });

  it('re-diagnoses after an edit: an appended evidence line raises the count on the lens', async () => {
    const document = await pasteLog(SEED_LOG);
    await until(async () => (titles(await lensesOf(document)).some((t) => t.endsWith(' · 055b221e44a2 · 120 lines')) ? true : undefined), '120 lines');
    const evidence = SEED_LOG.split('\n').find((l) => l.includes(SANDBOX_A)) ?? '';
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor && editor.document === document);
    await editor.edit((edit) => edit.insert(document.lineAt(document.lineCount - 1).range.end, `\n${evidence}`));
    await until(async () => (titles(await lensesOf(document)).some((t) => t.endsWith(' · 055b221e44a2 · 121 lines')) ? true : undefined), 'the lens to count 121 lines');
    await until(() => (vscode.languages.getDiagnostics(document.uri).some((d) => d.message.endsWith('055b221e44a2 · network cbr0 · 121 lines')) ? true : undefined), 'the Problems entry to follow the edit');
  });

  it('shows the diagnosis and the fix commands when hovering any evidence line', async () => {
    const document = await pasteLog(SEED_LOG);
    const lastLine = SEED_LOG.split('\n').map((l, i) => (l.includes(SANDBOX_A) ? i : -1)).filter((i) => i >= 0).pop() ?? 0;
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, new vscode.Position(lastLine, 10));
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /Empty or invalid CNI result cache/);
    assert.ok(text.includes(`rm -f /var/lib/cni/results/cbr0-${SANDBOX_A}-eth0`), 'hover carries the exact rm command');
    const infoLine = SEED_LOG.split('\n').findIndex((l) => l.includes('SyncLoop (PLEG)'));
    const none = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, new vscode.Position(infoLine, 10));
    assert.ok(none.every((h) => h.contents.every((c) => !(typeof c === 'string' ? c : c.value).includes('Kube Node Doctor') && !(typeof c === 'string' ? c : c.value).includes('CNI result cache'))), 'normal lines get no diagnosis');
  });

  it('lists each problem once in the Problems panel, its code linked to the explanation, its related lines numbered against the count', async () => {
    const document = await pasteLog(SEED_LOG);
    const diagnostics = await until(() => { const d = vscode.languages.getDiagnostics(document.uri); return d.length === 3 ? d : undefined; }, 'three diagnostics');
    assert.deepEqual(diagnostics.map((d) => [d.source, d.severity]), Array(3).fill(['Kube Node Doctor', vscode.DiagnosticSeverity.Error]));
    assert.match(diagnostics[0].message, /sandbox 055b221e44a2 · network cbr0 · 120 lines$/);
    const code = diagnostics[0].code as { value: string; target: vscode.Uri };
    assert.equal(code.value, 'cni-cache-result-invalid');
    assert.equal(code.target.scheme, 'kube-node-doctor-explain');
    const article = await vscode.workspace.openTextDocument(code.target);
    assert.ok(article.getText().includes(`rm -f /var/lib/cni/results/cbr0-${SANDBOX_A}-eth0`), 'the link opens this finding\'s explanation, IDs filled in');
    assert.equal(diagnostics[0].relatedInformation?.length, 20, 'related lines are capped');
    assert.equal(diagnostics[0].relatedInformation?.[0].message, 'same problem, line 2 of 120 (the first 21 are listed)');
  });

  it('offers the same actions as Quick Fixes (Ctrl+.) on the diagnostic, and they run', async () => {
    const document = await pasteLog(SEED_LOG);
    const [diagnostic] = await until(() => { const d = vscode.languages.getDiagnostics(document.uri); return d.length === 3 ? d : undefined; }, 'three diagnostics');
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', document.uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
    const ours = actions.filter((a) => a.command?.command.startsWith('kubeNodeDoctor.'));
    assert.deepEqual(ours.map((a) => a.title), [
      'Explain: Empty or corrupt CNI cache file (055b221e44a2)',
      'Copy fix commands: Empty or corrupt CNI cache file (055b221e44a2)',
      'Find sandbox 055b221e44a2 on a node…',
      'Repair sandbox 055b221e44a2 on its node…',
    ]);
    assert.ok(ours.every((a) => a.kind?.value === vscode.CodeActionKind.QuickFix.value), 'all are Quick Fixes');
    // (vscode.executeCodeActionProvider returns titles, kinds and commands, not the diagnostics an action is bound to.)
    await vscode.env.clipboard.writeText('');
    const copy = ours[1].command;
    assert.ok(copy);
    await vscode.commands.executeCommand(copy.command, ...(copy.arguments ?? []));
    assert.ok((await vscode.env.clipboard.readText()).includes(`crictl rmp ${SANDBOX_A}`));
    const explain = ours[0].command;
    assert.ok(explain);
    await vscode.commands.executeCommand(explain.command, ...(explain.arguments ?? []));
    const target = (diagnostic.code as { target: vscode.Uri }).target.toString();
    const opened = await until(() => vscode.workspace.textDocuments.find((d) => d.uri.toString() === target), 'the explanation at the address the Problems entry links to');
    assert.match(opened.getText(), /crictl rmp 055b221e44a2/);
    // On a later evidence line (no diagnostic there), the light bulb offers the same finding's actions.
    const later = SEED_LOG.split('\n').map((l, i) => (l.includes(SANDBOX_A) ? i : -1)).filter((i) => i >= 0)[5];
    const there = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', document.uri, new vscode.Range(later, 0, later, 0));
    assert.ok(there.some((a) => a.title === 'Explain: Empty or corrupt CNI cache file (055b221e44a2)'));
  });

  it('hides the lenses when the codeLens setting is off and brings them back when it is on', async () => {
    const document = await pasteLog(SEED_LOG);
    await until(async () => ((await lensesOf(document)).length > 0 ? true : undefined), 'lenses');
    await setSetting('codeLens.enabled', false);
    assert.equal((await lensesOf(document)).length, 0);
    await setSetting('codeLens.enabled', true);
    assert.ok((await lensesOf(document)).length > 0);
  });

  it('leaves other languages alone until Diagnose Active Editor is run on them', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(folder, 'the runner opens a workspace folder');
    const file = path.join(folder, 'incident-notes.md');
    fs.writeFileSync(file, `# Incident\n\n${SEED_LOG.split('\n')[0]}\n`);
    const document = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(document);
    assert.equal((await lensesOf(document)).length, 0, 'markdown is not diagnosed by default');
    await vscode.commands.executeCommand('kubeNodeDoctor.diagnoseActiveEditor');
    const lenses = await until(async () => { const l = await lensesOf(document); return l.length ? l : undefined; }, 'lenses after the command');
    assert.match(lenses[0].command?.title ?? '', / · 055b221e44a2 · 1 line$/);
  });

  it('diagnoses every text document when diagnose.documents is "all"', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(folder);
    const file = path.join(folder, 'postmortem.md');
    fs.writeFileSync(file, `# Postmortem\n\n${SEED_LOG.split('\n')[0]}\n`);
    const document = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(document);
    assert.equal((await lensesOf(document)).length, 0, 'markdown is left alone with the default "logs"');
    await setSetting('diagnose.documents', 'all');
    const lenses = await until(async () => { const l = await lensesOf(document); return l.length ? l : undefined; }, 'lenses with "all"');
    assert.match(lenses[0].command?.title ?? '', / · 055b221e44a2 · 1 line$/);
  });

  it('refuses a document over the size limit with a lens that offers the command line instead', async () => {
    await setSetting('diagnose.maxDocumentSizeMB', 1);
    const big = SEED_LOG.repeat(Math.ceil((1.5 * 1024 * 1024) / SEED_LOG.length));
    const document = await pasteLog(big);
    const lenses = await until(async () => { const l = await lensesOf(document); return l.length ? l : undefined; }, 'the size lens');
    assert.equal(lenses.length, 1);
    assert.match(lenses[0].command?.title ?? '', /Not diagnosed in the editor: 2 MB is over the 1 MB limit/);
    assert.equal(vscode.languages.getDiagnostics(document.uri).length, 0);
  });

  it('diagnoses the text around binary data in a paste and says how many lines held NUL bytes', async () => {
    const binary = `${SEED_LOG.split('\n')[0]}\n\u0000\u0000\u0001garbage\u0000\n${SEED_LOG.split('\n')[0]}\n`;
    const document = await pasteLog(binary);
    const lenses = await until(async () => { const l = await lensesOf(document); return l.length >= 2 ? l : undefined; }, 'lenses');
    assert.match(titles(lenses)[0], /^\$\(info\) 1 line holds binary data \(NUL bytes\)/);
    assert.ok(titles(lenses).some((t) => t.endsWith('· 2 lines')));
  });
});
