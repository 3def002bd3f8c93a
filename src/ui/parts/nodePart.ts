// Nodes: the tree, the report and the node and repair commands, bundled apart (dist/nodes.js) and started by the
// activation shell on first use: the Nodes view shown, or one of its commands. The engine (client-node, gRPC) is a third
// bundle that this part loads when a node is first opened.
import * as vscode from 'vscode';
import { registerNodeCommands } from '../commands/nodeCommands';
import { registerRepairCommands } from '../commands/repairCommands';
import { registerStuckSandboxCommands } from '../commands/stuckSandboxCommands';
import { onSettingsChanged } from '../config';
import { EngineHost } from '../nodeEngineHost';
import type { ErrorReporter } from '../errors';
import { ReportController } from '../report/reportController';
import { NodeTreeProvider } from '../tree/nodeTreeProvider';
import { FleetCommands } from '../fleet/fleetCommands';
import { registerTreeCommands } from '../tree/treeCommands';
import type { TreeElement } from '../tree/treeModel';

export interface NodePartDeps {
  readonly context: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly errors: ErrorReporter;
  /** The Nodes view the shell created; the tree draws into it. */
  readonly attachView: (provider: vscode.TreeDataProvider<TreeElement>) => vscode.TreeView<TreeElement>;
}

export interface NodePart extends vscode.Disposable {
  readonly tree: vscode.TreeDataProvider<TreeElement>;
  /** Deletes the bridge pods of this window (deactivate awaits it); failures go to the log and a notification. */
  shutdown(): Promise<void>;
  /** Scan Cluster, node logs, and the findings the Kubernetes extension's Cluster Explorer shows under a node. */
  readonly fleet: FleetCommands;
}

export function startNodePart({ context, log, errors, attachView }: NodePartDeps): NodePart {
  const engine = new EngineHost(context, log);
  const tree = new NodeTreeProvider(engine, log, { attachView });
  const reports = new ReportController(context.extensionUri, engine, errors, log);
  const fleet = new FleetCommands({ extensionUri: context.extensionUri, engine, errors, log });
  const owned = vscode.Disposable.from(
    fleet,
    tree,
    reports,
    registerNodeCommands({ engine, tree, reports, errors, log }),
    registerRepairCommands({ engine, tree, reports, errors, log }),
    registerStuckSandboxCommands({ engine, tree, reports, errors, log }),
    registerTreeCommands({ engine, tree, errors, log }),
    onSettingsChanged(() => tree.refreshAll()),
  );
  return { tree, fleet, shutdown: () => engine.dispose(), dispose: () => owned.dispose() };
}
