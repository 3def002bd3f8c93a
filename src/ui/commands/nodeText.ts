// The pure half of the node commands: what Copy ID copies, the JSON shown by Inspect (JSON), how a cache file's bytes are
// shown, and the inspection commands for an object without a repair. No vscode import (test/unit/ui runs it in plain Node).
import type { CacheEntry, Finding, Inventory } from '../../core/inventory/types';
import { shortId } from '../../core/model/ids';
import { describeNode, isNodeRef, nodeName } from '../../core/session/nodeRef';
import type { NodeRef } from '../../core/session/nodeRef';
import type { TreeElement } from '../tree/treeModel';

/** Cache files larger than this are not opened (a CNI result is a few hundred bytes). */
export const MAX_CACHE_FILE_BYTES = 1024 * 1024;

/** The node a command argument is about: a tree element that carries one, or a NodeRef itself. */
export function nodeRefOf(arg: unknown): NodeRef | undefined {
  if (isNodeRef(arg)) return arg;
  if (typeof arg === 'object' && arg !== null && isNodeRef((arg as { ref?: unknown }).ref)) return (arg as { ref: NodeRef }).ref;
  return undefined;
}

/** Whether an argument looks like a tree element of the given kind (commands get whatever the menu or a caller passes). */
export function isElementOf<K extends TreeElement['kind']>(arg: unknown, kind: K): arg is Extract<TreeElement, { kind: K }> {
  return typeof arg === 'object' && arg !== null && (arg as { kind?: unknown }).kind === kind && typeof (arg as { id?: unknown }).id === 'string';
}

/** Copy ID: the full 64-hex ID of a sandbox or container, a cache file's path, a finding's ID, a node's name. */
export function copyIdText(element: TreeElement): { text: string; what: string } | undefined {
  switch (element.kind) {
    case 'node': return { text: nodeName(element.ref), what: 'node name' };
    case 'sandbox': return { text: element.sandbox.id, what: 'sandbox ID' };
    case 'container': return { text: element.container.id, what: 'container ID' };
    case 'cniCache': return { text: element.entry.path, what: 'cache file path' };
    case 'finding': return { text: element.finding.id, what: 'finding ID' };
    case 'cluster': return { text: element.context.name, what: 'context name' };
    default: return undefined;
  }
}

function relatedFindings(inventory: Inventory | undefined, match: (f: Finding) => boolean): Finding[] {
  return inventory ? inventory.findings.filter(match) : [];
}

/**
 * Inspect (JSON): the object as the inventory holds it, with the node and the findings about it (from the node's last
 * inventory, when there is one). `name` becomes the document's title.
 */
export function objectJson(element: TreeElement, inventory?: Inventory): { name: string; json: string } | undefined {
  const stringify = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
  switch (element.kind) {
    case 'sandbox': {
      const s = element.sandbox;
      const cniCache = inventory ? inventory.cniCache.filter((c) => c.sandboxId === s.id).map((c) => c.path) : [];
      const containers = inventory ? inventory.containers.filter((c) => c.sandboxId === s.id).map((c) => ({ id: c.id, name: c.name, state: c.state })) : [];
      return {
        name: `sandbox-${shortId(s.id)}.json`,
        json: stringify({ node: describeNode(element.ref), sandbox: s, cniCache, containers, findings: relatedFindings(inventory, (f) => f.sandboxId === s.id) }),
      };
    }
    case 'container': {
      const c = element.container;
      return {
        name: `container-${shortId(c.id)}.json`,
        json: stringify({ node: describeNode(element.ref), container: c, orphaned: element.orphaned, findings: relatedFindings(inventory, (f) => f.containerId === c.id) }),
      };
    }
    case 'cniCache': {
      const e = element.entry;
      return {
        name: `${e.name}.json`,
        json: stringify({ node: describeNode(element.ref), status: element.status, cacheFile: e, findings: relatedFindings(inventory, (f) => f.path === e.path) }),
      };
    }
    case 'finding':
      return { name: `finding-${element.finding.category}.json`, json: stringify({ node: describeNode(element.ref), finding: element.finding }) };
    default:
      return undefined;
  }
}

/** Commands to look at an object by hand on the node (for objects without a repair plan). */
export function inspectionCommands(element: TreeElement): string[] {
  switch (element.kind) {
    case 'sandbox': {
      const id = element.sandbox.id;
      return [`crictl inspectp ${id}`, `crictl ps -a --pod ${id}`, `ls -l /var/lib/cni/results/ | grep ${id}`];
    }
    case 'container': {
      const id = element.container.id;
      return [`crictl inspect ${id}`, `crictl logs --tail 100 ${id}`, `crictl inspectp ${element.container.sandboxId}`];
    }
    case 'cniCache': {
      const path = element.entry.path;
      return [`ls -l ${path}`, `od -c ${path} | head -40`, `crictl inspectp ${element.entry.sandboxId}`];
    }
    case 'finding': {
      const f = element.finding;
      if (f.containerId) return [`crictl inspect ${f.containerId}`];
      if (f.sandboxId) return [`crictl inspectp ${f.sandboxId}`, `crictl ps -a --pod ${f.sandboxId}`];
      if (f.path) return [`ls -l ${f.path}`];
      return ['crictl pods --state notready | wc -l', 'crictl ps -a --state exited | wc -l'];
    }
    default:
      return [];
  }
}

