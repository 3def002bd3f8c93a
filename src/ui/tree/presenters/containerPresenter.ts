// A container. Label = its name; description = state (with exit code), age and short ID (`Exited (1) · 2 h ago ·
// 8f3c…`); an orphan says `orphaned` first. Sandbox ID, image and times in the tooltip.
import { shortId } from '../../../core/model/ids';
import type { ContextValue } from '../contextValues';
import type { TreeElement } from '../treeModel';
import { age, code, GREEN, GREY, md, paragraphs, RED, rows, spoken, when, YELLOW } from './format';
import type { IconSpec, ItemSpec, PresentationContext } from './types';

type ContainerElement = Extract<TreeElement, { readonly kind: 'container' }>;

const STATES: Readonly<Record<string, { readonly text: string; readonly value: ContextValue; readonly icon: IconSpec }>> = {
  CONTAINER_CREATED: { text: 'Created', value: 'container.created', icon: { id: 'circle-large-outline' } },
  CONTAINER_RUNNING: { text: 'Running', value: 'container.running', icon: { id: 'play-circle', color: GREEN } },
  CONTAINER_EXITED: { text: 'Exited', value: 'container.exited', icon: { id: 'debug-stop', color: GREY } },
};
const UNKNOWN = { text: 'Unknown', value: 'container.unknown', icon: { id: 'question', color: YELLOW } } as const;

export function presentContainer(element: ContainerElement, ctx: PresentationContext): ItemSpec {
  const c = element.container;
  const state = STATES[c.state] ?? UNKNOWN;
  const stateText = c.state === 'CONTAINER_EXITED' && c.exitCode !== undefined ? `${state.text} (${c.exitCode})` : state.text;
  const description = [...(element.orphaned ? ['orphaned'] : []), stateText, age(c.createdAtMs, ctx.nowMs), shortId(c.id)].join(' · ');
  return {
    label: c.name,
    description,
    tooltip: paragraphs(
      `**${md(c.name)}** — container, ${md(stateText)}${element.orphaned ? `, orphaned: its sandbox ${code(shortId(c.sandboxId))} no longer exists` : ''}`,
      rows([
        ['Container ID', code(c.id)], ['Sandbox ID', code(c.sandboxId)], ['Image', c.image ? code(c.image) : undefined],
        ['Attempt', String(c.attempt)], ['Created', when(c.createdAtMs, ctx.nowMs)], ['Finished', when(c.finishedAtMs, ctx.nowMs)],
        ['Exit code', c.exitCode !== undefined ? String(c.exitCode) : undefined], ['Reason', c.reason ? md(c.reason) : undefined],
      ]),
    ),
    accessibilityLabel: spoken(`Container ${c.name}`, element.orphaned ? 'orphaned, its sandbox is gone' : undefined, stateText, `created ${age(c.createdAtMs, ctx.nowMs)}`, `ID ${shortId(c.id)}`),
    contextValue: element.orphaned ? 'container.orphaned' : state.value,
    icon: element.orphaned ? { id: 'warning', color: RED } : state.icon,
    collapsible: 'none',
  };
}
