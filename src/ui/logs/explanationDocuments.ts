import * as vscode from 'vscode';
import { explainMarkdown } from '../../core/diagnosis/explain';
import type { LogFinding } from '../../core/diagnosis/types';
import { shortId } from '../../core/model/ids';

export const EXPLANATION_SCHEME = 'kube-node-doctor-explain';
const KEEP = 50;

/** Read-only Markdown documents explaining findings (no "save changes?" prompt), shown as a rendered preview. */
export class ExplanationDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private counter = 0;
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(EXPLANATION_SCHEME, this);

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.query) ?? '# Explanation no longer available\n\nRun Explain again from the code lens.\n';
  }

  async show(finding: LogFinding): Promise<vscode.Uri> {
    const key = String(++this.counter);
    this.contents.set(key, explainMarkdown(finding));
    if (this.contents.size > KEEP) this.contents.delete(this.contents.keys().next().value as string);
    const object = finding.sandboxId ?? finding.containerId;
    const uri = vscode.Uri.from({ scheme: EXPLANATION_SCHEME, path: `/${finding.rule}${object ? `-${shortId(object)}` : ''}.md`, query: key });
    await vscode.workspace.openTextDocument(uri);
    const commands = await vscode.commands.getCommands(true);
    if (commands.includes('markdown.showPreviewToSide')) {
      await vscode.commands.executeCommand('markdown.showPreviewToSide', uri);
    } else {
      await vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.Beside, preview: true });
    }
    return uri;
  }

  dispose(): void {
    this.registration.dispose();
    this.contents.clear();
  }
}
