import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CacheEntry } from '../../core/inventory/types';
import { shortId } from '../../core/model/ids';
import { describeNode } from '../../core/session/nodeRef';
import type { NodeRef } from '../../core/session/nodeRef';
import { readNodeSettings, SECTION } from '../config';
import type { EngineHost } from '../nodeEngineHost';
import type { ErrorReporter } from '../errors';
import { hasNodeRef } from '../tree/treeModel';
import type { NodeElement, TreeController, TreeElement } from '../tree/treeModel';
import { findSandboxForLog, sandboxPrefixOf } from './findSandboxForLog';
import {
  bridgeCleanupConfirmation, bridgeCleanupSummary, cacheFileView, copyIdText, inspectionText, isElementOf, MAX_CACHE_FILE_BYTES,
  nodeRefOf, objectJson, tooLargeText,
} from './nodeText';
import { ReadOnlyDocuments } from './readOnlyDocuments';
import { withProgress } from '../progress';
import { findingsAbout, manualCommandsText } from './repairText';
import { plural } from '../../core/model/plural';

export const OBJECT_SCHEME = 'kube-node-doctor-object';

export interface NodeCommandDeps {
  readonly engine: EngineHost;
  readonly tree: TreeController;
  readonly reports: { show(ref: NodeRef): Promise<void> };
  readonly errors: ErrorReporter;
  readonly log: vscode.LogOutputChannel;
}

function isTreeElement(value: unknown): value is TreeElement {
  return typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string' && typeof (value as { id?: unknown }).id === 'string';
}

function nodeElementOf(arg: unknown): NodeElement | undefined {
  return isTreeElement(arg) && hasNodeRef(arg) && nodeRefOf(arg) !== undefined ? arg : undefined;
}

function fromTheView(command: string): void {
  void vscode.window.showInformationMessage(`${command} runs on an item of the Node Doctor view.`);
}

async function showObjectJson(deps: NodeCommandDeps, documents: ReadOnlyDocuments, arg: unknown): Promise<void> {
  const element = nodeElementOf(arg);
  if (!element) return fromTheView('Inspect (JSON)');
  const inventory = (await deps.engine.nodeDoctor()).inventory(element.ref);
  const doc = objectJson(element, inventory);
  if (!doc) return fromTheView('Inspect (JSON)');
  await documents.show(doc.name, doc.json, 'json');
}

async function openCacheFile(deps: NodeCommandDeps, documents: ReadOnlyDocuments, arg: unknown): Promise<void> {
  const element = nodeElementOf(arg);
  if (!element) return fromTheView('Open Cache File Content');
  const doctor = await deps.engine.nodeDoctor();
  let entry: CacheEntry | undefined;
  if (element.kind === 'cniCache') entry = element.entry;
  else if (element.kind === 'finding' && element.finding.path) entry = doctor.inventory(element.ref)?.cniCache.find((c) => c.path === element.finding.path);
  if (!entry) return fromTheView('Open Cache File Content');
  const file = entry;
  if (file.size > MAX_CACHE_FILE_BYTES) {
    await documents.show(`${file.name} (too large)`, tooLargeText(file), 'plaintext');
    return;
  }
  const node = describeNode(element.ref);
  const bytes = await withProgress(`Reading ${file.name} on ${node}`, (signal) => doctor.readFile(element.ref, file.path, MAX_CACHE_FILE_BYTES, signal));
  const view = cacheFileView(file.path, bytes);
  deps.log.info(`opened ${file.path} on ${node}: ${view.note}`);
  await documents.show(view.language === 'json' ? `${file.name}.json` : file.name, view.text, view.language);
  if (view.escaped || bytes.length === 0) vscode.window.setStatusBarMessage(`$(info) ${view.note}`, 10_000);
}

async function copyId(arg: unknown): Promise<void> {
  const copied = isTreeElement(arg) ? copyIdText(arg) : undefined;
  if (!copied) return fromTheView('Copy ID');
  await vscode.env.clipboard.writeText(copied.text);
  vscode.window.setStatusBarMessage(`$(clippy) Copied the ${copied.what} ${copied.text.length > 40 ? `${copied.text.slice(0, 12)}…` : copied.text}`, 5000);
}

