// Fleet commands: Scan Cluster… (context in the Node Doctor tree, the palette, or the Kubernetes extension's Cluster
// Explorer), Diagnose Node Logs… and Inspect with Node Doctor (a node in either tree), and the findings the Cluster
// Explorer shows under each node. Domain work is in src/core/fleet; this file asks, shows progress and opens results.
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { withProgress } from '../progress';
import type { ClusterHealth, NodeHealth } from '../../core/fleet/conditions';
import { explorerItems } from '../../core/fleet/explorerItems';
import type { ExplorerItem } from '../../core/fleet/explorerItems';
import { fleetCsv, fleetMarkdown, fleetSummary } from '../../core/fleet/fleetReport';
import { NODE_LOG_SERVICES } from '../../core/fleet/nodeLogs';
import type { NodeLogService } from '../../core/fleet/nodeLogs';
import { DEFAULT_SCAN_CONCURRENCY, requireLabelSelector } from '../../core/fleet/scan';
import type { NodeSelection } from '../../core/fleet/scan';
import { describeError } from '../../core/errors';
import { plural } from '../../core/model/plural';
import type { NodeRef } from '../../core/session/nodeRef';
import type { FleetModel, FleetView } from '../../shared/fleetProtocol';
import { nodeRefOf } from '../commands/nodeText';
import { SECTION } from '../config';
import type { ErrorReporter } from '../errors';
import type { EngineHost } from '../nodeEngineHost';
import { FleetPanel } from './fleetPanel';
import { clusterExplorerApi, isNodeResource } from './kubernetesExplorer';

export interface FleetDeps {
  readonly extensionUri: vscode.Uri;
  readonly engine: EngineHost;
  readonly errors: ErrorReporter;
  readonly log: vscode.LogOutputChannel;
}

export function readScanConcurrency(): number {
  return Math.min(64, Math.max(1, Math.floor(vscode.workspace.getConfiguration(SECTION).get<number>('fleet.scanConcurrency', DEFAULT_SCAN_CONCURRENCY))));
}

/** A context from a Node Doctor tree cluster item (`{kind: 'cluster', context: {name}}`), else undefined. */
function contextOfTreeItem(arg: unknown): string | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const a = arg as { kind?: unknown; context?: { name?: unknown } };
  return a.kind === 'cluster' && typeof a.context?.name === 'string' ? a.context.name : undefined;
}

/** Cluster health per context, read at most every 30 s for the Cluster Explorer (one paginated list serves every node). */
class HealthCache {
  private readonly entries = new Map<string, { at: number; health: Promise<ClusterHealth> }>();
  constructor(private readonly engine: EngineHost) {}

  async node(context: string, node: string): Promise<NodeHealth | undefined> {
    let entry = this.entries.get(context);
    if (!entry || Date.now() - entry.at > 30_000) {
      const health = this.engine.nodeDoctor().then(async (doctor) => this.engine.load().clusterHealth(doctor, context));
      entry = { at: Date.now(), health };
      this.entries.set(context, entry);
      health.catch(() => this.entries.delete(context));
    }
    return (await entry.health).nodes.find((n) => n.node === node);
  }

  clear(): void {
    this.entries.clear();
  }
}

export class FleetCommands implements vscode.Disposable {
  private readonly panels = new Set<FleetPanel>();
  private readonly health: HealthCache;
  private readonly registrations: vscode.Disposable;

  constructor(private readonly deps: FleetDeps) {
    this.health = new HealthCache(deps.engine);
    const { errors } = deps;
    this.registrations = vscode.Disposable.from(
      vscode.commands.registerCommand('kubeNodeDoctor.scanCluster', errors.command('Scan Cluster', (arg: unknown) => this.scanCluster(arg))),
      vscode.commands.registerCommand('kubeNodeDoctor.diagnoseNodeLogs', errors.command('Diagnose Node Logs', (arg: unknown) => this.diagnoseNodeLogs(arg))),
      vscode.commands.registerCommand('kubeNodeDoctor.inspectWithNodeDoctor', errors.command('Inspect with Node Doctor', (arg: unknown) => this.inspectFromExplorer(arg))),
    );
  }

  /** The rows the Kubernetes extension's Cluster Explorer shows under a node of the current context. */
  async explorerChildren(node: string): Promise<readonly ExplorerItem[]> {
    const doctor = await this.deps.engine.nodeDoctor();
    const { current } = await doctor.contexts();
    if (!current) return [];
    const health = await this.health.node(current, node).catch((error: unknown) => {
      this.deps.log.warn(`reading the Node Doctor conditions of context ${current}: ${describeError(error)}`);
      return undefined;
    });
    const stored = doctor.store.get({ kind: 'bridge', context: current, node });
    return explorerItems(health, stored ? { findings: stored.inventory.findings, readAt: stored.readAt, stale: stored.staleReason } : undefined);
  }

