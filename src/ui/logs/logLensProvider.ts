import * as vscode from 'vscode';
import { readLogDiagnosisSettings } from '../config';
import type { LogAnalysisService } from './logAnalysis';
import { findingSummary, lineCount, sandboxOnNode } from './presentation';

/**
 * A lens above the first evidence line of each finding: what it is, the object, how many lines; Explain; Copy Fix Commands;
 * and for a finding that names a sandbox, Find on Node… and Repair on Node… (they look for it in the nodes' inventories).
 */
export class LogLensProvider implements vscode.CodeLensProvider {
  readonly onDidChangeCodeLenses: vscode.Event<void>;

  constructor(private readonly analysis: LogAnalysisService) {
    this.onDidChangeCodeLenses = (listener, thisArgs, disposables) =>
      analysis.onDidChange(() => listener.call(thisArgs, undefined), undefined, disposables);
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!readLogDiagnosisSettings().codeLens || !this.analysis.isEligible(document)) return [];
    const result = this.analysis.analyze(document);
    const top = new vscode.Range(0, 0, 0, 0);
    if (result.kind === 'too-large') {
      const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
      return [new vscode.CodeLens(top, {
        title: `$(info) Not diagnosed in the editor: ${mb(result.bytes)} is over the ${mb(result.limit)} limit · Copy CLI command`,
        command: 'kubeNodeDoctor.copyCliCommand', arguments: [document.uri], tooltip: 'The command line streams logs of any size; the limit is the kubeNodeDoctor.diagnose.maxDocumentSizeMB setting',
      })];
    }
    const lenses: vscode.CodeLens[] = [];
    if (result.binaryLines > 0) {
      lenses.push(new vscode.CodeLens(top, { title: `$(info) ${lineCount(result.binaryLines)} ${result.binaryLines === 1 ? 'holds' : 'hold'} binary data (NUL bytes); the text around ${result.binaryLines === 1 ? 'it' : 'them'} was diagnosed`, command: '' }));
    }
    for (const finding of result.report.findings) {
      const line = Math.min(Math.max(finding.lines[0] - 1, 0), document.lineCount - 1);
      const range = new vscode.Range(line, 0, line, 0);
      lenses.push(
        new vscode.CodeLens(range, { title: `$(${finding.severity === 'error' ? 'error' : finding.severity === 'warning' ? 'warning' : 'info'}) ${findingSummary(finding)}`, command: '' }),
        new vscode.CodeLens(range, { title: 'Explain', command: 'kubeNodeDoctor.explainFinding', arguments: [finding], tooltip: 'What it means and how to fix it' }),
        new vscode.CodeLens(range, { title: 'Copy Fix Commands', command: 'kubeNodeDoctor.copyFixCommands', arguments: [finding], tooltip: 'Copy the manual fix (crictl / rm) to the clipboard' }),
      );
      const sandboxId = sandboxOnNode(finding);
      if (sandboxId !== undefined) {
        lenses.push(
          new vscode.CodeLens(range, { title: 'Find on node…', command: 'kubeNodeDoctor.findOnNode', arguments: [sandboxId, finding], tooltip: 'Look for this sandbox in the inspected nodes (or inspect one) and show it in the Node Doctor view' }),
          new vscode.CodeLens(range, { title: 'Repair on node…', command: 'kubeNodeDoctor.repairOnNode', arguments: [sandboxId, finding], tooltip: 'Find this sandbox on its node, then plan its repair; nothing runs before you confirm the plan' }),
        );
      }
    }
    return lenses;
  }
}
