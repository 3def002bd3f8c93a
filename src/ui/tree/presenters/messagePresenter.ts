// Rows that are not objects: a message (a failure or an empty state) with its next steps as action rows under it, an
// action row, "Show more" at the end of a page, and "Add Kubeconfig…" when no cluster is configured.
import { formatCount, moreLabel } from '../treeContent';
import type { MessageElement, MoreElement } from '../treeContent';
import type { TreeElement } from '../treeModel';
import { md, paragraphs, RED, spoken, YELLOW } from './format';
import { CHOOSE_KUBECONFIG_COMMAND, LOAD_MORE_COMMAND } from './types';
import type { ItemSpec, PresentationContext } from './types';

type ActionElement = Extract<TreeElement, { readonly kind: 'action' }>;
type AddKubeconfigElement = Extract<TreeElement, { readonly kind: 'addKubeconfig' }>;

const SEVERITY_WORD = { error: 'Error', warning: 'Warning', info: '' } as const;

export function presentMessage(element: MessageElement): ItemSpec {
  const hasActions = (element.actions?.length ?? 0) > 0;
  return {
    label: element.text,
    description: element.detail,
    tooltip: paragraphs(md(element.text), element.detail ? md(element.detail) : undefined,
      hasActions ? `Next: ${(element.actions ?? []).map((a) => md(a.title)).join(', ')} (the rows below).` : undefined),
    accessibilityLabel: spoken(SEVERITY_WORD[element.severity] ? `${SEVERITY_WORD[element.severity]}: ${element.text}` : element.text, element.detail),
    contextValue: `message.${element.severity}`,
    icon: element.severity === 'error' ? { id: 'error', color: RED } : element.severity === 'warning' ? { id: 'warning', color: YELLOW } : { id: 'info' },
    // A message with next steps shows them right away: nothing to discover by clicking.
    collapsible: hasActions ? 'expanded' : 'none',
  };
}

export function presentAction(element: ActionElement): ItemSpec {
  return {
    label: element.action.title,
    accessibilityLabel: `Action: ${element.action.title}`,
    contextValue: 'action',
    icon: { id: element.icon },
    collapsible: 'none',
    command: element.action,
  };
}

export function presentMore(element: MoreElement, ctx: PresentationContext): ItemSpec {
  const label = moreLabel(element, ctx.pageSize);
  const description = `${formatCount(element.shown)} of ${formatCount(element.total)} shown`;
  return {
    label,
    description,
    accessibilityLabel: spoken(label, description),
    contextValue: 'more',
    icon: { id: 'ellipsis' },
    collapsible: 'none',
    command: { command: LOAD_MORE_COMMAND, title: 'Show More', arguments: [element] },
  };
}

export function presentAddKubeconfig(_element: AddKubeconfigElement): ItemSpec {
  return {
    label: 'Add Kubeconfig…',
    description: 'no cluster configured',
    tooltip: 'No kubeconfig was found (`KUBECONFIG` is unset and `~/.kube/config` does not exist). Choose a kubeconfig file to list its clusters and nodes; it is kept in the `kubeNodeDoctor.kubeconfig` user setting.',
    accessibilityLabel: 'Add Kubeconfig: no cluster is configured',
    contextValue: 'addKubeconfig',
    icon: { id: 'add' },
    collapsible: 'none',
    command: { command: CHOOSE_KUBECONFIG_COMMAND, title: 'Choose Kubeconfig File…' },
  };
}
