import * as path from 'node:path';
import * as vscode from 'vscode';
import { readLogDiagnosisSettings, SECTION } from '../config';
import type { LogAnalysisService } from './logAnalysis';
import { hiddenLensMessage, hiddenLensReason } from './presentation';

const NOTICE_SETTING = 'codeLens.hiddenNotice';

/**
 * Says once per window, when a diagnosed log is shown without lenses because VS Code turned them off (editor.codeLens,
 * or its large-file optimisations) or because it is over the size limit, and gives the command-line alternative.
 * "Don't Show Again" turns the kubeNodeDoctor.codeLens.hiddenNotice setting off.
 */
export class HiddenLensNotice implements vscode.Disposable {
  private shown = false;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly analysis: LogAnalysisService, private readonly log: vscode.LogOutputChannel) {
    this.subscriptions = [
      vscode.window.onDidChangeActiveTextEditor((editor) => this.check(editor?.document)),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('editor.codeLens') || event.affectsConfiguration('editor.largeFileOptimizations')) this.check(vscode.window.activeTextEditor?.document);
      }),
      analysis.onDidChange((uri) => {
        const document = vscode.window.activeTextEditor?.document;
        if (document && (uri === undefined || uri.toString() === document.uri.toString())) this.check(document);
      }),
    ];
    this.check(vscode.window.activeTextEditor?.document);
  }

  private check(document: vscode.TextDocument | undefined): void {
    if (this.shown || document === undefined) return;
    const settings = readLogDiagnosisSettings();
    // Our own lens setting off is the user's choice: nothing to explain.
    if (!settings.codeLens || !vscode.workspace.getConfiguration(SECTION).get<boolean>(NOTICE_SETTING, true)) return;
    if (!this.analysis.isEligible(document)) return;
    const result = this.analysis.analyze(document);
    const editor = vscode.workspace.getConfiguration('editor', document);
    const last = document.lineAt(document.lineCount - 1).range.end;
    const reason = hiddenLensReason({
      editorCodeLens: editor.get<boolean>('codeLens', true),
      largeFileOptimizations: editor.get<boolean>('largeFileOptimizations', true),
      bytes: result.kind === 'too-large' ? result.bytes : result.report.bytesScanned,
      chars: document.offsetAt(last),
      lines: document.lineCount,
      limit: settings.maxDocumentBytes,
    });
    if (reason === undefined) return;
    this.shown = true;
    const name = document.isUntitled ? 'This log' : path.basename(document.uri.fsPath);
    const message = hiddenLensMessage(reason, name, result.kind === 'diagnosed' ? result.report.findings.length : undefined);
    this.log.info(`notice: ${message}`);
    const buttons = ['Copy CLI Command', ...(reason.kind === 'too-large' ? ['Open Settings'] : []), 'Don\'t Show Again'];
    void vscode.window.showInformationMessage(message, ...buttons).then(async (choice) => {
      if (choice === 'Copy CLI Command') await vscode.commands.executeCommand('kubeNodeDoctor.copyCliCommand', document.uri);
      if (choice === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.diagnose.maxDocumentSizeMB`);
      if (choice === 'Don\'t Show Again') await vscode.workspace.getConfiguration(SECTION).update(NOTICE_SETTING, false, vscode.ConfigurationTarget.Global);
    });
  }

  dispose(): void {
    vscode.Disposable.from(...this.subscriptions).dispose();
  }
}
