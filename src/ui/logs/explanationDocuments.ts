import * as vscode from 'vscode';
import { articleOf, explainMarkdown } from '../../core/diagnosis/explain';
import type { LogFinding } from '../../core/diagnosis/types';
import { isCategory } from '../../core/model/category';
import { shortId } from '../../core/model/ids';
import { markdownText } from '../../core/model/markdown';
import type { LogAnalysisService } from './logAnalysis';

export const EXPLANATION_SCHEME = 'kube-node-doctor-explain';
const KEEP = 50;

/** The category's article alone (what it means, references): what a link shows once its log is closed or changed. */
function articleMarkdown(category: string): string | undefined {
  if (!isCategory(category)) return undefined;
  const article = articleOf({ category });
  const out = [`## ${markdownText(article.title)}`, '', `\`${category}\``, '', '### What it means', '', article.explanation, ''];
  if (article.references.length > 0) {
    out.push('### References', '', ...article.references.map((ref) => `- [${markdownText(ref.title)}](${ref.url})`), '');
  }
  out.push('_The log this link came from is closed or has changed: run Explain from its lens for the IDs and the exact fix._', '');
  return out.join('\n');
}

/**
 * Read-only Markdown documents explaining findings (no "save changes?" prompt), shown as a rendered preview where the
 * workbench has one. Two kinds of address: one per Explain click (kept for the last 50), and a stable one per finding of
 * a diagnosed log (`uriFor`, the Problems entries' code link) that is rendered from that log's current analysis.
 */
export class ExplanationDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private counter = 0;
  private readonly instances = new WeakMap<vscode.TextDocument, number>();
  private instanceCounter = 0;
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly analysis: LogAnalysisService) {
    this.subscriptions = [
      vscode.workspace.registerTextDocumentContentProvider(EXPLANATION_SCHEME, this),
      // An open explanation of a log finding follows the log's edits.
      analysis.onDidChange((uri) => this.refresh(uri)),
    ];
  }

  private refresh(log: vscode.Uri | undefined): void {
    for (const document of vscode.workspace.textDocuments) {
      if (document.uri.scheme !== EXPLANATION_SCHEME) continue;
      const source = new URLSearchParams(document.uri.query).get('log');
      if (source !== null && (log === undefined || source === log.toString())) this.changed.fire(document.uri);
    }
  }

  /**
   * The stable address of a finding of the log `log`: its rule's explanation, filled in with the finding's values. It
   * names the log's open instance too, so a new log that reuses a closed one's name (untitled documents do) never
   * shows an explanation VS Code still holds for the closed one.
   */
  uriFor(finding: LogFinding, log: vscode.TextDocument): vscode.Uri {
    let instance = this.instances.get(log);
    if (instance === undefined) {
      instance = ++this.instanceCounter;
      this.instances.set(log, instance);
    }
    const query = new URLSearchParams({ log: log.uri.toString(), open: String(instance), rule: finding.rule, line: String(finding.lines[0]), category: finding.category });
    return vscode.Uri.from({ scheme: EXPLANATION_SCHEME, path: this.fileName(finding), query: query.toString() });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const kept = this.contents.get(uri.query);
    if (kept !== undefined) return kept;
    const query = new URLSearchParams(uri.query);
    const log = query.get('log');
    const document = log === null ? undefined : vscode.workspace.textDocuments.find((d) => d.uri.toString() === log);
    if (document !== undefined && this.analysis.isEligible(document)) {
      const result = this.analysis.analyze(document);
      const line = Number(query.get('line'));
      const finding = result.kind === 'diagnosed' ? result.report.findings.find((f) => f.rule === query.get('rule') && f.lines[0] === line) : undefined;
      if (finding) return explainMarkdown(finding);
    }
    return articleMarkdown(query.get('category') ?? '') ?? '# Explanation no longer available\n\nRun Explain again from the code lens.\n';
  }

  /** Opens the explanation of `finding` (at its stable address when the log it came from is known). */
  async show(finding: LogFinding, log?: vscode.Uri): Promise<vscode.Uri> {
    let uri: vscode.Uri;
    const document = log === undefined ? undefined : vscode.workspace.textDocuments.find((d) => d.uri.toString() === log.toString());
    if (document !== undefined) {
      uri = this.uriFor(finding, document);
    } else {
      const key = `n=${++this.counter}`;
      this.contents.set(key, explainMarkdown(finding));
      if (this.contents.size > KEEP) this.contents.delete(this.contents.keys().next().value as string);
      uri = vscode.Uri.from({ scheme: EXPLANATION_SCHEME, path: this.fileName(finding), query: key });
    }
    await vscode.workspace.openTextDocument(uri);
    // The rendered preview where the workbench has it; the Markdown source otherwise (code-server 4.100 registers no
    // preview for documents of an extension's scheme) or when the preview fails.
    const commands = await vscode.commands.getCommands(true);
    if (commands.includes('markdown.showPreviewToSide')) {
      try {
        await vscode.commands.executeCommand('markdown.showPreviewToSide', uri);
        return uri;
      } catch {
        // fall back to the source below
      }
    }
    await vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.Beside, preview: true });
    return uri;
  }

  private fileName(finding: LogFinding): string {
    const object = finding.sandboxId ?? finding.containerId;
    return `/${finding.rule}${object ? `-${shortId(object)}` : ''}.md`;
  }

  dispose(): void {
    vscode.Disposable.from(...this.subscriptions).dispose();
    this.changed.dispose();
    this.contents.clear();
  }
}
