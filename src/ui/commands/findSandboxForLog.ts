import * as vscode from 'vscode';
import { shortId } from '../../core/model/ids';
import type { NodeDoctor, SandboxMatch } from '../../core/session/nodeDoctor';
import { describeNode, nodeKey, nodeName } from '../../core/session/nodeRef';
import type { NodeRef } from '../../core/session/nodeRef';
import type { TreeController } from '../tree/treeModel';

/** A sandbox ID (or its 12+ character prefix) as a log names it, lower-cased; undefined for anything else. */
export function sandboxPrefixOf(value: unknown): string | undefined {
  return typeof value === 'string' && /^[0-9a-fA-F]{12,64}$/.test(value) ? value.toLowerCase() : undefined;
}

async function pickMatch(matches: readonly SandboxMatch[], prefix: string): Promise<SandboxMatch | undefined> {
  if (matches.length <= 1) return matches[0];
  const picked = await vscode.window.showQuickPick(
    matches.map((m) => ({ label: nodeName(m.ref), description: describeNode(m.ref), detail: `sandbox ${m.sandboxId}`, match: m })),
    { title: `Sandbox ${shortId(prefix)} matches ${matches.length} sandboxes in the inspected nodes`, placeHolder: 'Which one?' },
  );
  return picked?.match;
}

async function pickNode(doctor: NodeDoctor, nodes: readonly NodeRef[], prefix: string): Promise<NodeRef | undefined> {
  const picked = await vscode.window.showQuickPick(
    nodes.map((ref) => {
      const inventory = doctor.inventory(ref);
      return {
        label: nodeName(ref),
        description: ref.kind === 'local' ? 'this machine' : `context ${ref.context}`,
        detail: inventory ? `inspected ${inventory.generatedAt}; inspecting again reads its current state` : undefined,
        ref,
      };
    }),
    { title: `Inspect which node for sandbox ${shortId(prefix)}?`, placeHolder: 'The node whose kubelet wrote the log', matchOnDescription: true },
  );
  return picked?.ref;
}

/**
 * Finds the node holding a sandbox a log names: the cached inventories first; else the user picks a node of the tree,
 * which is inspected (with progress) and searched again. Found: the tree reveals it. Not found: a message says so.
 */
export async function findSandboxForLog(doctor: NodeDoctor, tree: TreeController, prefix: string, log: vscode.LogOutputChannel): Promise<SandboxMatch | undefined> {
  let match = await pickMatch(doctor.findSandbox(prefix), prefix);
  const tried = new Set<string>();
  while (!match) {
    const nodes = tree.knownNodes().filter((ref) => !tried.has(nodeKey(ref)));
    if (nodes.length === 0) {
      const text = tried.size === 0
        ? `No node is listed in the Node Doctor view yet, so sandbox ${shortId(prefix)} cannot be looked for. Choose a kubeconfig or expand a cluster first.`
        : `Sandbox ${shortId(prefix)} is on none of the ${tried.size === 1 ? 'node' : `${tried.size} nodes`} inspected, and no other node is listed.`;
      const open = await vscode.window.showInformationMessage(text, 'Open Node Doctor');
      if (open) await vscode.commands.executeCommand('kubeNodeDoctor.nodes.focus');
      return undefined;
    }
    const ref = await pickNode(doctor, nodes, prefix);
    if (!ref) return undefined;
    tried.add(nodeKey(ref));
    log.info(`looking for sandbox ${prefix} on ${describeNode(ref)}`);
    const inventory = await tree.inspect(ref);
    if (!inventory) return undefined; // cancelled, or the failure is shown in the tree
    match = await pickMatch(doctor.findSandbox(prefix).filter((m) => nodeKey(m.ref) === nodeKey(ref)), prefix);
    if (!match) {
      const again = await vscode.window.showInformationMessage(
        `Sandbox ${shortId(prefix)} is not on ${describeNode(ref)}: its runtime lists no sandbox, container or CNI cache file with that ID (it may be removed already).`,
        'Inspect Another Node…');
      if (!again) return undefined;
    }
  }
  log.info(`sandbox ${prefix} found on ${describeNode(match.ref)}: ${match.sandboxId}`);
  await tree.revealSandbox(match.ref, match.sandboxId);
  return match;
}
