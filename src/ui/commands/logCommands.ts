import * as vscode from 'vscode';
import { fixCommandsFor } from '../../core/diagnosis/explain';
import type { LogFinding } from '../../core/diagnosis/types';
import { shellWord } from '../../core/model/shell';
import type { ErrorReporter } from '../errors';
import type { LogAnalysisService } from '../logs/logAnalysis';
import type { ExplanationDocuments } from '../logs/explanationDocuments';
import { findingActions, findingSummary, lineCount } from '../logs/presentation';
import type { FindingAction, FindingActionId } from '../logs/presentation';

export interface LogCommandDeps {
  readonly analysis: LogAnalysisService;
  readonly errors: ErrorReporter;
  readonly log: vscode.LogOutputChannel;
  readonly explanations: ExplanationDocuments;
}

/** The log a finding came from, as the lens (a Uri) or a hover link (its string) passes it. */
function logUri(value: unknown): vscode.Uri | undefined {
  if (value instanceof vscode.Uri) return value;
  if (typeof value === 'string' && value.length > 0) {
    try {
      return vscode.Uri.parse(value, true);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function isFinding(value: unknown): value is LogFinding {
  return typeof value === 'object' && value !== null && typeof (value as LogFinding).rule === 'string' && Array.isArray((value as LogFinding).lines);
}

async function pasteLog(): Promise<void> {
  const text = await vscode.env.clipboard.readText();
  if (text.trim().length === 0) {
    void vscode.window.showInformationMessage('The clipboard is empty. Copy a kubelet or containerd log (journalctl -u kubelet, kubectl describe pod …) and run Paste Log for Diagnosis again.');
    return;
  }
  const document = await vscode.workspace.openTextDocument({ language: 'log', content: text });
  await vscode.window.showTextDocument(document, { preview: false });
}

async function diagnoseActiveEditor(deps: LogCommandDeps): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage('Open or paste a log in an editor first, then run Diagnose Active Editor.');
    return;
  }
  deps.analysis.force(editor.document);
  const result = deps.analysis.analyze(editor.document);
  if (result.kind === 'too-large') {
    const choice = await vscode.window.showWarningMessage(
      `This log is too large to diagnose in the editor (${Math.round(result.bytes / 1048576)} MB). The command line streams logs of any size.`,
      'Copy CLI Command', 'Open Settings');
    if (choice === 'Copy CLI Command') await copyCliCommand(editor.document.uri);
    if (choice === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'kubeNodeDoctor.diagnose.maxDocumentSizeMB');
    return;
  }
  const { findings, linesScanned } = result.report;
  const problems = findings.length === 1 ? '1 problem' : `${findings.length} problems`;
  if (findings.length === 0) {
    void vscode.window.showInformationMessage(`No known node problems in ${lineCount(linesScanned)}.`);
  } else {
    vscode.window.setStatusBarMessage(`$(pulse) Node Doctor: ${problems} in ${lineCount(linesScanned)}`, 8000);
  }
}

async function explainFinding(deps: LogCommandDeps, finding: unknown, log: unknown): Promise<void> {
  if (!isFinding(finding)) {
    void vscode.window.showInformationMessage('Explain Finding runs from a code lens, a hover or a Quick Fix on a diagnosed log.');
    return;
  }
  await deps.explanations.show(finding, logUri(log));
}

interface ActionItem extends vscode.QuickPickItem {
  readonly action: FindingAction;
}

/**
 * The lens's one action: a quick pick of what applies to the finding (Explain, Copy Fix Commands, Find on Node…,
 * Repair on Node…), titled with the finding's full sentence; runs the choice and resolves to its id (undefined when
 * dismissed).
 */
async function findingActionsPick(finding: unknown, log: unknown): Promise<FindingActionId | undefined> {
  if (!isFinding(finding)) {
    void vscode.window.showInformationMessage('Finding Actions runs from the code lens of a diagnosed log.');
    return undefined;
  }
  const items: ActionItem[] = findingActions(finding, logUri(log))
    .map((action) => ({ label: action.label, detail: action.detail, action }));
  const picked = await vscode.window.showQuickPick(items, { title: findingSummary(finding), placeHolder: 'What to do with this finding', matchOnDetail: true });
  if (!picked) return undefined;
  await vscode.commands.executeCommand(picked.action.command, ...picked.action.arguments);
  return picked.action.id;
}

async function copyFixCommands(finding: unknown): Promise<void> {
  if (!isFinding(finding)) return;
  const commands = fixCommandsFor(finding);
  await vscode.env.clipboard.writeText(`${commands.join('\n')}\n`);
  vscode.window.setStatusBarMessage(`$(clippy) Copied ${commands.length} fix ${commands.length === 1 ? 'command' : 'commands'}`, 5000);
}

async function copyCliCommand(uri: unknown): Promise<void> {
  const file = uri instanceof vscode.Uri && uri.scheme === 'file' ? uri.fsPath : 'kubelet.log';
  await vscode.env.clipboard.writeText(`kube-node-doctor diagnose ${shellWord(file)}\n`);
  vscode.window.setStatusBarMessage('$(clippy) Copied the kube-node-doctor diagnose command', 5000);
}

/** Paste Log for Diagnosis, Diagnose Active Editor, Finding Actions (the lens), Explain, Copy Fix Commands, Copy CLI Command, Show Log. */
export function registerLogCommands(deps: LogCommandDeps): vscode.Disposable {
  const { errors } = deps;
  return vscode.Disposable.from(
    vscode.commands.registerCommand('kubeNodeDoctor.pasteLog', errors.command('Paste Log for Diagnosis', pasteLog)),
    vscode.commands.registerCommand('kubeNodeDoctor.diagnoseActiveEditor', errors.command('Diagnose Active Editor', () => diagnoseActiveEditor(deps))),
    vscode.commands.registerCommand('kubeNodeDoctor.explainFinding', errors.command('Explain Finding', (finding: unknown, log: unknown) => explainFinding(deps, finding, log))),
    vscode.commands.registerCommand('kubeNodeDoctor.findingActions', errors.command('Finding Actions', findingActionsPick)),
    vscode.commands.registerCommand('kubeNodeDoctor.copyFixCommands', errors.command('Copy Fix Commands', copyFixCommands)),
    vscode.commands.registerCommand('kubeNodeDoctor.copyCliCommand', errors.command('Copy CLI Command', copyCliCommand)),
    vscode.commands.registerCommand('kubeNodeDoctor.showLog', () => deps.log.show()),
  );
}
