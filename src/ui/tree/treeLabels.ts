// How each tree element looks (label, description, Markdown tooltip, icon, contextValue, command), as plain data.
// No vscode import: treeItems.ts maps an ItemSpec onto a vscode.TreeItem; unit tests assert on ItemSpecs directly.
import type { NodeSummary } from '../../core/cluster/nodes';
import type { Finding } from '../../core/inventory/types';
import { shortId } from '../../core/model/ids';
import { nodeName } from '../../core/session/nodeRef';
import type { NodeRef } from '../../core/session/nodeRef';
import {
  formatAge, formatBytes, formatCount, groupSize, moreLabel, plural,
} from './treeContent';
import type { GroupElement, NodeContent, NodeTreeElement } from './treeContent';
import type { TreeElement } from './treeModel';

export interface IconSpec {
  /** A codicon id, e.g. `vm-active`, `loading~spin`. */
  readonly id: string;
  /** A theme color id, e.g. `charts.red`. */
  readonly color?: string;
}

export interface CommandSpec {
  readonly command: string;
  readonly title: string;
  readonly arguments?: readonly unknown[];
}

export interface ItemSpec {
  readonly label: string;
  readonly description?: string;
  /** Markdown (user text escaped). */
  readonly tooltip?: string;
  readonly contextValue: string;
  readonly icon?: IconSpec;
  readonly collapsible: 'none' | 'collapsed' | 'expanded';
  readonly command?: CommandSpec;
}

/** What the tree knows about one node besides its element. */
export interface NodeView {
  /** The last inventory read, grouped and sorted. */
  readonly content?: NodeContent;
  readonly inspecting: boolean;
  /** The inspector's last progress message while inspecting. */
  readonly progress?: string;
  /** The last inspection's failure (cleared by a successful one). */
  readonly error?: { readonly message: string; readonly hint?: string };
  /** Set by Refresh All: the content is re-read the next time the node is expanded. */
  readonly stale: boolean;
  /** The local node's runtime endpoint. */
  readonly endpoint?: string;
}

export interface PresentationContext {
  readonly nowMs: number;
  readonly pageSize: number;
  nodeView(ref: NodeRef): NodeView | undefined;
  /** The node element of a ref (the argument of "Inspect node" and "Retry"). */
  nodeElement(ref: NodeRef): NodeTreeElement;
  /** Whether the finding's plan has a step now (no Repair entry when it has none); true when unknown. */
  hasRepairSteps?(ref: NodeRef, findingId: string): boolean;
}

export const INSPECT_COMMAND = 'kubeNodeDoctor.inspectNode';
export const LOAD_MORE_COMMAND = 'kubeNodeDoctor.loadMore';

const RED = 'charts.red';
const YELLOW = 'charts.yellow';
const GREEN = 'charts.green';
const GREY = 'disabledForeground';

/** Escapes text for Markdown (pod names, runtime messages, paths outside code spans). */
export function md(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, '\\$&');
}

/** An inline code span (IDs, paths); backticks inside are dropped rather than escaped. */
function code(text: string): string {
  return `\`${text.replace(/`/g, '')}\``;
}

function rows(pairs: readonly (readonly [string, string | undefined])[]): string {
  return pairs.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `**${md(k)}:** ${v ?? ''}`).join('  \n');
}

