// The groups under an inspected node (Findings, Sandboxes, Containers and its subgroups, CNI cache): label = the group;
// description = its count and what needs attention (`4 · 1 error · 3 warnings`); the order it is sorted in, in the tooltip.
import { plural } from '../../../core/model/plural';
import { formatBytes } from '../../../shared/reportProtocol';
import type { ContextValue } from '../contextValues';
import { formatCount, groupSize } from '../treeContent';
import type { GroupElement, NodeContent } from '../treeContent';
import { code, GREEN, GREY, RED, spoken, YELLOW } from './format';
import type { IconSpec, ItemSpec, PresentationContext } from './types';

function attention(group: GroupElement, content: NodeContent): string[] {
  const extra: string[] = [];
  if (group.subgroup !== undefined) return extra;
  if (group.group === 'findings') {
    const bySeverity = { error: 0, warning: 0, info: 0 };
    for (const f of content.findings) bySeverity[f.severity] += 1;
    if (bySeverity.error) extra.push(plural(bySeverity.error, 'error'));
    if (bySeverity.warning) extra.push(plural(bySeverity.warning, 'warning'));
    if (bySeverity.info) extra.push(`${formatCount(bySeverity.info)} info`);
  } else if (group.group === 'sandboxes') {
    if (content.notReadySandboxes) extra.push(`${formatCount(content.notReadySandboxes)} NotReady`);
    if (content.badCacheSandboxes.size) extra.push(`${formatCount(content.badCacheSandboxes.size)} blocked`);
  } else if (group.group === 'containers') {
    if (content.containers.orphans.length) extra.push(`${formatCount(content.containers.orphans.length)} orphaned`);
    if (content.containers.exited.length) extra.push(`${formatCount(content.containers.exited.length)} exited`);
  } else {
    const c = content.cacheCounts;
    if (c.empty) extra.push(`${formatCount(c.empty)} empty`);
    if (c.corrupt) extra.push(`${formatCount(c.corrupt)} corrupt`);
    if (c.orphaned) extra.push(`${formatCount(c.orphaned)} orphaned`);
    extra.push(formatBytes(content.cache.reduce((sum, row) => sum + row.entry.size, 0)));
  }
  return extra;
}

export function groupDescription(group: GroupElement, content: NodeContent | undefined): string | undefined {
  if (!content) return undefined;
  const extra = attention(group, content);
  // The counts of the runtime's objects are only what was listed when the lists are not proven complete.
  if ((group.group === 'sandboxes' || group.group === 'containers') && !content.inventory.listStrategy.complete) extra.push('incomplete');
  return [formatCount(groupSize(content, group.group, group.subgroup)), ...extra].join(' · ');
}

export function groupContextValue(group: GroupElement, content: NodeContent | undefined, repairable: (findingId: string) => boolean = () => true): ContextValue {
  switch (group.group) {
    case 'containers':
      if (group.subgroup === 'orphans') return 'group.containers.orphans';
      if (group.subgroup === 'exited') return 'group.containers.prunable';
      if (group.subgroup === 'running') return 'group.containers.running';
      if (group.subgroup === 'other') return 'group.containers.other';
      return 'group.containers';
    case 'sandboxes':
      return content && content.notReadySandboxes > 0 ? 'group.sandboxes.prunable' : 'group.sandboxes';
    case 'findings':
      return content?.findings.some((f) => f.repair !== undefined && repairable(f.id)) ? 'group.findings.repairable' : 'group.findings';
    case 'cniCache':
      return 'group.cniCache';
  }
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
    case 'findings': return `${plural(n, 'finding')}, most severe first. Click one to open its explanation and repair plan.`;
    case 'sandboxes': return `${plural(n, 'pod sandbox', 'pod sandboxes')}: NotReady first (those whose CNI cache file is bad at the top), then by pod.`;
    case 'cniCache': return `${plural(n, 'CNI cache file')} in ${code(content.inventory.cniCacheDir)}: empty and corrupt files first, then files of sandboxes that no longer exist.`;
    case 'containers':
      if (group.subgroup === 'orphans') return `${plural(n, 'container')} whose sandbox no longer exists; kubelet's garbage collection never removes them.`;
      return `${plural(n, 'container')}, newest first.`;
  }
}

export function presentGroup(element: GroupElement, ctx: PresentationContext): ItemSpec {
  const content = ctx.nodeView(element.ref)?.content;
  const expanded = (element.group === 'findings' && (content?.findings.length ?? 0) > 0)
    || (element.group === 'containers' && element.subgroup === 'orphans');
  const description = groupDescription(element, content);
  return {
    label: element.label,
    description,
    tooltip: groupTooltip(element, content),
    accessibilityLabel: spoken(element.label, description),
    contextValue: groupContextValue(element, content, (id) => ctx.hasRepairSteps?.(element.ref, id) ?? true),
    icon: groupIcon(element, content),
    collapsible: expanded ? 'expanded' : 'collapsed',
  };
}
