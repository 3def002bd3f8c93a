import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { HostMessage, ReportModel, WebviewMessage } from '../../shared/reportProtocol';
import { isWebviewMessage } from '../../shared/reportProtocol';

/** What the panel asks of the rest of the extension; every repair goes through the same confirmed path as the tree. */
export interface ReportActions {
  repair(findingId: string): Promise<void>;
  copyCommands(findingId: string): Promise<void>;
  exportMarkdown(model: ReportModel): Promise<void>;
  refresh(): Promise<ReportModel | undefined>;
  generatePrevention(message: Extract<WebviewMessage, { type: 'generatePrevention' }>): Promise<void>;
}

/** The node report: one panel per node, a strict CSP with a nonce, scripts and styles only from dist/webview and media. */
export class ReportPanel implements vscode.Disposable {
  private static readonly panels = new Map<string, ReportPanel>();
  private readonly disposables: vscode.Disposable[] = [];

  private constructor(private readonly panel: vscode.WebviewPanel, private model: ReportModel, private readonly actions: ReportActions) {
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((message: unknown) => void this.onMessage(message)),
    );
  }

  static show(extensionUri: vscode.Uri, model: ReportModel, actions: ReportActions): ReportPanel {
    const existing = ReportPanel.panels.get(model.node);
    if (existing) {
      existing.update(model);
      existing.panel.reveal();
      return existing;
    }
    const roots = [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')];
    const panel = vscode.window.createWebviewPanel('kubeNodeDoctor.report', `Node report: ${model.node}`, vscode.ViewColumn.Active, {
      enableScripts: true, localResourceRoots: roots, retainContextWhenHidden: false,
    });
    panel.webview.html = ReportPanel.html(panel.webview, extensionUri);
    const created = new ReportPanel(panel, model, actions);
    ReportPanel.panels.set(model.node, created);
    return created;
  }

  static html(webview: vscode.Webview, extensionUri: vscode.Uri): string {
    const nonce = randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'report.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'report.css'));
    const csp = [`default-src 'none'`, `style-src ${webview.cspSource} 'unsafe-inline'`, `font-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`].join('; ');
    return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>Node report</title></head>
<body><div id="notice" role="status"></div><div id="root">Loading…</div>
<script nonce="${nonce}" src="${script.toString()}"></script></body></html>`;
  }

  update(model: ReportModel): void {
    this.model = model;
    void this.post({ type: 'model', model });
  }

  private post(message: HostMessage): Thenable<boolean> {
    return this.panel.webview.postMessage(message);
  }

  private async onMessage(message: unknown): Promise<void> {
    if (!isWebviewMessage(message)) return; // anything else is dropped
    switch (message.type) {
      case 'ready':
        await this.post({ type: 'model', model: this.model });
        return;
      case 'repair':
        await this.post({ type: 'busy', findingId: message.findingId, busy: true });
        try {
          await this.actions.repair(message.findingId);
          const fresh = await this.actions.refresh();
          if (fresh) this.update(fresh);
        } finally {
          await this.post({ type: 'busy', findingId: message.findingId, busy: false });
        }
        return;
      case 'copyCommands':
        await this.actions.copyCommands(message.findingId);
        await this.post({ type: 'notice', text: 'Commands copied to the clipboard.' });
        return;
      case 'exportMarkdown':
        await this.actions.exportMarkdown(this.model);
        return;
      case 'refresh': {
        const fresh = await this.actions.refresh();
        if (fresh) this.update(fresh);
        return;
      }
      case 'generatePrevention':
        await this.actions.generatePrevention(message);
        return;
    }
  }

  dispose(): void {
    ReportPanel.panels.delete(this.model.node);
    vscode.Disposable.from(...this.disposables).dispose();
    this.panel.dispose();
  }
}
