import type * as vscode from 'vscode';

/** Composition root: builds the core services and registers the UI pieces. Filled in by the UI layer. */
export function activate(_context: vscode.ExtensionContext): void {
  // Registrations are added here as the UI pieces land.
}

export function deactivate(): void {
  // Nothing to release yet.
}