  private async pickContext(title: string): Promise<string | undefined> {
    const doctor = await this.deps.engine.nodeDoctor();
    const { contexts, current } = await doctor.contexts();
    const picked = await vscode.window.showQuickPick(
      contexts.map((c) => ({ label: c.name, description: c.name === current ? 'current context' : c.cluster, detail: c.server })), { title });
    return picked?.label;
  }

  /** A context from a tree item, a Cluster Explorer context node, or a pick. */
  private async contextOf(arg: unknown, title: string): Promise<string | undefined> {
    const fromTree = contextOfTreeItem(arg);
    if (fromTree) return fromTree;
    if (arg !== undefined) {
      const node = (await clusterExplorerApi().catch(() => undefined))?.resolveCommandTarget(arg);
      if (node && (node.nodeType === 'context' || node.nodeType === 'context.inactive') && typeof node.name === 'string') return node.name;
    }
    return this.pickContext(title);
  }

  private async pickSelection(context: string): Promise<NodeSelection | undefined> {
    type Choice = vscode.QuickPickItem & { kind2: NodeSelection['kind'] };
    const choice = await vscode.window.showQuickPick<Choice>([
      { label: 'All nodes', description: 'every node of the context', kind2: 'all' },
      { label: 'Only NotReady nodes', description: 'Ready False or Unknown', kind2: 'notReady' },
      { label: 'Nodes matching a label selector…', description: 'filtered by the API server', kind2: 'labelSelector' },
    ], { title: `Scan Cluster: which nodes of ${context}?` });
    if (!choice) return undefined;
    if (choice.kind2 !== 'labelSelector') return { kind: choice.kind2 } as NodeSelection;
    const selector = await vscode.window.showInputBox({
      title: `Scan Cluster: label selector for the nodes of ${context}`, placeHolder: 'node-role.kubernetes.io/worker,pool in (a,b)',
      validateInput: (value) => {
        try {
          requireLabelSelector(value);
          return undefined;
        } catch (error) {
          return describeError(error);
        }
      },
    });
    return selector === undefined ? undefined : { kind: 'labelSelector', selector: requireLabelSelector(selector) };
  }

  async scanCluster(arg: unknown): Promise<FleetModel | undefined> {
    const context = await this.contextOf(arg, 'Scan which context?');
    if (!context) return undefined;
    const selection = await this.pickSelection(context);
    if (!selection) return undefined;
    const doctor = await this.deps.engine.nodeDoctor();
    const engine = this.deps.engine.load();
    const concurrency = readScanConcurrency();
    let total = 0;
    const result = await withProgress(`Scanning ${context}`, (signal, report) => engine.scanCluster(doctor, context, selection, {
      concurrency, signal,
      onSelected: (nodes) => { total = nodes.length; report(`${plural(nodes.length, 'node')}, ${concurrency} at a time`); },
      onProgress: (p) => report(`${p.done}/${p.total} · ${p.result.node}${p.result.status === 'failed' ? ' failed' : ''}`, total > 0 ? 100 / total : 0),
    }));
    this.health.clear();
    const { model, outcome } = result;
    const summary = fleetSummary(model);
    this.deps.log.info(`Scan Cluster ${context}: ${summary}`);
    for (const r of outcome.results) if (r.status === 'failed') this.deps.log.warn(`Scan Cluster ${context}: ${r.node}: ${r.error}`);
    for (const pod of outcome.podsLeft.pods) this.deps.log.error(`Scan Cluster ${context}: bridge pod ${pod.name} on ${pod.node} is still there${pod.error ? ` (${pod.error})` : ''}`);
    this.openReport(model);
    if (outcome.podsLeft.count !== 0) {
      void vscode.window.showWarningMessage(`Scan Cluster: ${outcome.podsLeft.count === undefined ? 'whether bridge pods are left is unknown' : `${plural(outcome.podsLeft.count, 'bridge pod')} could not be deleted`}: ${outcome.podsLeft.detail ?? 'see the log'}`, 'Show Log')
        .then((choice) => { if (choice) this.deps.log.show(true); });
    }
    void (await clusterExplorerApi().catch(() => undefined))?.refresh();
    return model;
  }

  /** Opens a fleet report panel for a model (also used by tests). */
  openReport(model: FleetModel): FleetPanel {
    const panel = FleetPanel.create(this.deps.extensionUri, model, {
      openNode: (node) => this.deps.errors.command('Open Node Report', async () => {
        await vscode.commands.executeCommand('kubeNodeDoctor.openReport', { kind: 'bridge', context: model.context, node } satisfies NodeRef);
      })(),
      export: (format, m, view) => this.deps.errors.command('Export Fleet Report', () => this.export(format, m, view))(),
    }, () => this.panels.delete(panel));
    this.panels.add(panel);
    return panel;
  }

