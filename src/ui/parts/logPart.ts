// Log diagnosis, bundled apart (dist/logs.js) and started by the activation shell on first use: the first code lens or
// hover asked for a document, or one of its commands.
import * as vscode from 'vscode';
import { registerLogCommands } from '../commands/logCommands';
import { registerPreventionCommands } from '../commands/preventionCommands';
import { onSettingsChanged } from '../config';
import { ErrorReporter } from '../errors';
import { ExplanationDocuments } from '../logs/explanationDocuments';
import { HiddenLensNotice } from '../logs/hiddenLensNotice';
import { LogAnalysisService } from '../logs/logAnalysis';
import { LogCodeActions } from '../logs/logCodeActions';
import { LogHoverProvider } from '../logs/logHoverProvider';
import { LogLensProvider } from '../logs/logLensProvider';
import { LogProblems } from '../logs/logProblems';

export interface LogPartDeps {
  readonly log: vscode.LogOutputChannel;
}

export interface LogPart extends vscode.Disposable {
  readonly lenses: vscode.CodeLensProvider;
  readonly hovers: vscode.HoverProvider;
  readonly codeActions: vscode.CodeActionProvider;
}

/** One cached analysis per document version, read by lenses, hovers, Quick Fixes and the Problems panel; the log commands. */
export function startLogPart({ log }: LogPartDeps): LogPart {
  const errors = new ErrorReporter(log);
  const analysis = new LogAnalysisService(log);
  const explanations = new ExplanationDocuments(analysis);
  const owned = vscode.Disposable.from(
    analysis,
    explanations,
    new LogProblems(analysis, explanations),
    new HiddenLensNotice(analysis, log),
    registerLogCommands({ analysis, errors, log, explanations }),
    registerPreventionCommands(errors),
    onSettingsChanged(() => analysis.refreshAll()),
  );
  return {
    lenses: new LogLensProvider(analysis), hovers: new LogHoverProvider(analysis), codeActions: new LogCodeActions(analysis),
    dispose: () => owned.dispose(),
  };
}
