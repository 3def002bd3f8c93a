// The commands that belong to the tree's rows: clicking a finding (its article and repair plan in a read-only Markdown
// document) and Copy IDs on a group. Registered by the node part next to the node and repair commands.
import * as vscode from 'vscode';
import { describeError } from '../../core/errors';
import type { Finding } from '../../core/inventory/types';
import type { NodeDoctor } from '../../core/session/nodeDoctor';
import { describeNode } from '../../core/session/nodeRef';
import type { NodeRef } from '../../core/session/nodeRef';
import type { ErrorReporter } from '../errors';
import { ReadOnlyDocuments } from '../commands/readOnlyDocuments';
import { findingDocumentName, findingMarkdown } from './findingText';
import type { FindingPlan } from './findingText';
import { OPEN_FINDING_COMMAND } from './presenters/types';
import type { TreeController, TreeElement } from './treeModel';

export const FINDING_SCHEME = 'kube-node-doctor-finding';

export interface TreeCommandDeps {
  readonly engine: { nodeDoctor(): Promise<Pick<NodeDoctor, 'plan' | 'inventory'>> };
  readonly tree: Pick<TreeController, 'groupIds'>;
  readonly errors: ErrorReporter;
  readonly log: vscode.LogOutputChannel;
}

function isElement<K extends TreeElement['kind']>(arg: unknown, kind: K): arg is Extract<TreeElement, { kind: K }> {
  return typeof arg === 'object' && arg !== null && (arg as { kind?: unknown }).kind === kind && typeof (arg as { id?: unknown }).id === 'string';
}

async function planFor(deps: TreeCommandDeps, ref: NodeRef, finding: Finding): Promise<FindingPlan> {
  if (!finding.repair) return { kind: 'none' };
  try {
    const doctor = await deps.engine.nodeDoctor();
    const { plan } = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Planning the repair…' },
      () => doctor.plan(ref, { kind: 'findings', findingIds: [finding.id] }));
    return plan ? { kind: 'plan', plan } : { kind: 'none' };
  } catch (error) {
    deps.log.warn(`planning ${finding.id} on ${describeNode(ref)} failed: ${describeError(error)}`);
    return { kind: 'failed', message: describeError(error) };
  }
}

async function openFinding(deps: TreeCommandDeps, documents: ReadOnlyDocuments, arg: unknown): Promise<void> {
  if (!isElement(arg, 'finding')) {
    void vscode.window.showInformationMessage('Open Finding runs on a finding of the Node Doctor view.');
    return;
  }
  // The finding as the node's current inventory has it (the element may be from an older read).
  const current = (await deps.engine.nodeDoctor()).inventory(arg.ref)?.findings.find((f) => f.id === arg.finding.id) ?? arg.finding;
  const markdown = findingMarkdown(current, describeNode(arg.ref), await planFor(deps, arg.ref, current));
  const editor = await documents.show(findingDocumentName(current), markdown, 'markdown');
  // The rendered preview where the workbench has one for a virtual document; the Markdown source stays open otherwise.
  if ((await vscode.commands.getCommands(true)).includes('markdown.showPreview')) {
    await Promise.resolve(vscode.commands.executeCommand('markdown.showPreview', editor.document.uri)).catch(() => undefined);
  }
}

async function copyIds(deps: TreeCommandDeps, arg: unknown): Promise<void> {
  const ids = isElement(arg, 'group') ? deps.tree.groupIds(arg) : undefined;
  if (!ids) {
    void vscode.window.showInformationMessage('Copy IDs runs on a group (Findings, Sandboxes, Containers, CNI cache) of an inspected node.');
    return;
  }
  if (ids.count === 0) {
    vscode.window.setStatusBarMessage('$(info) Nothing to copy: the group is empty', 5000);
    return;
  }
  await vscode.env.clipboard.writeText(ids.text);
  vscode.window.setStatusBarMessage(`$(clippy) Copied ${ids.count === 1 ? `1 ${ids.what}` : `${ids.count.toLocaleString('en-US')} ${ids.what}s`}`, 5000);
}

export function registerTreeCommands(deps: TreeCommandDeps): vscode.Disposable {
  const documents = new ReadOnlyDocuments(FINDING_SCHEME);
  return vscode.Disposable.from(
    documents,
    vscode.commands.registerCommand(OPEN_FINDING_COMMAND, deps.errors.command('Open Finding', (arg: unknown) => openFinding(deps, documents, arg))),
    vscode.commands.registerCommand('kubeNodeDoctor.copyIds', deps.errors.command('Copy IDs', (arg: unknown) => copyIds(deps, arg))),
  );
}