/** The inspection commands as a script with a header naming the node. */
export function inspectionText(element: TreeElement, ref: NodeRef): string {
  const commands = inspectionCommands(element);
  return `# ${describeNode(ref)}: no repair applies; commands to inspect it on the node as root.\n${commands.join('\n')}\n`;
}

export interface CacheFileView {
  readonly text: string;
  readonly language: 'json' | 'plaintext';
  /** Non-printable bytes were escaped as \xNN. */
  readonly escaped: boolean;
  /** One sentence for the status bar. */
  readonly note: string;
}

function isPrintableText(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return undefined;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  // eslint-disable-next-line no-control-regex -- control characters other than tab, newline and carriage return
  return /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(text) ? undefined : text;
}

/** Bytes as text with everything outside printable ASCII (newlines and tabs kept) written as \xNN, and `\` as `\\`. */
export function escapeBytes(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) {
    if (byte === 0x5c) out += '\\\\';
    else if (byte === 0x0a || byte === 0x09 || (byte >= 0x20 && byte < 0x7f)) out += String.fromCharCode(byte);
    else out += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** How Open Cache File Content shows a file: its text (JSON when it parses), a "0 bytes" line, or escaped binary. */
export function cacheFileView(path: string, bytes: Uint8Array): CacheFileView {
  if (bytes.length === 0) {
    return { text: `${path}: 0 bytes (the file is empty).\n`, language: 'plaintext', escaped: false, note: `${path} is empty (0 bytes).` };
  }
  const text = isPrintableText(bytes);
  if (text !== undefined) {
    let json = false;
    try {
      JSON.parse(text);
      json = true;
    } catch {
      json = false;
    }
    return { text, language: json ? 'json' : 'plaintext', escaped: false, note: `${path}: ${bytes.length.toLocaleString('en-US')} bytes${json ? '' : ', not valid JSON'}.` };
  }
  const nuls = bytes.filter((b) => b === 0).length;
  const header = `# ${path}: ${bytes.length.toLocaleString('en-US')} bytes of binary data${nuls > 0 ? ` (${nuls.toLocaleString('en-US')} NUL bytes)` : ''}; bytes outside printable ASCII are shown as \\xNN.\n`;
  return { text: header + escapeBytes(bytes), language: 'plaintext', escaped: true, note: `${path} holds binary data${nuls > 0 ? ' (NUL bytes)' : ''}: shown hex-escaped.` };
}

/** The document for a cache file over the size limit (it is not read). */
export function tooLargeText(entry: CacheEntry): string {
  return `# ${entry.path}: ${entry.size.toLocaleString('en-US')} bytes, over the ${MAX_CACHE_FILE_BYTES / 1024 / 1024} MiB that Open Cache File Content reads.\n# On the node: head -c 4096 ${entry.path} | od -c\n`;
}

/** The modal confirmation of Clean Up Leftover Bridge Pods, naming every pod. */
export function bridgeCleanupConfirmation(context: string, namespace: string, pods: readonly string[]): { message: string; detail: string; button: string } {
  const count = `${pods.length} leftover bridge ${pods.length === 1 ? 'pod' : 'pods'}`;
  return {
    message: `Delete ${count} in context ${context}?`,
    detail: [
      `Namespace: ${namespace}`, '',
      ...pods.map((p) => `• ${p}`), '',
      'These pods were left by Node Doctor sessions that ended without deleting them (finished, past their deadline, or without a recent heartbeat).',
      'Each pod is judged again right before it is deleted; pods of live sessions, this window\'s included, are kept.',
    ].join('\n'),
    button: `Delete ${pods.length === 1 ? '1 Pod' : `${pods.length} Pods`}`,
  };
}

/** The summary of a bridge pod clean-up; pods deleted that were not in the confirmation are named. */
export function bridgeCleanupSummary(context: string, confirmed: readonly string[], deleted: readonly string[]): string {
  const confirmedSet = new Set(confirmed);
  const extra = deleted.filter((p) => !confirmedSet.has(p));
  const kept = confirmed.length - (deleted.length - extra.length);
  const parts = [`Deleted ${deleted.length} bridge ${deleted.length === 1 ? 'pod' : 'pods'} in context ${context}.`];
  if (kept > 0) parts.push(`${kept} of those listed ${kept === 1 ? 'was' : 'were'} kept (in use again, or already gone).`);
  if (extra.length > 0) parts.push(`Also deleted, left over since the list was made: ${extra.join(', ')}.`);
  return parts.join(' ');
}