function isoTime(ms: number | undefined): string | undefined {
  return ms && ms > 0 ? new Date(ms).toISOString() : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Nodes.

/** `3 findings`, `1 finding`, `no findings`. */
export function findingsBadge(count: number): string {
  return count === 0 ? 'no findings' : plural(count, 'finding');
}

/** Role names from the node's labels when the summary carries them. */
function roles(summary: NodeSummary | undefined): readonly string[] {
  return summary?.roles ?? [];
}

export function nodeContextValue(view: NodeView | undefined): string {
  const content = view?.content;
  if (!content) return 'node';
  return content.inventory.findings.length > 0 ? 'node.inspected.findings' : 'node.inspected';
}

export function nodeDescription(element: NodeTreeElement, view: NodeView | undefined): string {
  const parts: string[] = [];
  if (view?.inspecting) parts.push(view.content ? 'refreshing…' : 'inspecting…');
  else if (view?.content) parts.push(`${findingsBadge(view.content.inventory.findings.length)}${view.stale ? ' (stale)' : ''}`);
  if (!view?.inspecting && view?.error) parts.push('inspection failed');
  const summary = element.summary;
  if (summary) {
    parts.push(...roles(summary));
    if (summary.kubeletVersion) parts.push(`kubelet ${summary.kubeletVersion}`);
    if (summary.containerRuntimeVersion) parts.push(summary.containerRuntimeVersion);
  } else if (element.ref.kind === 'local') {
    const runtime = view?.content?.inventory.runtime;
    if (runtime?.runtimeName) parts.push(`${runtime.runtimeName} ${runtime.runtimeVersion}`.trim());
    else if (view?.endpoint) parts.push(view.endpoint);
    else parts.push('local');
  }
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

export function nodeTooltip(element: NodeTreeElement, view: NodeView | undefined): string {
  const s = element.summary;
  const ref = element.ref;
  const head = `**${md(nodeName(ref))}**${ref.kind === 'local' ? ' (this machine)' : ` — context ${md(ref.context)}`}`;
  const parts = [head];
  if (s) {
    parts.push(rows([
      ['Ready', s.ready === undefined ? 'Unknown' : s.ready ? 'True' : 'False'],
      ['Roles', roles(s).length > 0 ? md(roles(s).join(', ')) : undefined],
      ['Kubelet', s.kubeletVersion ? md(s.kubeletVersion) : undefined],
      ['Runtime', s.containerRuntimeVersion ? md(s.containerRuntimeVersion) : undefined],
      ['OS image', s.osImage ? md(s.osImage) : undefined],
      ['Kernel', s.kernelVersion ? md(s.kernelVersion) : undefined],
      ['Internal IP', s.internalIp ? code(s.internalIp) : undefined],
      ['Unschedulable', s.unschedulable ? 'yes (cordoned)' : undefined],
      ['UID', s.uid ? code(s.uid) : undefined],
    ]));
    if (s.taints.length > 0) {
      parts.push(`**Taints:**  \n${s.taints.map((t) => `- ${code(`${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`)}`).join('\n')}`);
    }
    if (s.conditions.length > 0) {
      parts.push([
        '| Condition | Status | Reason | Message |', '|---|---|---|---|',
        ...s.conditions.map((c) => `| ${md(c.type)} | ${md(c.status)} | ${md(c.reason ?? '')} | ${md((c.message ?? '').replace(/\s+/g, ' '))} |`),
      ].join('\n'));
    }
  } else if (view?.endpoint) {
    parts.push(rows([['Runtime endpoint', code(view.endpoint)]]));
  }
  const inventory = view?.content?.inventory;
  if (inventory) {
    const c = inventory.counts;
    parts.push(rows([
      ['Inspected', `${md(inventory.generatedAt)}${view?.stale ? ' (stale: expand the node to re-read it)' : ''}`],
      ['Runtime', md(`${inventory.runtime.runtimeName} ${inventory.runtime.runtimeVersion} (${inventory.runtime.endpoint})`)],
      ['Findings', formatCount(inventory.findings.length)],
      ['Sandboxes', `${formatCount(c.sandboxes)} (${formatCount(c.notReadySandboxes)} NotReady)`],
      ['Containers', `${formatCount(c.containers)} (${formatCount(c.runningContainers)} running, ${formatCount(c.exitedContainers)} exited)`],
      ['CNI cache files', `${formatCount(c.cacheFiles)} in ${code(inventory.cniCacheDir)}`],
      ['Lists complete', inventory.listStrategy.complete ? undefined : `no — ${md(inventory.listStrategy.notes.join('; '))}`],
    ]));
  }
  if (view?.error) parts.push(`**Last inspection failed:** ${md(view.error.message)}${view.error.hint ? `  \n${md(view.error.hint)}` : ''}`);
  return parts.join('\n\n');
}

// ---------------------------------------------------------------------------------------------------------------
// Groups.

function groupDescription(group: GroupElement, content: NodeContent | undefined): string | undefined {
  if (!content) return undefined;
  const total = groupSize(content, group.group, group.subgroup);
  const extra: string[] = [];
  if (group.subgroup === undefined) {
    if (group.group === 'findings') {
      const bySeverity = { error: 0, warning: 0, info: 0 };
      for (const f of content.findings) bySeverity[f.severity] += 1;
      if (bySeverity.error) extra.push(plural(bySeverity.error, 'error'));
      if (bySeverity.warning) extra.push(plural(bySeverity.warning, 'warning'));
      if (bySeverity.info) extra.push(`${formatCount(bySeverity.info)} info`);
    } else if (group.group === 'sandboxes') {
      if (content.notReadySandboxes) extra.push(`${formatCount(content.notReadySandboxes)} NotReady`);
      if (content.badCacheSandboxes.size) extra.push(`${formatCount(content.badCacheSandboxes.size)} blocked by a bad cache file`);
    } else if (group.group === 'containers') {
      if (content.containers.orphans.length) extra.push(`${formatCount(content.containers.orphans.length)} orphaned`);
      if (content.containers.exited.length) extra.push(`${formatCount(content.containers.exited.length)} exited`);
    } else {
      const c = content.cacheCounts;
      if (c.empty) extra.push(`${formatCount(c.empty)} empty`);
      if (c.corrupt) extra.push(`${formatCount(c.corrupt)} corrupt`);
      if (c.orphaned) extra.push(`${formatCount(c.orphaned)} orphaned`);
    }
  }
  return [formatCount(total), ...extra].join(' · ');
}

export function groupContextValue(group: GroupElement, content: NodeContent | undefined): string {
  if (group.group === 'containers') {
    if (group.subgroup === 'orphans') return 'group.containers.orphans';
    if (group.subgroup === 'exited') return 'group.containers.prunable';
    return group.subgroup ? `group.containers.${group.subgroup}` : 'group.containers';
  }
  if (group.group === 'sandboxes') return content && content.notReadySandboxes > 0 ? 'group.sandboxes.prunable' : 'group.sandboxes';
  return `group.${group.group}`;
}

function groupIcon(group: GroupElement, content: NodeContent | undefined): IconSpec {
  switch (group.group) {
    case 'findings': {
      const worst = content?.findings[0]?.severity;
      return worst === 'error' ? { id: 'error', color: RED } : worst === 'warning' ? { id: 'warning', color: YELLOW } : { id: 'checklist' };
    }
    case 'sandboxes': return { id: 'package' };
    case 'cniCache': return { id: 'files' };
    case 'containers':
      if (group.subgroup === 'orphans') return { id: 'warning', color: RED };
      if (group.subgroup === 'exited') return { id: 'debug-stop', color: GREY };
      if (group.subgroup === 'running') return { id: 'play-circle', color: GREEN };
      return group.subgroup ? { id: 'circle-large-outline' } : { id: 'layers' };
  }
}

function groupTooltip(group: GroupElement, content: NodeContent | undefined): string | undefined {
  if (!content) return undefined;
  const n = groupSize(content, group.group, group.subgroup);
  switch (group.group) {
    case 'findings': return `${plural(n, 'finding')}, most severe first.`;
    case 'sandboxes': return `${plural(n, 'pod sandbox', 'pod sandboxes')}: NotReady first (those whose CNI cache file is bad at the top), then by pod.`;
    case 'cniCache': return `${plural(n, 'CNI cache file')} in ${code(content.inventory.cniCacheDir)}: empty and corrupt files first, then files of sandboxes that no longer exist.`;
    case 'containers':
      if (group.subgroup === 'orphans') return `${plural(n, 'container')} whose sandbox no longer exists; kubelet's garbage collection never removes them.`;
      return `${plural(n, 'container')}, newest first.`;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Items.

/** The object a finding is about, from its id (`<category>:<object>`), with 64-hex IDs shortened. */
export function findingObject(finding: Finding): string {
  const prefix = `${finding.category}:`;
  const object = finding.id.startsWith(prefix) ? finding.id.slice(prefix.length) : finding.pod ?? '';
  return object.replace(/[0-9a-f]{64}/g, (id) => `${shortId(id)}…`);
}

const SEVERITY_ICON: Readonly<Record<Finding['severity'], IconSpec>> = {
  error: { id: 'error', color: RED },
  warning: { id: 'warning', color: YELLOW },
  info: { id: 'info' },
};

function findingTooltip(f: Finding): string {
  return [
    `**${md(f.title)}**`,
    md(f.detail),
    rows([
      ['Severity', f.severity],
      ['Category', code(f.category)],
      ['Rule', code(f.rule)],
      ['Repair', f.repair ? code(f.repair) : 'none (manual or informational)'],
      ['Pod', f.pod ? md(f.pod) : undefined],
      ['Sandbox', f.sandboxId ? code(f.sandboxId) : undefined],
      ['Container', f.containerId ? code(f.containerId) : undefined],
      ['Path', f.path ? code(f.path) : undefined],
      ['State', f.state ? code(f.state) : undefined],
      ['IPs', f.ips && f.ips.length > 0 ? f.ips.map(code).join(', ') : undefined],
      ['Count', f.count !== undefined ? formatCount(f.count) : undefined],
      ['Bytes', f.bytes !== undefined ? formatBytes(f.bytes) : undefined],
      ['ID', code(f.id)],
    ]),
  ].join('\n\n');
}

const CONTAINER_STATES: Readonly<Record<string, string>> = {
  CONTAINER_CREATED: 'Created', CONTAINER_RUNNING: 'Running', CONTAINER_EXITED: 'Exited', CONTAINER_UNKNOWN: 'Unknown',
};

function containerStateText(state: string): string {
  return CONTAINER_STATES[state] ?? state;
}

// ---------------------------------------------------------------------------------------------------------------

/** Everything a TreeItem needs for an element, from the element and the tree's state only. */
export function present(element: TreeElement, ctx: PresentationContext): ItemSpec {
  switch (element.kind) {
    case 'cluster': {
      const c = element.context;
      return {
        label: c.name,
        description: c.server,
        tooltip: [
          `**${md(c.name)}**${element.current ? ' (current context)' : ''}`,
          rows([['Cluster', md(c.cluster)], ['User', md(c.user)], ['Namespace', c.namespace ? md(c.namespace) : undefined], ['Server', c.server ? code(c.server) : undefined]]),
        ].join('\n\n'),
        contextValue: 'cluster',
        icon: { id: 'cloud', color: element.current ? 'charts.blue' : undefined },
        collapsible: element.current ? 'expanded' : 'collapsed',
      };
    }
    case 'node': {
      const view = ctx.nodeView(element.ref);
      return {
        label: nodeName(element.ref),
        description: nodeDescription(element, view),
        tooltip: nodeTooltip(element, view),
        contextValue: nodeContextValue(view),
        icon: nodeIcon(element, view),
        collapsible: 'collapsed',
      };
    }
    case 'inspect': {
      const view = ctx.nodeView(element.ref);
      if (view?.inspecting) {
        return { label: 'Inspecting…', description: view.progress, contextValue: 'inspect.running', icon: { id: 'loading~spin' }, collapsible: 'none' };
      }
      return {
        label: 'Inspect node',
        description: 'read its sandboxes, containers and CNI cache',
        tooltip: 'Reads the node\'s pod sandboxes, containers and CNI cache files (read-only) and looks for broken state.',
        contextValue: 'inspect',
        icon: { id: 'search' },
        collapsible: 'none',
        command: { command: INSPECT_COMMAND, title: 'Inspect Node', arguments: [ctx.nodeElement(element.ref)] },
      };
    }
    case 'group': {
      const content = ctx.nodeView(element.ref)?.content;
      const expanded = (element.group === 'findings' && element.subgroup === undefined && (content?.findings.length ?? 0) > 0)
        || (element.group === 'containers' && element.subgroup === 'orphans');
      return {
        label: element.label,
        description: groupDescription(element, content),
        tooltip: groupTooltip(element, content),
        contextValue: groupContextValue(element, content),
        icon: groupIcon(element, content),
        collapsible: expanded ? 'expanded' : 'collapsed',
      };
    }
    case 'finding': {
      const f = element.finding;
      return {
        label: f.title,
        description: findingObject(f),
        tooltip: findingTooltip(f),
        contextValue: f.repair && (ctx.hasRepairSteps?.(element.ref, f.id) ?? true) ? `finding.repairable${f.repair === 'force-stop-stuck-sandbox' ? '.stuck' : ''}` : 'finding',
        icon: SEVERITY_ICON[f.severity],
        collapsible: 'none',
      };
    }
    case 'sandbox': {
      const s = element.sandbox;
      const ready = s.state === 'SANDBOX_READY';
      return {
        label: `${s.namespace}/${s.name}`,
        description: [ready ? 'Ready' : 'NotReady', formatAge(s.createdAtMs, ctx.nowMs), shortId(s.id)].join(' · '),
        tooltip: [
          `**${md(`${s.namespace}/${s.name}`)}** — pod sandbox, ${ready ? 'Ready' : 'NotReady'}`,
          element.badCache ? '$(warning) One of its CNI cache files is empty or corrupt and the runtime reads it on teardown: stopping and removing the sandbox fail until the file is removed.' : '',
          rows([
            ['Sandbox ID', code(s.id)], ['Pod UID', s.uid ? code(s.uid) : undefined], ['Attempt', String(s.attempt)],
            ['Created', isoTime(s.createdAtMs)], ['Runtime handler', s.runtimeHandler ? code(s.runtimeHandler) : undefined],
            ['IPs', s.ips.length > 0 ? s.ips.map(code).join(', ') : undefined], ['Netns', s.netns ? code(s.netns) : undefined],
          ]),
        ].filter((p) => p !== '').join('\n\n'),
        contextValue: `sandbox.${ready ? 'ready' : 'notReady'}${element.badCache ? '.badCache' : ''}`,
        icon: element.badCache ? { id: 'warning', color: RED } : ready ? { id: 'circle-filled', color: GREEN } : { id: 'circle-large-outline', color: YELLOW },
        collapsible: 'none',
      };
    }
    case 'container': {
      const c = element.container;
      const state = containerStateText(c.state);
      const stateText = c.state === 'CONTAINER_EXITED' && c.exitCode !== undefined ? `${state} (${c.exitCode})` : state;
      const icon: IconSpec = element.orphaned ? { id: 'warning', color: RED }
        : c.state === 'CONTAINER_RUNNING' ? { id: 'play-circle', color: GREEN }
          : c.state === 'CONTAINER_EXITED' ? { id: 'debug-stop', color: GREY }
            : c.state === 'CONTAINER_CREATED' ? { id: 'circle-large-outline' } : { id: 'question', color: YELLOW };
      return {
        label: c.name,
        description: [stateText, formatAge(c.createdAtMs, ctx.nowMs), shortId(c.id), ...(element.orphaned ? [`sandbox ${shortId(c.sandboxId)} missing`] : [])].join(' · '),
        tooltip: [
          `**${md(c.name)}** — container, ${md(state)}${element.orphaned ? ', orphaned: its sandbox no longer exists' : ''}`,
          rows([
            ['Container ID', code(c.id)], ['Sandbox ID', code(c.sandboxId)], ['Image', c.image ? code(c.image) : undefined],
            ['Attempt', String(c.attempt)], ['Created', isoTime(c.createdAtMs)], ['Finished', isoTime(c.finishedAtMs)],
            ['Exit code', c.exitCode !== undefined ? String(c.exitCode) : undefined], ['Reason', c.reason ? md(c.reason) : undefined],
          ]),
        ].join('\n\n'),
        contextValue: element.orphaned ? 'container.orphaned' : `container.${state.toLowerCase()}`,
        icon,
        collapsible: 'none',
      };
    }
    case 'cniCache': {
      const e = element.entry;
      const statusText = element.status === 'corrupt' ? `corrupt (${e.state})` : element.status;
      const icon: IconSpec = element.status === 'valid' ? { id: 'file' }
        : element.status === 'orphaned' ? { id: 'warning', color: YELLOW } : { id: 'error', color: RED };
      return {
        label: e.name,
        description: `${formatBytes(e.size)} · ${statusText}`,
        tooltip: [
          `**${md(e.name)}** — CNI cache file, ${md(statusText)}`,
          element.status === 'orphaned' ? 'No sandbox with this ID exists: its IP reservation and veth leak until a CNI DEL runs.' : '',
          rows([
            ['Path', code(e.path)], ['Sandbox ID', code(e.sandboxId)], ['Network', md(e.network)], ['Interface', md(e.ifName)],
            ['Pod', e.pod ? md(e.pod) : undefined], ['Container ID', e.containerId && e.containerId !== e.sandboxId ? code(e.containerId) : undefined],
            ['Size', `${formatCount(e.size)} bytes`], ['Modified', isoTime(e.mtimeMs)], ['SHA-256', e.sha256 ? code(e.sha256) : undefined],
            ['State', code(e.state)], ['Read on teardown', `${e.readOnTeardown} — ${md(e.readReason)}`],
            ['Network cniVersion', e.networkCniVersion ? code(e.networkCniVersion) : undefined],
            ['IPs', e.ips.length > 0 ? e.ips.map(code).join(', ') : undefined], ['Netns', e.netns ? code(e.netns) : undefined],
          ]),
        ].filter((p) => p !== '').join('\n\n'),
        contextValue: `cniCache.${element.status}`,
        icon,
        collapsible: 'none',
      };
    }
    case 'message':
      return {
        label: element.text,
        description: element.detail,
        tooltip: [md(element.text), element.detail ? md(element.detail) : ''].filter((p) => p !== '').join('\n\n'),
        contextValue: `message.${element.severity}`,
        icon: element.severity === 'error' ? { id: 'error', color: RED } : element.severity === 'warning' ? { id: 'warning', color: YELLOW } : { id: 'info' },
        collapsible: 'none',
        command: element.command,
      };
    case 'more':
      return {
        label: moreLabel(element, ctx.pageSize),
        description: `${formatCount(element.shown)} of ${formatCount(element.total)} shown`,
        contextValue: 'more',
        icon: { id: 'ellipsis' },
        collapsible: 'none',
        command: { command: LOAD_MORE_COMMAND, title: 'Show More', arguments: [element] },
      };
  }
}
