import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { exportFileName } from '../../core/report/exportName';
import { reportMarkdown } from '../../core/report/reportMarkdown';
import { staleNotice } from '../../core/report/staleNotice';
import type { StoredInventory, Subscription } from '../../core/session/inventoryStore';
import type { RepairPlan } from '../../core/repair/types';
import type { NodeDoctor } from '../../core/session/nodeDoctor';
import { describeNode, nodeKey } from '../../core/session/nodeRef';
import type { NodeRef } from '../../core/session/nodeRef';
import type { ReportModel, WebviewMessage } from '../../shared/reportProtocol';
import { showPreventionFiles } from '../commands/preventionCommands';
import { manualCommandsText } from '../commands/repairText';
import { plural } from '../../core/model/plural';
import type { EngineHost } from '../nodeEngineHost';
import type { ErrorReporter } from '../errors';
import { ReportPanel } from './reportPanel';
import type { ReportActions } from './reportPanel';

/**
 * Opens and updates node reports, one panel per node. Inspection and repair go through the commands the tree uses
 * (kubeNodeDoctor.inspectNode / refreshNode / repairFinding), so the tree, the report and the repair flow share one
 * inventory per node (NodeDoctor.store) and one confirmed repair path. An open report listens to the store: when its
 * node is read again or repaired after the report was made, the report says so and offers Refresh.
 */
export class ReportController implements vscode.Disposable {
  private readonly panels = new Map<string, { panel: ReportPanel; ref: NodeRef }>();
  private subscription: Subscription | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly engine: EngineHost,
    private readonly errors: ErrorReporter,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Opens (or reveals and updates) the report of a node, inspecting it first when it has not been read. */
  async show(ref: NodeRef): Promise<void> {
    const doctor = await this.engine.nodeDoctor();
    this.subscribe(doctor);
    if (!doctor.store.get(ref)) await vscode.commands.executeCommand('kubeNodeDoctor.inspectNode', ref);
    const entry = doctor.store.get(ref);
    if (!entry) {
      void vscode.window.showInformationMessage(`${describeNode(ref)} could not be read, so there is no report; the Node Doctor view shows why.`);
      return;
    }
    const inventory = entry.inventory;
    const model = await this.model(doctor, ref, entry);
    const key = nodeKey(ref);
    const open = this.panels.get(key);
    if (open) {
      open.panel.update(model);
      open.panel.reveal();
      return;
    }
    const panel = ReportPanel.create(this.extensionUri, `Node report: ${inventory.node}`, model, this.actions(ref), () => this.panels.delete(key));
    this.panels.set(key, { panel, ref });
    this.log.info(`report opened for ${describeNode(ref)} (${plural(inventory.findings.length, 'finding')})`);
  }

  /** Re-renders an open report of the node from its current inventory (after a repair, an undo or a refresh). */
  updateOpen(ref: NodeRef): void {
    const open = this.panels.get(nodeKey(ref));
    if (!open) return;
    void this.engine.nodeDoctor().then(async (doctor) => {
      const entry = doctor.store.get(ref);
      if (entry) open.panel.update(await this.model(doctor, ref, entry));
    }).catch((error: unknown) => this.log.warn(`report update for ${describeNode(ref)} failed: ${String(error)}`));
  }

  /** Listens to the one inventory store (once): an open report of a node that changed says so, or stops saying so. */
  private subscribe(doctor: NodeDoctor): void {
    this.subscription ??= doctor.store.onDidChange((change) => {
      const open = this.panels.get(change.key);
      if (open) open.panel.setStale(staleNotice(open.panel.readAt, change.kind === 'delete' ? undefined : change.entry));
    });
  }

  /** The model with one plan per repairable finding: the plan its Repair and Copy buttons use. */
  private async model(doctor: NodeDoctor, ref: NodeRef, entry: StoredInventory): Promise<ReportModel> {
    let plans = new Map<string, RepairPlan>();
    try {
      plans = await doctor.planEach(ref);
    } catch (error) {
      this.log.warn(`report: no plans for ${describeNode(ref)}: ${String(error)}`);
    }
    // The store may have moved on while the plans were made: the notice compares with what it holds now.
    const stale = staleNotice(entry.readAt, doctor.store.get(ref));
    return this.engine.load().reportModelFromInventory(entry.inventory, plans, entry.readAt, stale);
  }

