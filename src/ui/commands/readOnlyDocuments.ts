import * as vscode from 'vscode';

const KEEP = 50;

/**
 * Read-only virtual documents on one custom scheme (Inspect (JSON), cache file contents, audit entries): closing them
 * never asks to save. Each `show` gets its own URI (a counter in the query), so a second look shows fresh content.
 */
export class ReadOnlyDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private counter = 0;
  private readonly registration: vscode.Disposable;

  constructor(private readonly scheme: string) {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(scheme, this);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.query) ?? 'No longer available: run the command again.\n';
  }

  /** `name` is the tab title (a file name; no slashes). */
  async show(name: string, content: string, language: string): Promise<vscode.TextEditor> {
    const key = String(++this.counter);
    this.contents.set(key, content);
    if (this.contents.size > KEEP) this.contents.delete(this.contents.keys().next().value as string);
    const uri = vscode.Uri.from({ scheme: this.scheme, path: `/${name.replace(/[/\\]/g, '_')}`, query: key });
    let document = await vscode.workspace.openTextDocument(uri);
    if (document.languageId !== language) document = await vscode.languages.setTextDocumentLanguage(document, language);
    return vscode.window.showTextDocument(document, { preview: true });
  }

  dispose(): void {
    this.registration.dispose();
    this.contents.clear();
  }
}
