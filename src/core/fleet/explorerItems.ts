import type { Finding } from '../inventory/types';
import { plural } from '../model/plural';
import type { NodeHealth } from './conditions';

/** One row the Kubernetes extension's Cluster Explorer shows under a Node (plain data; the UI makes a TreeItem of it). */
export interface ExplorerItem {
  readonly label: string;
  readonly description?: string;
  readonly tooltip: string;
  /** `nodeDoctor.condition.true`, `nodeDoctor.condition.unknown`, `nodeDoctor.finding`, `nodeDoctor.info` */
  readonly contextValue: string;
  readonly icon: 'error' | 'warning' | 'question' | 'pass' | 'info';
}

/**
 * What Node Doctor knows of one node, for the Cluster Explorer: the conditions NPD wrote (True and Unknown first, then a
 * one-line "all False"), or that the plugin is not installed; then the findings of this window's last inspection, if any.
 */
export function explorerItems(health: NodeHealth | undefined, inspected: { readonly findings: readonly Finding[]; readonly readAt: number; readonly stale?: string } | undefined): ExplorerItem[] {
  const items: ExplorerItem[] = [];
  if (!health) {
    items.push({ label: 'Node Doctor: conditions not read', tooltip: 'The node list could not be read (see the Kube Node Doctor log).', contextValue: 'nodeDoctor.info', icon: 'info' });
  } else if (health.plugin === 'not-installed') {
    items.push({
      label: 'Node Doctor: plugin not installed', description: 'Inspect with Node Doctor reads the node now',
      tooltip: 'None of the conditions CNICacheCorrupt, SandboxBacklog, OrphanContainers, StuckSandbox is on this node: node-problem-detector does not run the npd-check plugin here.',
      contextValue: 'nodeDoctor.info', icon: 'info',
    });
  } else {
    for (const c of [...health.problems, ...health.unknown]) {
      items.push({
        label: `${c.type}: ${c.status}`, description: c.message,
        tooltip: [`${c.type} = ${c.status}${c.reason ? ` (${c.reason})` : ''}`, c.message, c.lastTransitionTime ? `since ${c.lastTransitionTime}` : ''].filter(Boolean).join('\n'),
        contextValue: c.status === 'True' ? 'nodeDoctor.condition.true' : 'nodeDoctor.condition.unknown', icon: c.status === 'True' ? 'error' : 'question',
      });
    }
    const fine = health.conditions.filter((c) => c.status === 'False');
    if (fine.length > 0) {
      items.push({ label: `Node Doctor: ${fine.map((c) => c.type).join(', ')} False`, tooltip: 'node-problem-detector reports no problem for these conditions.', contextValue: 'nodeDoctor.info', icon: 'pass' });
    }
  }
  if (inspected) {
    const when = new Date(inspected.readAt).toISOString();
    if (inspected.findings.length === 0) {
      items.push({ label: 'Inspection: no findings', description: when, tooltip: `Inspected through a bridge pod at ${when}.${inspected.stale ? ` Stale: ${inspected.stale}.` : ''}`, contextValue: 'nodeDoctor.info', icon: 'pass' });
    }
    for (const f of inspected.findings) {
      items.push({
        label: f.title, description: f.category, tooltip: `${f.title}\n${f.detail}\n(inspected ${when}${inspected.stale ? `; stale: ${inspected.stale}` : ''})`,
        contextValue: 'nodeDoctor.finding', icon: f.severity === 'error' ? 'error' : f.severity === 'warning' ? 'warning' : 'info',
      });
    }
  }
  return items;
}

/** The context line of a cluster's conditions, for a notification or a tree description. */
export function findingsCountText(nodes: readonly NodeHealth[]): string {
  return `${plural(nodes.filter((n) => n.problems.length > 0).length, 'node')} with findings`;
}
