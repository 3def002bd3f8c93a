import { incompleteText } from '../inventory/completeness';
import type { Inventory } from '../inventory/types';
import { isFullId, shortId } from '../model/ids';
import type { RepairPlan } from '../repair/types';
import { compareSeverity } from '../../shared/reportProtocol';
import type { ReportFinding, ReportModel } from '../../shared/reportProtocol';

function objectOf(f: Inventory['findings'][number]): string {
  if (f.path) return f.path;
  if (f.containerId) return `container ${shortId(f.containerId)}`;
  if (f.sandboxId) return `sandbox ${shortId(f.sandboxId)}`;
  if (f.pod) return `pod ${f.pod}`;
  return f.id.slice(f.id.indexOf(':') + 1);
}

/** The full sandbox or container ID a finding names, when it names one (the ID its card shows short). */
function fullIdOf(f: Inventory['findings'][number]): string | undefined {
  const id = f.containerId ?? f.sandboxId;
  return id && isFullId(id) ? id : undefined;
}

/**
 * The node report webview's model from an inventory and the plan made for each finding (`NodeDoctor.planEach`): a
 * card shows every step of its finding's plan (a sandbox's other bad files included), the same plan its Repair and
 * Copy buttons use, and the plan's notes (why prune keeps what it keeps). No steps: no Repair button. Findings are
 * sorted errors first (stable within a severity); `readAt` is the store's time of the read (default: the inventory's).
 */
export function reportModelFromInventory(
  inventory: Inventory, plans: ReadonlyMap<string, RepairPlan> = new Map(), readAt: number = Date.parse(inventory.generatedAt), stale?: string,
): ReportModel {
  const findings: ReportFinding[] = inventory.findings.map((f) => ({
    id: f.id,
    category: f.category,
    severity: f.severity,
    title: f.title,
    explanation: f.detail,
    object: objectOf(f),
    ...(fullIdOf(f) ? { objectId: fullIdOf(f) } : {}),
    steps: (plans.get(f.id)?.steps ?? []).map((s) => ({ title: s.title, risk: s.risk, manualCommand: s.manualCommand })),
    notes: plans.get(f.id)?.notes ?? [],
  })).sort(compareSeverity);
  const c = inventory.counts;
  const ls = inventory.listStrategy;
  return {
    node: inventory.node,
    access: inventory.access,
    generatedAt: inventory.generatedAt,
    readAt,
    ...(stale ? { stale } : {}),
    versions: {
      runtime: `${inventory.runtime.runtimeName} ${inventory.runtime.runtimeVersion}${inventory.runtime.backend === 'docker' ? ' (read through the Docker Engine API and dockershim checkpoints)' : ''}`.trim(),
      'CRI API': inventory.runtime.runtimeApiVersion,
      ...Object.fromEntries(inventory.cniNetworks.map((n) => [`CNI network ${n.name}`, n.cniVersion])),
    },
    counts: [
      { label: 'Pod sandboxes', value: c.sandboxes, detail: `${c.notReadySandboxes} NotReady` },
      { label: 'Containers', value: c.containers, detail: `${c.exitedContainers} exited` },
      { label: 'CNI cache files', value: c.cacheFiles, detail: `${c.unreadableCacheFiles} unreadable` },
    ],
    listSizes: inventory.listSizes.map((s) => ({ method: s.method, bytes: s.bytes })),
    listStrategy: ls.sandboxes === ls.containers ? ls.sandboxes : `sandboxes ${ls.sandboxes}, containers ${ls.containers}`,
    ...(incompleteText(inventory) ? { incomplete: incompleteText(inventory) } : {}),
    findings,
  };
}
