// A CNI cache file. Label = its network and the short ID of its sandbox (`cbr0 055b221e44a2`), never the 64-hex file
// name; description = status and size (`empty · 0 B`, `valid · 1.2 KiB`) and the pod when known; path, sandbox ID,
// IPs and why the runtime reads it on teardown in the tooltip.
import { shortId } from '../../../core/model/ids';
import { formatBytes } from '../../../shared/reportProtocol';
import type { TreeElement } from '../treeModel';
import { code, md, paragraphs, RED, rows, spoken, when, YELLOW } from './format';
import type { IconSpec, ItemSpec, PresentationContext } from './types';

type CacheElement = Extract<TreeElement, { readonly kind: 'cniCache' }>;

export function cacheLabel(entry: { readonly network: string; readonly sandboxId: string }): string {
  return `${entry.network} ${shortId(entry.sandboxId)}`;
}

export function presentCniCache(element: CacheElement, ctx: PresentationContext): ItemSpec {
  const e = element.entry;
  const statusText = element.status === 'corrupt' ? `corrupt (${e.state})` : element.status;
  const icon: IconSpec = element.status === 'valid' ? { id: 'file' }
    : element.status === 'orphaned' ? { id: 'warning', color: YELLOW } : { id: 'error', color: RED };
  const label = cacheLabel(e);
  const pod = ctx.nodeView(element.ref)?.content?.podOf.get(e.sandboxId) ?? e.pod;
  const description = [element.status, formatBytes(e.size), ...(pod ? [pod] : [])].join(' · ');
  return {
    label,
    description,
    tooltip: paragraphs(
      `**${md(e.name)}** — CNI cache file, ${md(statusText)}, ${formatBytes(e.size)}`,
      element.status === 'orphaned' ? 'No sandbox with this ID exists: its IP reservation and veth leak until a CNI DEL runs.' : undefined,
      rows([
        ['Path', code(e.path)], ['Sandbox ID', code(e.sandboxId)], ['Network', md(e.network)], ['Interface', md(e.ifName)],
        ['Pod', pod ? md(pod) : undefined], ['Container ID', e.containerId && e.containerId !== e.sandboxId ? code(e.containerId) : undefined],
        ['Size', `${e.size.toLocaleString('en-US')} bytes`], ['Modified', when(e.mtimeMs, ctx.nowMs)], ['SHA-256', e.sha256 ? code(e.sha256) : undefined],
        ['State', code(e.state)], ['Read on teardown', `${e.readOnTeardown} — ${md(e.readReason)}`],
        ['Network cniVersion', e.networkCniVersion ? code(e.networkCniVersion) : undefined],
        ['IPs', e.ips.length > 0 ? e.ips.map(code).join(', ') : undefined], ['Netns', e.netns ? code(e.netns) : undefined],
      ]),
    ),
    accessibilityLabel: spoken(`CNI cache file of network ${e.network}, sandbox ${shortId(e.sandboxId)}`, statusText, formatBytes(e.size), pod ? `pod ${pod}` : undefined),
    contextValue: `cniCache.${element.status}`,
    icon,
    collapsible: 'none',
  };
}
