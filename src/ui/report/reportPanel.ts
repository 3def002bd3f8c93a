import * as vscode from 'vscode';
import { openWebviewPanel } from '../webviewShell';
import type { HostMessage, ReportModel, WebviewMessage } from '../../shared/reportProtocol';
import { isWebviewMessage } from '../../shared/reportProtocol';

/**
 * What the panel asks of the rest of the extension; every repair goes through the same confirmed path as the tree.
 * Actions handle their own errors; a returned string is shown in the panel's notice line.
 */
export interface ReportActions {
  /** Runs the confirmed repair flow; the flow re-renders the panel (ReportController.updateOpen) with the verified state. */
  repair(findingId: string): Promise<void>;
  copyCommands(findingId: string): Promise<string | undefined>;
  /** Copies the full ID of the object a card names (else the finding's ID). */
  copyId(findingId: string, model: ReportModel): Promise<string | undefined>;
  exportMarkdown(model: ReportModel): Promise<string | undefined>;
  /** The current model of the node, read again unless the store holds a newer, unchanged read than `shownReadAt`. */
  refresh(shownReadAt: number): Promise<ReportModel | undefined>;
  generatePrevention(message: Extract<WebviewMessage, { type: 'generatePrevention' }>): Promise<void>;
}

/**
 * One node's report: a strict CSP with a nonce, scripts and styles only from dist/webview and media. The owner
 * (ReportController) keys panels by node (nodeKey, so two contexts with the same node name get two panels).
 */
export class ReportPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  private constructor(private readonly panel: vscode.WebviewPanel, private model: ReportModel, private readonly actions: ReportActions, private readonly onDispose: () => void) {
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((message: unknown) => void this.onMessage(message)),
    );
  }

  /** Opens a panel; `title` names the node (`Node report: node-1`), `onDispose` tells the owner it closed. */
  static create(extensionUri: vscode.Uri, title: string, model: ReportModel, actions: ReportActions, onDispose: () => void): ReportPanel {
    const panel = openWebviewPanel(extensionUri, {
      viewType: 'kubeNodeDoctor.report', title, script: 'report.js', style: 'report.css', pageTitle: 'Node report', inlineStyles: true,
      body: '<main id="root" aria-busy="true">Loading…</main><div id="notice" role="status" aria-live="polite"></div>',
    });
    return new ReportPanel(panel, model, actions, onDispose);
  }

  reveal(): void {
    this.panel.reveal();
  }

  /** When the inventory this panel shows was read (epoch ms). */
  get readAt(): number {
    return this.model.readAt;
  }

  /** Shows (text) or clears (undefined) the notice that the node changed after this report was made. */
  setStale(text: string | undefined): void {
    if (text === this.model.stale) return;
    const { stale: _previous, ...rest } = this.model;
    this.model = text ? { ...rest, stale: text } : rest;
    if (!this.disposed) void this.post({ type: 'stale', ...(text ? { text } : {}) });
  }

  update(model: ReportModel): void {
    this.model = model;
    if (!this.disposed) void this.post({ type: 'model', model });
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
        } finally {
          if (!this.disposed) await this.post({ type: 'busy', findingId: message.findingId, busy: false });
        }
        return;
      case 'copyId': {
        const notice = await this.actions.copyId(message.findingId, this.model);
        if (notice) await this.post({ type: 'notice', text: notice });
        return;
      }
      case 'copyCommands': {
        const notice = await this.actions.copyCommands(message.findingId);
        if (notice) await this.post({ type: 'notice', text: notice });
        return;
      }
      case 'exportMarkdown': {
        const notice = await this.actions.exportMarkdown(this.model);
        if (notice) await this.post({ type: 'notice', text: notice });
        return;
      }
      case 'refresh': {
        const fresh = await this.actions.refresh(this.model.readAt);
        if (fresh) this.update(fresh);
        return;
      }
      case 'generatePrevention':
        await this.actions.generatePrevention(message);
        return;
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.onDispose();
    vscode.Disposable.from(...this.disposables).dispose();
    this.panel.dispose();
  }
}
