import * as vscode from 'vscode';
import { articleOf, fixCommandsFor } from '../../core/diagnosis/explain';
import { markdownCode, markdownText } from '../../core/model/markdown';
import type { LogAnalysisService } from './logAnalysis';
import { findingSummary } from './presentation';

function firstParagraph(markdown: string): string {
  return markdown.trim().split(/\n\s*\n/)[0] ?? '';
}

function commandLink(command: string, args: readonly unknown[]): string {
  return `command:${command}?${encodeURIComponent(JSON.stringify(args))}`;
}

/** On every evidence line: the finding's full sentence, a summary of its article, the fix commands, Explain and Actions…. */
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
      md.isTrusted = { enabledCommands: ['kubeNodeDoctor.explainFinding', 'kubeNodeDoctor.findingActions'] };
      md.appendMarkdown(`**${markdownText(findingSummary(finding))}**  \n`);
      md.appendMarkdown(`${markdownCode(finding.category)} · rule ${markdownCode(finding.rule)}${finding.firstSeen ? ` · first seen ${markdownText(finding.firstSeen)}` : ''}${finding.lastSeen && finding.lastSeen !== finding.firstSeen ? ` · last seen ${markdownText(finding.lastSeen)}` : ''}\n\n`);
      md.appendMarkdown(`${firstParagraph(articleOf(finding).explanation)}\n\n`);
      const commands = fixCommandsFor(finding);
      if (commands.length > 0) md.appendCodeblock(commands.join('\n'), 'sh');
      const args = [finding, document.uri.toString()];
      md.appendMarkdown(`\n[Explain](${commandLink('kubeNodeDoctor.explainFinding', args)}) · [Actions…](${commandLink('kubeNodeDoctor.findingActions', args)})`);
      return md;
    });
    return new vscode.Hover(contents, document.lineAt(position.line).range);
  }
}
