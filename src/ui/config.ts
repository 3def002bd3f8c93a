import * as vscode from 'vscode';

export const SECTION = 'kubeNodeDoctor';

export interface LogDiagnosisSettings {
  readonly codeLens: boolean;
  readonly documents: 'logs' | 'all';
  readonly problems: boolean;
  readonly maxDocumentBytes: number;
}

export function readLogDiagnosisSettings(): LogDiagnosisSettings {
  const config = vscode.workspace.getConfiguration(SECTION);
  return {
    codeLens: config.get<boolean>('codeLens.enabled', true),
    documents: config.get<'logs' | 'all'>('diagnose.documents', 'logs'),
    problems: config.get<boolean>('diagnose.problems', true),
    maxDocumentBytes: Math.max(1, config.get<number>('diagnose.maxDocumentSizeMB', 50)) * 1024 * 1024,
  };
}

/** Fires when any of our settings change. */
export function onSettingsChanged(listener: () => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((event) => {
    if (event.affectsConfiguration(SECTION)) listener();
  });
}
