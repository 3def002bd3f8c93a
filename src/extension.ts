import * as vscode from 'vscode';
import { ErrorReporter } from './ui/errors';
import { LazyPart, lazyCodeActions, lazyCodeLenses, lazyHovers, lazyTreeView } from './ui/lazy';
import type * as LogPartModule from './ui/parts/logPart';
import type * as NodePartModule from './ui/parts/nodePart';
import type { TreeElement } from './ui/tree/treeModel';
import { NODES_VIEW_ID } from './ui/tree/viewIds';
import { connectKubernetesExplorer, KUBERNETES_EXTENSION_ID } from './ui/fleet/kubernetesExplorer';

/** The commands of the log part (src/ui/commands/logCommands.ts, preventionCommands.ts); every other one is the node part's. */
const LOG_COMMANDS = new Set([
  'kubeNodeDoctor.pasteLog', 'kubeNodeDoctor.diagnoseActiveEditor', 'kubeNodeDoctor.explainFinding', 'kubeNodeDoctor.findingActions', 'kubeNodeDoctor.copyFixCommands',
  'kubeNodeDoctor.copyCliCommand', 'kubeNodeDoctor.showLog', 'kubeNodeDoctor.generatePrevention',
]);

let nodes: LazyPart<NodePartModule.NodePart> | undefined;

/**
 * Composition root, kept to what activation needs: the log channel and stand-ins that start each part on first use —
 * log diagnosis (dist/logs.js) and nodes (dist/nodes.js: tree, report, node and repair commands); the node engine
 * (dist/nodeEngine.js: client-node, gRPC) loads when a node is first opened. Everything is owned by the context.
 */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Kube Node Doctor', { log: true });
  const errors = new ErrorReporter(log);
  const manifest = context.extension.packageJSON as { version: string; contributes: { commands: { command: string }[] } };
  const commandIds = manifest.contributes.commands.map((c) => c.command);

  // Log diagnosis: lenses, hovers, Quick Fixes, the Problems panel and the log commands, from the first request of one.
  const logs = new LazyPart<LogPartModule.LogPart>('logs.js', (m) => (m as typeof LogPartModule).startLogPart({ log, errors }), log);
  const documents: vscode.DocumentSelector = [{ scheme: 'file' }, { scheme: 'untitled' }];

  // Nodes: the tree (from the first time the Nodes view is shown), the report, the node and repair commands.
  const nodesView = lazyTreeView<TreeElement>(NODES_VIEW_ID, () => (nodes as LazyPart<NodePartModule.NodePart>).get().tree);
  nodes = new LazyPart<NodePartModule.NodePart>('nodes.js', (m) => (m as typeof NodePartModule).startNodePart({ context, log, errors, attachView: nodesView.attach }), log);

  context.subscriptions.push(
    log,
    vscode.languages.registerCodeLensProvider(documents, lazyCodeLenses(() => logs.get().lenses)),
    vscode.languages.registerHoverProvider(documents, lazyHovers(() => logs.get().hovers)),
    vscode.languages.registerCodeActionsProvider(documents, lazyCodeActions(() => logs.get().codeActions), { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }),
    logs.commands(commandIds.filter((id) => LOG_COMMANDS.has(id))),
    nodes.commands(commandIds.filter((id) => !LOG_COMMANDS.has(id))),
    nodesView.view,
    { dispose: () => { logs.loaded?.dispose(); nodes?.loaded?.dispose(); } },
  );
  // The Kubernetes extension's Cluster Explorer: Node Doctor findings under each node, only when that extension is installed.
  if (vscode.extensions.getExtension(KUBERNETES_EXTENSION_ID)) {
    void connectKubernetesExplorer((node) => (nodes as LazyPart<NodePartModule.NodePart>).get().fleet.explorerChildren(node), log);
  }
  log.info(`Kube Node Doctor ${manifest.version} activated`);
}

/** Deletes the bridge pods this window created (VS Code waits for the promise, briefly); failures are reported. */
export async function deactivate(): Promise<void> {
  await nodes?.loaded?.shutdown();
  nodes = undefined;
}