  private async export(format: 'csv' | 'markdown', model: FleetModel, view: FleetView): Promise<string | undefined> {
    const stamp = model.generatedAt.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
    const extension = format === 'csv' ? 'csv' : 'md';
    const name = `fleet-report-${model.context}-${stamp}.${extension}`.replace(/[^\w.-]/g, '_');
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      title: `Export the fleet report as ${format === 'csv' ? 'CSV' : 'Markdown'}`, saveLabel: 'Export',
      defaultUri: folder ? vscode.Uri.joinPath(folder, name) : vscode.Uri.file(path.join(os.homedir(), name)),
      filters: format === 'csv' ? { CSV: ['csv'] } : { Markdown: ['md'] },
    });
    if (!target) return undefined;
    const text = format === 'csv' ? fleetCsv(model, view) : fleetMarkdown(model, view);
    await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
    this.deps.log.info(`fleet report of ${model.context} exported to ${target.toString()}`);
    return `Exported to ${target.fsPath}`;
  }

  /** A bridge node from a Node Doctor tree item, a Cluster Explorer Node (current context), or picks. */
  private async nodeOf(arg: unknown, title: string): Promise<{ context: string; node: string } | undefined> {
    const ref = nodeRefOf(arg);
    if (ref?.kind === 'bridge') return { context: ref.context, node: ref.node };
    if (ref?.kind === 'local') {
      void vscode.window.showInformationMessage('Diagnose Node Logs reads a cluster node\'s logs through the Kubernetes API; for this machine, open the journal or log file and run Diagnose Active Editor.');
      return undefined;
    }
    const doctor = await this.deps.engine.nodeDoctor();
    if (arg !== undefined) {
      const target = (await clusterExplorerApi().catch(() => undefined))?.resolveCommandTarget(arg);
      if (isNodeResource(target)) {
        const { current } = await doctor.contexts();
        if (current) return { context: current, node: target.name };
      }
    }
    const context = await this.pickContext(title);
    if (!context) return undefined;
    const { nodes } = await doctor.listNodes(context);
    const picked = await vscode.window.showQuickPick(nodes.map((n) => ({ label: n.name, description: n.ready === false ? 'NotReady' : n.ready === undefined ? 'Unknown' : undefined })), { title: `${title} — node of ${context}` });
    return picked ? { context, node: picked.label } : undefined;
  }

  async diagnoseNodeLogs(arg: unknown, service?: NodeLogService): Promise<vscode.TextDocument | undefined> {
    const target = await this.nodeOf(arg, 'Diagnose Node Logs');
    if (!target) return undefined;
    const chosen = service ?? (await vscode.window.showQuickPick(NODE_LOG_SERVICES.map((s) => ({ label: s, description: s === 'kubelet' ? 'kubelet service log' : `${s} service log` })),
      { title: `Which log of ${target.node}?` }))?.label as NodeLogService | undefined;
    if (!chosen) return undefined;
    const doctor = await this.deps.engine.nodeDoctor();
    const log = await withProgress(`Reading the ${chosen} log of ${target.node}`,
      (signal) => this.deps.engine.load().nodeServiceLog(doctor, target.context, target.node, chosen, { signal }));
    this.deps.log.info(`node log query ${target.context}: GET ${log.request} → ${Buffer.byteLength(log.text)} bytes${log.truncated ? ' (cut at the size bound)' : ''}`);
    const document = await vscode.workspace.openTextDocument({ language: 'log', content: log.text });
    await vscode.window.showTextDocument(document, { preview: false });
    if (log.truncated) void vscode.window.showInformationMessage(`The ${chosen} log of ${target.node} was longer than the size bound; the document holds its first part, cut at a whole line.`);
    if (log.text.trim() === '') void vscode.window.showInformationMessage(`The ${chosen} log of ${target.node} is empty (the node's journal has no entries for it).`);
    return document;
  }

  private async inspectFromExplorer(arg: unknown): Promise<void> {
    const target = await this.nodeOf(arg, 'Inspect with Node Doctor');
    if (!target) return;
    const ref: NodeRef = { kind: 'bridge', context: target.context, node: target.node };
    const doctor = await this.deps.engine.nodeDoctor();
    await withProgress(`Inspecting ${target.node}`, (signal, report) => doctor.inspect(ref, { signal, onProgress: (message) => report(message) }));
    void (await clusterExplorerApi().catch(() => undefined))?.refresh();
    await vscode.commands.executeCommand('kubeNodeDoctor.openReport', ref);
  }

  dispose(): void {
    this.registrations.dispose();
    for (const panel of this.panels) panel.dispose();
    this.panels.clear();
  }
}
