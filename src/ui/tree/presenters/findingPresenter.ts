// A finding of an inspected node. Label = the object it is about (the pod, else the short ID of its sandbox or
// container, else the object in its ID); description = what is wrong, short (`empty CNI cache · 0 B`); the full
// sentence, the detail and the IDs in the tooltip; the severity in the icon and the accessible label. Clicking it opens
// its explanation and repair plan.
import type { Finding } from '../../../core/inventory/types';
import { articleFor } from '../../../core/knowledge/articles';
import { shortId } from '../../../core/model/ids';
import { formatBytes } from '../../../shared/reportProtocol';
import type { ContextValue } from '../contextValues';
import { formatCount } from '../treeContent';
import type { TreeElement } from '../treeModel';
import { code, md, paragraphs, RED, rows, spoken, YELLOW } from './format';
import { OPEN_FINDING_COMMAND } from './types';
import type { IconSpec, ItemSpec, PresentationContext } from './types';

type FindingElement = Extract<TreeElement, { readonly kind: 'finding' }>;

const HEX64 = /[0-9a-f]{64}/g;

/** The object a finding is about, short: the pod, else `container <short ID>`, `sandbox <short ID>`, else its ID's object. */
export function findingObject(finding: Finding): string {
  if (finding.pod) return finding.pod;
  if (finding.containerId) return `container ${shortId(finding.containerId)}`;
  if (finding.sandboxId) return `sandbox ${shortId(finding.sandboxId)}`;
  const prefix = `${finding.category}:`;
  const object = finding.id.startsWith(prefix) ? finding.id.slice(prefix.length) : finding.id;
  return object.replace(HEX64, (id) => shortId(id));
}

const CACHE_STATE_TEXT: Readonly<Record<string, string>> = {
  empty: 'empty', whitespace: 'blank', truncated: 'truncated', 'nul-bytes': 'NUL-filled', garbage: 'garbled', 'not-cache-v1': 'foreign',
};

/**
 * What is wrong, in a few words: `empty CNI cache · 0 B`, `leaked CNI cache · 10.88.0.5`, `orphan container`;
 * `fileSize` is the size of the cache file the finding names, when the inventory has it.
 */
export function findingWhat(finding: Finding, fileSize?: number): string {
  switch (finding.category) {
    case 'cni-cache-corrupt': {
      const state = CACHE_STATE_TEXT[finding.state ?? ''] ?? 'bad';
      return [`${state} CNI cache`, fileSize !== undefined ? formatBytes(fileSize) : undefined].filter((p) => p !== undefined).join(' · ');
    }
    case 'cni-cache-orphaned':
      return ['leaked CNI cache', ...(finding.ips ?? []).slice(0, 1)].join(' · ');
    case 'runtime-object-missing':
      return finding.containerId ? 'orphan container' : 'sandbox without its container';
    case 'sandbox-stop-timeout':
      return 'stuck sandbox';
    case 'dead-objects-piling-up':
      return finding.count !== undefined ? `${formatCount(finding.count)} dead objects` : 'dead objects piling up';
    case 'cri-message-too-large':
      return finding.bytes !== undefined ? `list answer ${formatBytes(finding.bytes)}` : 'list answer near the gRPC limit';
    default:
      return articleFor(finding.category).title;
  }
}

const SEVERITY_ICON: Readonly<Record<Finding['severity'], IconSpec>> = {
  error: { id: 'error', color: RED },
  warning: { id: 'warning', color: YELLOW },
  info: { id: 'info' },
};

const SEVERITY_WORD: Readonly<Record<Finding['severity'], string>> = { error: 'Error', warning: 'Warning', info: 'Info' };

export function findingContextValue(finding: Finding, hasSteps: boolean): ContextValue {
  const base = `finding.${finding.severity}` as const;
  if (!finding.repair || !hasSteps) return base;
  return finding.repair === 'force-stop-stuck-sandbox' ? `${base}.repairable.stuck` : `${base}.repairable`;
}

export function findingTooltip(f: Finding): string {
  return paragraphs(
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
    '_Click to open its explanation and repair plan._',
  );
}

export function presentFinding(element: FindingElement, ctx: PresentationContext): ItemSpec {
  const f = element.finding;
  const label = findingObject(f);
  const file = f.path ? ctx.nodeView(element.ref)?.content?.cacheByPath.get(f.path) : undefined;
  const description = findingWhat(f, file?.size);
  const contextValue = findingContextValue(f, ctx.hasRepairSteps?.(element.ref, f.id) ?? true);
  return {
    label,
    description,
    tooltip: findingTooltip(f),
    accessibilityLabel: spoken(`${SEVERITY_WORD[f.severity]}: ${label}`, description, contextValue.includes('.repairable') ? 'repairable' : undefined),
    contextValue,
    icon: SEVERITY_ICON[f.severity],
    collapsible: 'none',
    command: { command: OPEN_FINDING_COMMAND, title: 'Explain Finding and Show Plan', arguments: [element] },
  };
}
