// A node and the "Inspect node" row under a node never read. Label = the node's name; description = its state (findings,
// inspecting, failed, stale) and when it was read; roles, versions, conditions and the inventory's counts in the tooltip.
import { incompleteText } from '../../../core/inventory/completeness';
import type { NodeSummary } from '../../../core/cluster/nodes';
import { plural } from '../../../core/model/plural';
import { relativeTime } from '../../../core/model/relativeTime';
import { nodeName } from '../../../core/session/nodeRef';
import type { ContextValue } from '../contextValues';
import type { InspectElement, NodeTreeElement } from '../treeContent';
import { code, GREEN, md, paragraphs, RED, rows, spoken, when, YELLOW } from './format';
import { INSPECT_COMMAND } from './types';
import type { IconSpec, ItemSpec, NodeView, PresentationContext } from './types';

/** `3 findings`, `1 finding`, `no findings`. */
export function findingsBadge(count: number): string {
  return count === 0 ? 'no findings' : plural(count, 'finding');
}

function roles(summary: NodeSummary | undefined): readonly string[] {
  return summary?.roles ?? [];
}

export function nodeContextValue(view: NodeView | undefined): ContextValue {
  const content = view?.content;
  if (!content) return 'node';
  return content.inventory.findings.length > 0 ? 'node.inspected.findings' : 'node.inspected';
}

/** The node's state, short: `2 findings · 3 min ago`, `inspecting…`, `inspection failed`, `not inspected`. */
export function nodeDescription(element: NodeTreeElement, view: NodeView | undefined, nowMs: number): string {
  const parts: string[] = [];
  if (view?.badge) parts.push(view.badge.text);
  if (view?.inspecting) parts.push(view.content ? 'refreshing…' : 'inspecting…');
  else if (view?.content) {
    parts.push(findingsBadge(view.content.inventory.findings.length));
    if (view.staleReason) parts.push('stale');
    else if (view.readAt !== undefined) parts.push(relativeTime(view.readAt, nowMs));
    if (!view.content.inventory.listStrategy.complete) parts.push('incomplete');
  }
  if (!view?.inspecting && view?.error) parts.push('inspection failed');
  if (!view?.content && !view?.inspecting && !view?.error) parts.push(element.ref.kind === 'local' ? 'this machine' : 'not inspected');
  if (element.summary?.ready === false) parts.unshift('NotReady');
  return parts.join(' · ');
}

function nodeIcon(element: NodeTreeElement, view: NodeView | undefined): IconSpec {
  if (view?.inspecting) return { id: 'loading~spin' };
  const ready = element.summary?.ready;
  if (element.ref.kind === 'local' && !element.summary) {
    const runtimeDown = view?.content?.inventory.runtime.conditions.some((c) => !c.status) ?? false;
    return runtimeDown ? { id: 'vm-outline', color: YELLOW } : { id: 'vm' };
  }
  if (ready === true) return { id: 'vm-active', color: GREEN };
  if (ready === false) return { id: 'vm-outline', color: RED };
  return { id: 'vm-outline', color: YELLOW };
}

function summaryRows(s: NodeSummary): string {
  const out = [rows([
    ['Ready', s.ready === undefined ? 'Unknown' : s.ready ? 'True' : 'False'],
    ['Roles', roles(s).length > 0 ? md(roles(s).join(', ')) : undefined],
    ['Kubelet', s.kubeletVersion ? md(s.kubeletVersion) : undefined],
    ['Runtime', s.containerRuntimeVersion ? md(s.containerRuntimeVersion) : undefined],
    ['OS image', s.osImage ? md(s.osImage) : undefined],
    ['Kernel', s.kernelVersion ? md(s.kernelVersion) : undefined],
    ['Internal IP', s.internalIp ? code(s.internalIp) : undefined],
    ['Unschedulable', s.unschedulable ? 'yes (cordoned)' : undefined],
    ['UID', s.uid ? code(s.uid) : undefined],
  ])];
  if (s.taints.length > 0) out.push(`**Taints:**  \n${s.taints.map((t) => `- ${code(`${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`)}`).join('\n')}`);
  if (s.conditions.length > 0) {
    out.push([
      '| Condition | Status | Reason | Message |', '|---|---|---|---|',
      ...s.conditions.map((c) => `| ${md(c.type)} | ${md(c.status)} | ${md(c.reason ?? '')} | ${md((c.message ?? '').replace(/\s+/g, ' '))} |`),
    ].join('\n'));
  }
  return paragraphs(...out);
}

