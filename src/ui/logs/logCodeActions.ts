import * as vscode from 'vscode';
import type { LogFinding } from '../../core/diagnosis/types';
import type { LogAnalysisService } from './logAnalysis';
import { DIAGNOSTIC_SOURCE } from './logProblems';
import { findingActions } from './presentation';

const MAX_LINES = 50;

/**
 * Quick Fixes (Ctrl+.) on a diagnosed log: for each Node Doctor diagnostic in the range, and each finding whose evidence
 * lines the range touches, the same actions as the lens's quick pick.
 */
export class LogCodeActions implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  constructor(private readonly analysis: LogAnalysisService) {}

  provideCodeActions(document: vscode.TextDocument, range: vscode.Range | vscode.Selection, context: vscode.CodeActionContext): vscode.CodeAction[] {
    if (context.only !== undefined && !vscode.CodeActionKind.QuickFix.intersects(context.only)) return [];
    if (!this.analysis.isEligible(document)) return [];
    const result = this.analysis.analyze(document);
    if (result.kind !== 'diagnosed') return [];
    const ours = context.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE);
    const findings: { finding: LogFinding; diagnostic?: vscode.Diagnostic }[] = [];
    const seen = new Set<LogFinding>();
    for (const diagnostic of ours) {
      const code = typeof diagnostic.code === 'object' ? String(diagnostic.code.value) : String(diagnostic.code);
      const finding = (result.byLine.get(diagnostic.range.start.line + 1) ?? []).find((f) => f.rule === code && f.lines[0] === diagnostic.range.start.line + 1);
      if (finding && !seen.has(finding)) {
        seen.add(finding);
        findings.push({ finding, diagnostic });
      }
    }
    // A large selection offers the findings of its first lines only (the light bulb is about where the cursor is).
    for (let line = range.start.line; line <= Math.min(range.end.line, range.start.line + MAX_LINES - 1); line += 1) {
      for (const finding of result.byLine.get(line + 1) ?? []) {
        if (!seen.has(finding)) {
          seen.add(finding);
          findings.push({ finding });
        }
      }
    }
    return findings.flatMap(({ finding, diagnostic }) => findingActions(finding, document.uri).map((action) => {
      const fix = new vscode.CodeAction(action.fixTitle, vscode.CodeActionKind.QuickFix);
      fix.command = { title: action.fixTitle, command: action.command, arguments: [...action.arguments] };
      if (diagnostic) fix.diagnostics = [diagnostic];
      return fix;
    }));
  }
}
