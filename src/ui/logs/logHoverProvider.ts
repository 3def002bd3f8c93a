import * as vscode from 'vscode';
import { articleOf, fixCommandsFor } from '../../core/diagnosis/explain';
import type { LogAnalysisService } from './logAnalysis';
import { findingSummary } from './presentation';

function firstParagraph(markdown: string): string {
  return markdown.trim().split(/\n\s*\n/)[0] ?? '';
}

/** On every evidence line: the diagnosis, a summary of the explanation and the fix commands. */
export class LogHoverProvider implements vscode.HoverProvider {
  constructor(private readonly analysis: LogAnalysisService) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    if (!this.analysis.isEligible(document)) return undefined;
    const result = this.analysis.analyze(document);
    if (result.kind !== 'diagnosed') return undefined;
    const findings = result.byLine.get(position.line + 1);
    if (!findings || findings.length === 0) return undefined;
    const contents = findings.map((finding) => {
      const md = new vscode.MarkdownString(undefined, true);
      md.isTrusted = { enabledCommands: ['kubeNodeDoctor.explainFinding'] };
      md.appendMarkdown(`**${escape(findingSummary(finding))}**  \n`);
      md.appendMarkdown(`\`${finding.category}\` · rule \`${finding.rule}\`${finding.firstSeen ? ` · first seen ${finding.firstSeen}` : ''}${finding.lastSeen && finding.lastSeen !== finding.firstSeen ? ` · last seen ${finding.lastSeen}` : ''}\n\n`);
      md.appendMarkdown(`${firstParagraph(articleOf(finding).explanation)}\n\n`);
      const commands = fixCommandsFor(finding);
      if (commands.length > 0) md.appendCodeblock(commands.join('\n'), 'sh');
      md.appendMarkdown(`\n[Explain](command:kubeNodeDoctor.explainFinding?${encodeURIComponent(JSON.stringify([finding]))})`);
      return md;
    });
    return new vscode.Hover(contents, document.lineAt(position.line).range);
  }
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|]/g, '\\$&');
}
