import * as vscode from 'vscode';
import { readLogDiagnosisSettings } from '../config';
import type { LogAnalysisService } from './logAnalysis';
import { findingSummary, lensTitle, lineCount } from './presentation';

const ICON = { error: '$(error)', warning: '$(warning)', info: '$(info)' } as const;

/**
 * One short lens above the first evidence line of each finding — the category's short name, the object, the count —
 * whose one action opens the finding's actions (Explain, Copy Fix Commands, Find on Node…, Repair on Node…). The full
 * sentence is in its tooltip and in the hover.
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
      lenses.push(new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
        title: `${ICON[finding.severity]} ${lensTitle(finding)}`,
        command: 'kubeNodeDoctor.findingActions',
        arguments: [finding, document.uri],
        tooltip: `${findingSummary(finding)} — click for Explain, Copy Fix Commands and the node actions`,
      }));
    }
    return lenses;
  }
}
