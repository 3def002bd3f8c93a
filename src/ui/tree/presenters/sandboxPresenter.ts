// A pod sandbox. Label = its pod (`namespace/name`); description = state, age and short ID (`NotReady · 3 h ago ·
// 055b221e44a2`), with `blocked` when an empty or corrupt CNI cache file keeps it from being stopped; details in the tooltip.
import { shortId } from '../../../core/model/ids';
import type { TreeElement } from '../treeModel';
import { code, GREEN, md, paragraphs, RED, rows, spoken, when, YELLOW, age } from './format';
import type { ItemSpec, PresentationContext } from './types';

type SandboxElement = Extract<TreeElement, { readonly kind: 'sandbox' }>;

export function presentSandbox(element: SandboxElement, ctx: PresentationContext): ItemSpec {
  const s = element.sandbox;
  const ready = s.state === 'SANDBOX_READY';
  const state = ready ? 'Ready' : 'NotReady';
  const pod = `${s.namespace}/${s.name}`;
  const description = [state, ...(element.badCache ? ['blocked'] : []), age(s.createdAtMs, ctx.nowMs), shortId(s.id)].join(' · ');
  return {
    label: pod,
    description,
    tooltip: paragraphs(
      `**${md(pod)}** — pod sandbox, ${state}`,
      element.badCache ? '$(warning) One of its CNI cache files is empty or corrupt and the runtime reads it on teardown: stopping and removing the sandbox fail until the file is removed.' : undefined,
      rows([
        ['Sandbox ID', code(s.id)], ['Pod UID', s.uid ? code(s.uid) : undefined], ['Attempt', String(s.attempt)],
        ['Created', when(s.createdAtMs, ctx.nowMs)], ['Runtime handler', s.runtimeHandler ? code(s.runtimeHandler) : undefined],
        ['IPs', s.ips.length > 0 ? s.ips.map(code).join(', ') : undefined], ['Netns', s.netns ? code(s.netns) : undefined],
      ]),
    ),
    accessibilityLabel: spoken(`Sandbox of pod ${pod}`, state, element.badCache ? 'blocked by a bad CNI cache file' : undefined, `created ${age(s.createdAtMs, ctx.nowMs)}`, `ID ${shortId(s.id)}`),
    contextValue: ready ? (element.badCache ? 'sandbox.ready.badCache' : 'sandbox.ready') : (element.badCache ? 'sandbox.notReady.badCache' : 'sandbox.notReady'),
    icon: element.badCache ? { id: 'warning', color: RED } : ready ? { id: 'circle-filled', color: GREEN } : { id: 'circle-large-outline', color: YELLOW },
    collapsible: 'none',
  };
}