/** The plan's manual commands for a finding or an object with repairable findings; else commands to inspect it. */
async function copyManualCommands(deps: NodeCommandDeps, arg: unknown): Promise<void> {
  const element = nodeElementOf(arg);
  if (!element) return fromTheView('Copy Manual Commands');
  const doctor = await deps.engine.nodeDoctor();
  const inventory = doctor.inventory(element.ref);
  const ids = inventory ? findingsAbout(element, inventory) : [];
  const node = describeNode(element.ref);
  let text: string;
  let count: number;
  const plan = ids.length > 0 ? (await doctor.plan(element.ref, { kind: 'findings', findingIds: ids })).plan : undefined;
  if (plan && plan.steps.length > 0) {
    text = manualCommandsText(plan, node);
    count = plan.steps.length;
  } else {
    text = inspectionText(element, element.ref);
    if (plan && plan.notes.length > 0) text += plan.notes.map((n) => `# Note: ${n}\n`).join('');
    count = text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
  }
  await vscode.env.clipboard.writeText(text);
  vscode.window.setStatusBarMessage(`$(clippy) Copied ${plural(count, 'command')} for ${node}`, 5000);
}

async function openAuditLog(deps: NodeCommandDeps): Promise<void> {
  const file = deps.engine.auditLogPath;
  const exists = await fs.stat(file).then((s) => s.isFile(), () => false);
  if (!exists) {
    void vscode.window.showInformationMessage(`No repair has been recorded yet. The audit log (${file}) is created by the first repair step.`);
    return;
  }
  await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true });
}

async function chooseKubeconfig(deps: NodeCommandDeps): Promise<void> {
  const current = vscode.workspace.getConfiguration(SECTION).get<string>('kubeconfig', '').trim();
  const uris = await vscode.window.showOpenDialog({
    title: 'Choose a kubeconfig file', openLabel: 'Use This Kubeconfig', canSelectFiles: true, canSelectFolders: false, canSelectMany: false,
    defaultUri: vscode.Uri.file(current !== '' ? current : path.join(os.homedir(), '.kube')),
  });
  const file = uris?.[0]?.fsPath;
  if (!file) return;
  await vscode.workspace.getConfiguration(SECTION).update('kubeconfig', file, vscode.ConfigurationTarget.Global);
  deps.log.info(`kubeconfig set to ${file} (user settings)`);
  // kubeNodeDoctor.kubeconfig is machine-scoped: a workspace cannot override it, so the user setting is the one in force.
  const doctor = await deps.engine.nodeDoctor();
  deps.engine.reportStranded(await doctor.reloadKubeconfig());
  deps.tree.refreshAll();
  const { contexts } = await doctor.contexts();
  vscode.window.setStatusBarMessage(`$(check) Kubeconfig ${path.basename(file)}: ${plural(contexts.length, 'context')}`, 8000);
}

async function cleanupBridgePods(deps: NodeCommandDeps, arg: unknown): Promise<void> {
  const doctor = await deps.engine.nodeDoctor();
  let context = isElementOf(arg, 'cluster') ? arg.context.name : undefined;
  if (!context) {
    const { contexts, current } = await doctor.contexts();
    const picked = await vscode.window.showQuickPick(
      contexts.map((c) => ({ label: c.name, description: c.name === current ? 'current context' : c.cluster, detail: c.server })),
      { title: 'Clean up leftover bridge pods in which context?' });
    context = picked?.label;
  }
  if (!context) return;
  const name = context;
  const sweep = (dryRun: boolean): Promise<string[]> => withProgress(
    dryRun ? `Looking for leftover bridge pods in ${name}` : `Deleting leftover bridge pods in ${name}`,
    (signal) => doctor.cleanupLeftovers(name, { dryRun, signal }));
  const leftovers = await sweep(true);
  if (leftovers.length === 0) {
    void vscode.window.showInformationMessage(`No leftover bridge pods in context ${name}. Pods of live sessions, this window's included, are kept.`);
    return;
  }
  const ask = bridgeCleanupConfirmation(name, readNodeSettings().bridge.namespace ?? 'kube-system', leftovers);
  const choice = await vscode.window.showWarningMessage(ask.message, { modal: true, detail: ask.detail }, ask.button);
  if (choice !== ask.button) return;
  const deleted = await sweep(false);
  deps.log.info(`bridge pods deleted in context ${name}: ${deleted.join(', ') || '(none)'}`);
  void vscode.window.showInformationMessage(bridgeCleanupSummary(name, leftovers, deleted));
}

