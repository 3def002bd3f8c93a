import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { lastUndoable, nodeRefOf, parseAuditLog, repairHistory } from '../../core/repair/history';
import type { HistoryEntry, ParsedAuditLog } from '../../core/repair/history';
import { describeNode, isNodeRef, nodeName } from '../../core/session/nodeRef';
import type { NodeRef } from '../../core/session/nodeRef';
import { ReadOnlyDocuments } from './readOnlyDocuments';
import { undoBackups } from './repairCommands';
import type { RepairCommandDeps } from './repairCommands';
import { historyDocument, historyItem, nothingToUndo, undoSubject } from './repairHistoryText';

const HISTORY_SCHEME = 'kube-node-doctor-history';
/** The most of the audit log the history reads: its newest part. */
const MAX_HISTORY_READ = 16 * 1024 * 1024;

/** Reads the newest MAX_HISTORY_READ bytes of the audit log (a missing file is an empty history). */
async function readAuditLog(file: string): Promise<ParsedAuditLog> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch {
    return { records: [], skipped: 0 };
  }
  try {
    const size = (await handle.stat()).size;
    const start = Math.max(0, size - MAX_HISTORY_READ);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    let text = buffer.toString('utf8');
    if (start > 0) text = text.slice(text.indexOf('\n') + 1); // the first line was cut by the window
    return parseAuditLog(text);
  } finally {
    await handle.close();
  }
}

/** A node from a command argument: a tree element or `{ref}` (both carry `ref`), or a NodeRef itself. */
function refOf(arg: unknown): NodeRef | undefined {
  if (isNodeRef(arg)) return arg;
  if (typeof arg === 'object' && arg !== null && isNodeRef((arg as { ref?: unknown }).ref)) return (arg as { ref: NodeRef }).ref;
  return undefined;
}

/** The node an entry was made on: the one the command was given when it is that node, else from the entry's access. */
function entryRef(entry: HistoryEntry, given: NodeRef | undefined): NodeRef | undefined {
  if (given && nodeName(given) === entry.node) return given;
  return nodeRefOf(entry);
}

async function undoEntry(deps: RepairCommandDeps, entry: HistoryEntry, given: NodeRef | undefined): Promise<void> {
  const ref = entryRef(entry, given);
  if (!ref) {
    void vscode.window.showWarningMessage(`Cannot tell how to reach ${entry.node} again (recorded access: ${entry.access}). Open the node in the Node Doctor view and run Show Repair History on it.`);
    return;
  }
  await undoBackups(deps, { ref, backups: entry.undoable, removed: entry.removed });
}

type HistoryPick = vscode.QuickPickItem & { readonly entry?: HistoryEntry; readonly document?: true };

/**
 * "Show Repair History" on a node (or, from the palette, every node): a quick pick of the runs, newest first (what,
 * when, result, backup); picking a run with files to restore undoes it (asked first); the first row opens the whole
 * history as a read-only document.
 */
async function showRepairHistory(deps: RepairCommandDeps, documents: ReadOnlyDocuments, arg: unknown): Promise<void> {
  const given = refOf(arg);
  const node = given ? nodeName(given) : undefined;
  const { records, skipped } = await readAuditLog(deps.engine.auditLogPath);
  const entries = repairHistory(records, node === undefined ? {} : { node });
  const where = given ? describeNode(given) : 'any node';
  if (entries.length === 0) {
    void vscode.window.showInformationMessage(`No repair of ${where} is recorded in the audit log yet.`);
    return;
  }
  const now = Date.now();
  const items: HistoryPick[] = [
    { label: '$(book) Open the Whole History as a Document', description: `${entries.length} ${entries.length === 1 ? 'run' : 'runs'}`, document: true },
    ...entries.map((entry): HistoryPick => {
      const text = historyItem(entry, now);
      return { ...text, description: node === undefined ? entry.node : '', entry };
    }),
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: `Repair history of ${where}`,
    placeHolder: 'Pick a run that backed files up to undo it (you are asked first)',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!picked) return;
  if (picked.document) {
    await documents.show(`repair-history-${node ?? 'all-nodes'}.md`, historyDocument(entries, where, now, skipped), 'markdown');
    return;
  }
  const entry = picked.entry;
  if (!entry) return;
  if (entry.undoable.length === 0) {
    const why = entry.kind === 'undo' ? 'it is an Undo itself' : entry.restored.length > 0 ? 'its files were restored already' : 'it backed up no file (removed sandboxes and containers cannot be put back)';
    void vscode.window.showInformationMessage(`Nothing to undo for "${undoSubject(entry, now)}": ${why}.`);
    return;
  }
  await undoEntry(deps, entry, given);
}

/** "Undo Last Repair…": the newest run (on the given node, or any) that still has backed-up files to restore. */
async function undoLastRepair(deps: RepairCommandDeps, arg: unknown): Promise<void> {
  const given = refOf(arg);
  const { records } = await readAuditLog(deps.engine.auditLogPath);
  const entries = repairHistory(records, given ? { node: nodeName(given) } : {});
  const entry = lastUndoable(entries);
  if (!entry) {
    void vscode.window.showInformationMessage(nothingToUndo(entries.filter((e) => e.kind === 'repair').length));
    return;
  }
  deps.log.info(`undo last repair: ${undoSubject(entry, Date.now())} (${entry.undoable.length} files)`);
  await undoEntry(deps, entry, given);
}

export function registerRepairHistoryCommands(deps: RepairCommandDeps): vscode.Disposable {
  const documents = new ReadOnlyDocuments(HISTORY_SCHEME);
  return vscode.Disposable.from(
    documents,
    vscode.commands.registerCommand('kubeNodeDoctor.showRepairHistory', deps.errors.command('Show Repair History', (arg: unknown) => showRepairHistory(deps, documents, arg))),
    vscode.commands.registerCommand('kubeNodeDoctor.undoLastRepair', deps.errors.command('Undo Last Repair', (arg: unknown) => undoLastRepair(deps, arg))),
  );
}