  private actions(ref: NodeRef): ReportActions {
    const guard = <T>(action: string, run: () => Promise<T>): Promise<T | undefined> =>
      run().catch(async (error: unknown) => {
        await this.errors.report(action, error);
        return undefined;
      });
    return {
      repair: async (findingId) => {
        // The command runs the confirmed flow (modal, re-checks, audit) and reports its own errors; it updates this panel.
        await guard('Repair', () => Promise.resolve(vscode.commands.executeCommand('kubeNodeDoctor.repairFinding', { ref, findingId })));
      },
      copyId: (findingId, model) => guard('Copy ID', async () => {
        const finding = model.findings.find((f) => f.id === findingId);
        const id = finding?.objectId ?? finding?.id;
        if (!id) return undefined;
        await vscode.env.clipboard.writeText(id);
        return `Copied ${finding?.objectId ? 'the full ID' : 'the finding ID'} to the clipboard.`;
      }),
      copyCommands: (findingId) => guard('Copy Commands', async () => {
        const doctor = await this.engine.nodeDoctor();
        // The plan the card shows and its Repair button runs: the same selection, the same planner.
        const { plan } = await doctor.plan(ref, { kind: 'findings', findingIds: [findingId] });
        if (!plan || plan.steps.length === 0) return `Nothing to copy: ${plan?.notes.join(' ') || 'no step applies.'}`;
        await vscode.env.clipboard.writeText(manualCommandsText(plan, describeNode(ref)));
        return `${plural(plan.steps.length, 'command')} copied to the clipboard.`;
      }),
      exportMarkdown: (model) => guard('Export to Markdown', () => this.exportMarkdown(model)),
      refresh: (shownReadAt) => guard('Refresh Report', async () => {
        const doctor = await this.engine.nodeDoctor();
        // A newer read that nothing has changed since (the tree's Inspect) is shown as it is; otherwise read the node again.
        const held = doctor.store.get(ref);
        if (!held || held.staleReason || held.readAt <= shownReadAt) await vscode.commands.executeCommand('kubeNodeDoctor.refreshNode', ref);
        const entry = doctor.store.get(ref);
        return entry ? await this.model(doctor, ref, entry) : undefined;
      }),
      generatePrevention: async (message: Extract<WebviewMessage, { type: 'generatePrevention' }>) => {
        await guard('Generate Prevention Rules', async () => {
          const runtime = (await this.engine.nodeDoctor()).inventory(ref)?.runtime;
          const containerdVersion = runtime && /containerd/i.test(runtime.runtimeName) ? runtime.runtimeVersion : undefined;
          await showPreventionFiles({ monitoring: message.monitoring, os: message.talos ? 'talos' : 'generic', containerdVersion });
        });
      },
    };
  }

  /** Save dialog (in the workspace folder, else the home directory); the saved file opens in an editor. */
  private async exportMarkdown(model: ReportModel): Promise<string | undefined> {
    const name = exportFileName(model.node, model.readAt);
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      title: 'Export the node report to Markdown', saveLabel: 'Export',
      defaultUri: folder ? vscode.Uri.joinPath(folder, name) : vscode.Uri.file(path.join(os.homedir(), name)),
      filters: { Markdown: ['md'] },
    });
    if (!target) return undefined;
    await vscode.workspace.fs.writeFile(target, Buffer.from(reportMarkdown(model), 'utf8'));
    this.log.info(`report of ${model.node} exported to ${target.toString()}`);
    await vscode.window.showTextDocument(target, { preview: true, viewColumn: vscode.ViewColumn.Beside });
    return `Exported to ${path.basename(target.path)}.`;
  }

  dispose(): void {
    this.subscription?.dispose();
    for (const { panel } of [...this.panels.values()]) panel.dispose();
    this.panels.clear();
  }
}
