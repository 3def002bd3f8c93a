// A kubeconfig context: label = the context name; description = a per-context summary when another part contributes
// one (the fleet view), else the API server's host; the tooltip has cluster, user, namespace and the server URL.
import type { ClusterElement } from '../treeContent';
import { BLUE, code, md, paragraphs, rows, spoken } from './format';
import type { ItemSpec, PresentationContext } from './types';

/** The host of a server URL (`https://10.0.0.1:6443` → `10.0.0.1:6443`); the text itself when it is not a URL. */
export function serverHost(server: string | undefined): string | undefined {
  if (!server) return undefined;
  try {
    return new URL(server).host || server;
  } catch {
    return server;
  }
}

export function presentCluster(element: ClusterElement, ctx: PresentationContext): ItemSpec {
  const c = element.context;
  const summary = ctx.clusterSummary?.(c.name);
  const description = [element.current ? 'current' : undefined, summary ?? serverHost(c.server)].filter((p) => p !== undefined).join(' · ');
  return {
    label: c.name,
    description,
    tooltip: paragraphs(
      `**${md(c.name)}**${element.current ? ' (current context)' : ''}`,
      summary ? md(summary) : undefined,
      rows([['Cluster', md(c.cluster)], ['User', md(c.user)], ['Namespace', c.namespace ? md(c.namespace) : undefined], ['Server', c.server ? code(c.server) : undefined]]),
    ),
    accessibilityLabel: spoken(`Cluster context ${c.name}`, element.current ? 'current context' : undefined, summary ?? serverHost(c.server)),
    contextValue: 'cluster',
    icon: { id: 'cloud', color: element.current ? BLUE : undefined },
    collapsible: element.current ? 'expanded' : 'collapsed',
  };
}
