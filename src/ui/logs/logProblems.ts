import * as vscode from 'vscode';
import type { LogFinding } from '../../core/diagnosis/types';
import { readLogDiagnosisSettings } from '../config';
import type { ExplanationDocuments } from './explanationDocuments';
import type { LogAnalysisService } from './logAnalysis';
import { findingSummary, relatedLines } from './presentation';

const SEVERITY: Record<LogFinding['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};
export const DIAGNOSTIC_SOURCE = 'Kube Node Doctor';
const RELATED_LINES = 20;

/**
 * One Problems entry per finding group at its first evidence line: its code is the rule, linked to the finding's
 * explanation; the other lines are related information that says which of the counted lines each is.
 */
export class LogProblems implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('kubeNodeDoctor');
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly analysis: LogAnalysisService, private readonly explanations: ExplanationDocuments) {
    this.subscriptions.push(
      analysis.onDidChange((uri) => (uri ? this.updateUri(uri) : this.updateAll())),
      vscode.workspace.onDidOpenTextDocument((document) => this.update(document)),
    );
    this.updateAll();
  }

  private updateAll(): void {
    this.collection.clear();
    for (const document of vscode.workspace.textDocuments) this.update(document);
  }

  private updateUri(uri: vscode.Uri): void {
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (document) this.update(document); else this.collection.delete(uri);
  }

  update(document: vscode.TextDocument): void {
    if (!readLogDiagnosisSettings().problems || !this.analysis.isEligible(document)) {
      this.collection.delete(document.uri);
      return;
    }
    const result = this.analysis.analyze(document);
    if (result.kind !== 'diagnosed') {
      this.collection.delete(document.uri);
      return;
    }
    const lineRange = (line: number): vscode.Range => document.lineAt(Math.min(Math.max(line - 1, 0), document.lineCount - 1)).range;
    this.collection.set(document.uri, result.report.findings.map((finding) => {
      const diagnostic = new vscode.Diagnostic(lineRange(finding.lines[0]), findingSummary(finding), SEVERITY[finding.severity]);
      diagnostic.source = DIAGNOSTIC_SOURCE;
      diagnostic.code = { value: finding.rule, target: this.explanations.uriFor(finding, document) };
      diagnostic.relatedInformation = relatedLines(finding, RELATED_LINES).map(({ line, message }) =>
        new vscode.DiagnosticRelatedInformation(new vscode.Location(document.uri, lineRange(line)), message));
      return diagnostic;
    }));
  }

  dispose(): void {
    this.collection.dispose();
    vscode.Disposable.from(...this.subscriptions).dispose();
  }
}