export function nodeTooltip(element: NodeTreeElement, view: NodeView | undefined, nowMs: number): string {
  const ref = element.ref;
  const parts = [`**${md(nodeName(ref))}**${ref.kind === 'local' ? ' (this machine)' : ` — context ${md(ref.context)}`}`];
  if (view?.badge?.tooltip) parts.push(md(view.badge.tooltip));
  if (element.summary) parts.push(summaryRows(element.summary));
  else if (view?.endpoint) parts.push(rows([['Runtime endpoint', code(view.endpoint)]]));
  const inventory = view?.content?.inventory;
  if (inventory) {
    const c = inventory.counts;
    const incomplete = incompleteText(inventory);
    parts.push(rows([
      ['Inspected', when(view?.readAt, nowMs) ?? md(inventory.generatedAt)],
      ['Stale', view?.staleReason ? `${md(view.staleReason)}: expand the node or Refresh to re-read it` : undefined],
      ['Runtime', md(`${inventory.runtime.runtimeName} ${inventory.runtime.runtimeVersion} (${inventory.runtime.endpoint})`)],
      ['Source', inventory.runtime.backend === 'docker' ? md(inventory.runtime.source ?? 'Docker Engine API') : undefined],
      ['Findings', findingsBadge(inventory.findings.length)],
      ['Sandboxes', `${plural(c.sandboxes, 'sandbox', 'sandboxes')} (${c.notReadySandboxes.toLocaleString('en-US')} NotReady)`],
      ['Containers', `${plural(c.containers, 'container')} (${c.runningContainers.toLocaleString('en-US')} running, ${c.exitedContainers.toLocaleString('en-US')} exited)`],
      ['CNI cache files', `${c.cacheFiles.toLocaleString('en-US')} in ${code(inventory.cniCacheDir)}`],
      ['Lists complete', incomplete === undefined ? undefined : md(incomplete)],
    ]));
  }
  if (view?.error) parts.push(`**Last inspection failed:** ${md(view.error.message)}${view.error.hint ? `  \n${md(view.error.hint)}` : ''}`);
  return paragraphs(...parts);
}

export function presentNode(element: NodeTreeElement, ctx: PresentationContext): ItemSpec {
  const view = ctx.nodeView(element.ref);
  const description = nodeDescription(element, view, ctx.nowMs);
  return {
    label: nodeName(element.ref),
    description,
    tooltip: nodeTooltip(element, view, ctx.nowMs),
    accessibilityLabel: spoken(`Node ${nodeName(element.ref)}`, description),
    contextValue: nodeContextValue(view),
    icon: nodeIcon(element, view),
    collapsible: 'collapsed',
  };
}

export function presentInspect(element: InspectElement, ctx: PresentationContext): ItemSpec {
  const view = ctx.nodeView(element.ref);
  if (view?.inspecting) {
    return {
      label: 'Inspecting…', description: view.progress, accessibilityLabel: spoken('Inspecting the node', view.progress),
      contextValue: 'inspect.running', icon: { id: 'loading~spin' }, collapsible: 'none',
    };
  }
  return {
    label: 'Inspect node',
    description: 'read-only',
    tooltip: 'Reads the node\'s pod sandboxes, containers and CNI cache files (read-only) and looks for broken state.',
    accessibilityLabel: 'Inspect node: read its sandboxes, containers and CNI cache files (read-only)',
    contextValue: 'inspect',
    icon: { id: 'search' },
    collapsible: 'none',
    command: { command: INSPECT_COMMAND, title: 'Inspect Node', arguments: [ctx.nodeElement(element.ref)] },
  };
}