async function findOnNode(deps: NodeCommandDeps, sandboxId: unknown): Promise<void> {
  const prefix = sandboxPrefixOf(sandboxId);
  if (!prefix) {
    void vscode.window.showInformationMessage('Find on Node runs from the code lens of a log finding that names a sandbox ID.');
    return;
  }
  const match = await findSandboxForLog(await deps.engine.nodeDoctor(), deps.tree, prefix, deps.log);
  if (match) vscode.window.setStatusBarMessage(`$(search) Sandbox ${shortId(match.sandboxId)} is on ${describeNode(match.ref)}`, 8000);
}

/** The node commands of the tree's menus, the view title and the log lens (Find on Node). */
export function registerNodeCommands(deps: NodeCommandDeps): vscode.Disposable {
  const { errors, tree } = deps;
  const objects = new ReadOnlyDocuments(OBJECT_SCHEME);
  const withRef = (title: string, run: (ref: NodeRef) => unknown) => errors.command(title, async (arg: unknown) => {
    const ref = nodeRefOf(arg);
    if (!ref) return fromTheView(title);
    await run(ref);
  });
  return vscode.Disposable.from(
    objects,
    vscode.commands.registerCommand('kubeNodeDoctor.refreshAll', errors.command('Refresh All', () => tree.refreshAll())),
    vscode.commands.registerCommand('kubeNodeDoctor.refreshNode', withRef('Refresh Node', (ref) => tree.refreshNode(ref))),
    vscode.commands.registerCommand('kubeNodeDoctor.inspectNode', withRef('Inspect Node', (ref) => tree.inspect(ref))),
    vscode.commands.registerCommand('kubeNodeDoctor.openReport', withRef('Open Node Report', (ref) => deps.reports.show(ref))),
    vscode.commands.registerCommand('kubeNodeDoctor.loadMore', errors.command('Show More', (arg: unknown) => {
      if (isElementOf(arg, 'more')) tree.loadMore(arg);
    })),
    vscode.commands.registerCommand('kubeNodeDoctor.showObjectJson', errors.command('Inspect (JSON)', (arg: unknown) => showObjectJson(deps, objects, arg))),
    vscode.commands.registerCommand('kubeNodeDoctor.openCacheFile', errors.command('Open Cache File Content', (arg: unknown) => openCacheFile(deps, objects, arg))),
    vscode.commands.registerCommand('kubeNodeDoctor.copyId', errors.command('Copy ID', copyId)),
    vscode.commands.registerCommand('kubeNodeDoctor.copyManualCommands', errors.command('Copy Manual Commands', (arg: unknown) => copyManualCommands(deps, arg))),
    vscode.commands.registerCommand('kubeNodeDoctor.openAuditLog', errors.command('Open Audit Log', () => openAuditLog(deps))),
    vscode.commands.registerCommand('kubeNodeDoctor.chooseKubeconfig', errors.command('Choose Kubeconfig', () => chooseKubeconfig(deps))),
    vscode.commands.registerCommand('kubeNodeDoctor.cleanupBridgePods', errors.command('Clean Up Leftover Bridge Pods', (arg: unknown) => cleanupBridgePods(deps, arg))),
    vscode.commands.registerCommand('kubeNodeDoctor.findOnNode', errors.command('Find on Node', (sandboxId: unknown) => findOnNode(deps, sandboxId))),
  );
}
