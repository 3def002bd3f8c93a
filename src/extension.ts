import * as vscode from 'vscode';
import { registerLogCommands } from './ui/commands/logCommands';
import { registerPreventionCommands } from './ui/commands/preventionCommands';
import { onSettingsChanged } from './ui/config';
import { ErrorReporter } from './ui/errors';
import { ExplanationDocuments } from './ui/logs/explanationDocuments';
import { LogAnalysisService } from './ui/logs/logAnalysis';
import { LogHoverProvider } from './ui/logs/logHoverProvider';
import { LogLensProvider } from './ui/logs/logLensProvider';
import { LogProblems } from './ui/logs/logProblems';

/** Composition root: builds the services once and registers every UI piece; everything is owned by the context. */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Kube Node Doctor', { log: true });
  const errors = new ErrorReporter(log);

  // Log diagnosis: one cached analysis per document version, read by lenses, hovers and the Problems panel.
  const analysis = new LogAnalysisService(log);
  const documents: vscode.DocumentSelector = [{ scheme: 'file' }, { scheme: 'untitled' }];
  const explanations = new ExplanationDocuments();

  context.subscriptions.push(
    log,
    analysis,
    explanations,
    vscode.languages.registerCodeLensProvider(documents, new LogLensProvider(analysis)),
    vscode.languages.registerHoverProvider(documents, new LogHoverProvider(analysis)),
    new LogProblems(analysis),
    registerLogCommands({ analysis, errors, log, explanations }),
    registerPreventionCommands(errors),
    onSettingsChanged(() => analysis.refreshAll()),
  );
  log.info(`Kube Node Doctor ${String(context.extension.packageJSON.version)} activated`);
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
