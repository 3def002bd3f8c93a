import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/** What differs between the extension's webview panels: their bundle, their style sheet, their page skeleton. */
export interface WebviewShell {
  /** `kubeNodeDoctor.report`, `kubeNodeDoctor.fleet`. */
  readonly viewType: string;
  readonly title: string;
  /** File names under dist/webview and media. */
  readonly script: string;
  readonly style: string;
  /** The document's own title. */
  readonly pageTitle: string;
  /** The body before the script (a root element and a status region). */
  readonly body: string;
  /** Whether the page sets `style` attributes (the report's size bars): adds 'unsafe-inline' to style-src only. */
  readonly inlineStyles?: boolean;
}

/**
 * Opens a panel the way every panel of the extension is opened: scripts on, resources only from dist/webview and media,
 * a strict CSP whose only script is the bundle, allowed by a fresh nonce.
 */
export function openWebviewPanel(extensionUri: vscode.Uri, shell: WebviewShell): vscode.WebviewPanel {
  const roots = [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')];
  const panel = vscode.window.createWebviewPanel(shell.viewType, shell.title, vscode.ViewColumn.Active, {
    enableScripts: true, localResourceRoots: roots, retainContextWhenHidden: false,
  });
  panel.webview.html = webviewHtml(panel.webview, extensionUri, shell);
  return panel;
}

export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, shell: WebviewShell): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', shell.script));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', shell.style));
  const styleSrc = shell.inlineStyles ? `${webview.cspSource} 'unsafe-inline'` : webview.cspSource;
  const csp = [`default-src 'none'`, `style-src ${styleSrc}`, `font-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`].join('; ');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>${shell.pageTitle}</title></head>
<body>${shell.body}
<script nonce="${nonce}" src="${script.toString()}"></script></body></html>`;
}
