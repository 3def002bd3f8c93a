import * as vscode from 'vscode';
import { openWebviewPanel } from '../webviewShell';
import type { FleetHostMessage, FleetModel, FleetView } from '../../shared/fleetProtocol';
import { isFleetWebviewMessage } from '../../shared/fleetProtocol';

export interface FleetActions {
  /** Opens the node's report through the existing report command. */
  openNode(node: string): Promise<void>;
  /** Exports the rows as the webview shows them; a returned string is shown in the panel's notice line. */
  export(format: 'csv' | 'markdown', model: FleetModel, view: FleetView): Promise<string | undefined>;
}

/** The fleet report: one panel per scan, a strict CSP with a nonce, scripts and styles only from dist/webview and media. */
export class FleetPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  private constructor(private readonly panel: vscode.WebviewPanel, private readonly model: FleetModel, private readonly actions: FleetActions, private readonly onDispose: () => void) {
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((message: unknown) => void this.onMessage(message)),
    );
  }

  static create(extensionUri: vscode.Uri, model: FleetModel, actions: FleetActions, onDispose: () => void = () => undefined): FleetPanel {
    const panel = openWebviewPanel(extensionUri, {
      viewType: 'kubeNodeDoctor.fleet', title: `Fleet report: ${model.context}`, script: 'fleet.js', style: 'fleet.css', pageTitle: 'Fleet report',
      body: '<div id="notice" role="status"></div><div id="root">Loading…</div>',
    });
    return new FleetPanel(panel, model, actions, onDispose);
  }

  reveal(): void {
    this.panel.reveal();
  }

  private post(message: FleetHostMessage): Thenable<boolean> {
    return this.panel.webview.postMessage(message);
  }

  private async onMessage(message: unknown): Promise<void> {
    if (!isFleetWebviewMessage(message)) return; // anything else is dropped
    switch (message.type) {
      case 'ready':
        await this.post({ type: 'model', model: this.model });
        return;
      case 'openNode':
        if (this.model.rows.some((r) => r.node === message.node)) await this.actions.openNode(message.node);
        return;
      case 'export': {
        const notice = await this.actions.export(message.format, this.model, message.view);
        if (notice && !this.disposed) await this.post({ type: 'notice', text: notice });
        return;
      }
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
