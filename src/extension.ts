import * as vscode from 'vscode';
import { registerLogCommands } from './ui/commands/logCommands';
import { registerNodeCommands } from './ui/commands/nodeCommands';
import { registerPreventionCommands } from './ui/commands/preventionCommands';
import { registerRepairCommands } from './ui/commands/repairCommands';
import { registerStuckSandboxCommands } from './ui/commands/stuckSandboxCommands';
import { onSettingsChanged } from './ui/config';
import { EngineHost } from './ui/engine';
import { ErrorReporter } from './ui/errors';
import { ExplanationDocuments } from './ui/logs/explanationDocuments';
import { HiddenLensNotice } from './ui/logs/hiddenLensNotice';
import { LogAnalysisService } from './ui/logs/logAnalysis';
import { LogCodeActions } from './ui/logs/logCodeActions';
import { LogHoverProvider } from './ui/logs/logHoverProvider';
import { LogLensProvider } from './ui/logs/logLensProvider';
import { LogProblems } from './ui/logs/logProblems';
import { ReportController } from './ui/report/reportController';
import { NodeTreeProvider } from './ui/tree/nodeTreeProvider';

let engine: EngineHost | undefined;

/** Composition root: builds the services once and registers every UI piece; everything is owned by the context. */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Kube Node Doctor', { log: true });
  const errors = new ErrorReporter(log);

  // Log diagnosis: one cached analysis per document version, read by lenses, hovers, Quick Fixes and the Problems panel.
  const analysis = new LogAnalysisService(log);
  const documents: vscode.DocumentSelector = [{ scheme: 'file' }, { scheme: 'untitled' }];
  const explanations = new ExplanationDocuments(analysis);

  // Nodes: the engine (client-node, gRPC) loads on first use; the tree, the repairs and the report share it.
  engine = new EngineHost(context, log);
  const tree = new NodeTreeProvider(engine, log); // owns the 'kubeNodeDoctor.nodes' TreeView
  const reports = new ReportController(context.extensionUri, engine, errors, log);

  context.subscriptions.push(
    log,
    analysis,
    explanations,
    vscode.languages.registerCodeLensProvider(documents, new LogLensProvider(analysis)),
    vscode.languages.registerHoverProvider(documents, new LogHoverProvider(analysis)),
    vscode.languages.registerCodeActionsProvider(documents, new LogCodeActions(analysis), LogCodeActions.metadata),
    new LogProblems(analysis, explanations),
    new HiddenLensNotice(analysis, log),
    registerLogCommands({ analysis, errors, log, explanations }),
    registerPreventionCommands(errors),
    tree,
    reports,
    registerNodeCommands({ engine, tree, reports, errors, log }),
    registerRepairCommands({ engine, tree, reports, errors, log }),
    registerStuckSandboxCommands({ engine, tree, reports, errors, log }),
    onSettingsChanged(() => { analysis.refreshAll(); tree.refreshAll(); }),
  );
  log.info(`Kube Node Doctor ${String(context.extension.packageJSON.version)} activated`);
}

/** Deletes the bridge pods this window created (VS Code waits for the promise, briefly). */
export async function deactivate(): Promise<void> {
  await engine?.dispose();
  engine = undefined;
}
