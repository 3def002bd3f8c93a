// The one repair selection: what a request (finding IDs from the CLI or a report card, an object of the tree, "all")
// acts on, and the plan for it. The CLI, the tree, the report and its Copy button all come through `planSelection`,
// so they show and run the same steps.
import type { Finding, Inventory, RepairId } from '../inventory/types';
import { shortId } from '../model/ids';
import type { NodeAccess } from '../node/nodeAccess';
import { planRepairs, withRequiredFindings } from './planner';
import { discoverShimsFor } from './stuckSandbox';
import { selectRemoval, withRemovalFinding } from './removeObject';
import type { RemovableObject } from './removeObject';
import type { PlanOptions } from './planner';
import type { RepairPlan } from './types';
import { plural } from '../model/plural';

/** The repair commands of the extension; each maps the object it is invoked on to findings of the last inventory. */
export type RepairCommand =
  | 'repairFinding' | 'repairAllOnNode' | 'removeCacheFileAndSandbox' | 'releaseLeakedCacheFile'
  | 'removeOrphanContainers' | 'pruneDeadObjects' | 'repairOnNode';

export const COMMAND_TITLES: Readonly<Record<RepairCommand, string>> = {
  repairFinding: 'Repair',
  repairAllOnNode: 'Repair All Findings',
  removeCacheFileAndSandbox: 'Remove Bad Cache File and Sandbox',
  releaseLeakedCacheFile: 'Release Leaked IP and Remove Cache File',
  removeOrphanContainers: 'Remove Orphan Containers',
  pruneDeadObjects: 'Prune Exited Containers and NotReady Sandboxes',
  repairOnNode: 'Repair on Node',
};

/** What a request names on a node. */
export type RepairObject =
  | { readonly kind: 'node' }
  | { readonly kind: 'group' }
  | { readonly kind: 'finding'; readonly findingId: string }
  | { readonly kind: 'sandbox'; readonly sandboxId: string }
  | { readonly kind: 'container'; readonly containerId: string }
  | { readonly kind: 'cacheFile'; readonly path: string };

/** A repair request: finding IDs (CLI, report), every finding (`all`), or a command on an object (tree, log lens). */
export type RepairSelection =
  | { readonly kind: 'findings'; readonly findingIds: readonly string[] }
  | { readonly kind: 'all' }
  | { readonly kind: 'object'; readonly command: RepairCommand; readonly object: RepairObject; readonly subject?: string }
  /** Remove one sandbox or container the user picked (refused when Ready / running): see removeObject.ts. */
  | { readonly kind: 'remove'; readonly object: RemovableObject };

export interface FindingSelection {
  readonly findingIds: readonly string[];
  /** What the request acts on, for messages: `cache file cbr0-…-eth0`, `sandbox 055b221e44a2`, the node. */
  readonly subject: string;
  /** Why nothing was selected (set when `findingIds` is empty). */
  readonly nothing?: string;
}


function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function defaultSubject(object: RepairObject, node: string): string {
  switch (object.kind) {
    case 'finding': return `finding ${object.findingId}`;
    case 'sandbox': return `sandbox ${shortId(object.sandboxId)}`;
    case 'container': return `container ${shortId(object.containerId)}`;
    case 'cacheFile': return `cache file ${object.path.slice(object.path.lastIndexOf('/') + 1)}`;
    default: return node;
  }
}

/** Every finding about one object (with or without a repair). */
export function findingsOnObject(object: RepairObject, inventory: Inventory): Finding[] {
  switch (object.kind) {
    case 'finding': return inventory.findings.filter((f) => f.id === object.findingId);
    case 'sandbox': return inventory.findings.filter((f) => f.sandboxId === object.sandboxId && f.category !== 'dead-objects-piling-up');
    case 'container': return inventory.findings.filter((f) => f.containerId === object.containerId);
    case 'cacheFile': return inventory.findings.filter((f) => f.path === object.path
      || (f.repair === 'release-leaked-ips' && f.sandboxId !== undefined && inventory.cniCache.some((e) => e.path === object.path && e.sandboxId === f.sandboxId)));
    default: return [];
  }
}

/** The IDs of the findings with a repair about one object, and those they need (Copy Manual Commands on a tree item). */
export function repairableFindingsOn(object: RepairObject, inventory: Inventory): string[] {
  return withRequiredFindings(findingsOnObject(object, inventory).filter((f) => f.repair !== undefined), inventory).map((f) => f.id);
}

/**
 * The findings a request acts on, from the node's last inventory. Empty with `nothing` when none applies: the caller
 * says why instead of planning. The findings a selected one needs (a sandbox's other bad files) are added by the planner.
 */
export function selectFindings(selection: RepairSelection, inventory: Inventory, node: string): FindingSelection {
  if (selection.kind === 'all') {
    const ids = inventory.findings.filter((f) => f.repair !== undefined).map((f) => f.id);
    return ids.length > 0 ? { findingIds: ids, subject: node } : { findingIds: [], subject: node, nothing: `None of the ${plural(inventory.findings.length, 'finding')} of ${node} has an automatic repair.` };
  }
  if (selection.kind === 'remove') {
    const { findingIds, subject, nothing } = selectRemoval(selection.object, inventory, node);
    return { findingIds, subject, ...(nothing !== undefined ? { nothing } : {}) };
  }
  if (selection.kind === 'findings') return { findingIds: [...selection.findingIds], subject: selection.findingIds.length === 1 ? `finding ${selection.findingIds[0]}` : node };
  const { command, object } = selection;
  const repairable = inventory.findings.filter((f) => f.repair !== undefined);
  const withRepair = (repair: RepairId): Finding[] => repairable.filter((f) => f.repair === repair);
  const subject = selection.subject ?? defaultSubject(object, node);
  const found = (findings: readonly Finding[], why: string): FindingSelection =>
    (findings.length > 0 ? { findingIds: findings.map((f) => f.id), subject } : { findingIds: [], subject, nothing: why });
  const inspection = `the last inspection of ${node} (${inventory.generatedAt})`;
  const stale = `Nothing for "${COMMAND_TITLES[command]}" to do on ${subject}: ${inspection} has no finding it repairs. Refresh the node if its state changed since.`;
  /** For one object: its findings with `repair`; else why not (a finding about it without that repair says what it is). */
  const forObject = (repair: RepairId): FindingSelection => {
    const about = findingsOnObject(object, inventory);
    const matching = about.filter((f) => f.repair === repair);
    if (matching.length > 0) return found(matching, stale);
    const other = about[0];
    if (other && !other.repair) return found([], `No automatic repair applies to ${subject}: ${other.title}. ${other.detail}`);
    if (other) return found([], `${capitalize(subject)} needs a different repair: ${other.title}.`);
    return found([], stale);
  };

  switch (command) {
    case 'repairFinding': {
      if (object.kind !== 'finding') return { findingIds: [], subject, nothing: 'Repair… runs on a finding (in the Node Doctor view or the node report).' };
      const finding = inventory.findings.find((f) => f.id === object.findingId);
      if (!finding) {
        return { findingIds: [], subject, nothing: `The finding ${object.findingId} is not in ${inspection}: it may be repaired already. Refresh the node to check.` };
      }
      if (!finding.repair) {
        return { findingIds: [], subject: `"${finding.title}"`, nothing: `No automatic repair applies to "${finding.title}" (${finding.severity}). ${finding.detail}` };
      }
      return { findingIds: [finding.id], subject: `"${finding.title}"` };
    }
    case 'repairAllOnNode':
      return found(repairable, `None of the ${plural(inventory.findings.length, 'finding')} of ${node} has an automatic repair.`);
    case 'removeCacheFileAndSandbox':
      return forObject('remove-cache-file-and-sandbox');
    case 'releaseLeakedCacheFile':
      return forObject('release-leaked-ips');
    case 'removeOrphanContainers':
      if (object.kind === 'group' || object.kind === 'node') {
        return found(withRepair('remove-orphan-containers'), `${capitalize(inspection)} found no orphan container (one whose sandbox no longer exists). Refresh the node if its state changed since.`);
      }
      return forObject('remove-orphan-containers');
    case 'pruneDeadObjects':
      if (object.kind === 'finding') return forObject('prune-dead-objects');
      return found(withRepair('prune-dead-objects'), `Nothing to prune on ${node}: ${inspection} found no pod whose NotReady sandboxes and exited containers pile up past the thresholds, nor CRI lists near the gRPC limits. kubelet's garbage collection removes the rest.`);
    case 'repairOnNode': {
      if (object.kind !== 'sandbox') return found([], stale);
      return found(repairable.filter((f) => f.sandboxId === object.sandboxId), `${capitalize(inspection)} has no finding with an automatic repair on ${subject}: the problem in the log may be over, or need the manual fix that Explain shows.`);
    }
  }
}

/** The cache files whose network a plan of these findings would release (their bytes build the DEL commands). */
export function releasedFiles(inventory: Inventory, findingIds: readonly string[] | 'all'): string[] {
  const ids = findingIds === 'all' ? undefined : new Set(findingIds);
  const sandboxes = new Set(inventory.findings.filter((f) => f.repair === 'release-leaked-ips' && (ids === undefined || ids.has(f.id))).map((f) => f.sandboxId));
  const live = new Set(inventory.sandboxes.map((s) => s.id));
  return inventory.cniCache.filter((e) => sandboxes.has(e.sandboxId) && !live.has(e.sandboxId) && e.state === 'valid').map((e) => e.path);
}

/** Reads (bounded, in bulk where the access can) the cache files a plan releases; unreadable ones are left out. */
export async function readPlanInputs(access: NodeAccess, paths: readonly string[], signal?: AbortSignal): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  if (paths.length === 0) return out;
  const byDir = new Map<string, string[]>();
  for (const p of paths) {
    const dir = p.slice(0, p.lastIndexOf('/')) || '/';
    byDir.set(dir, [...(byDir.get(dir) ?? []), p]);
  }
  for (const [dir, files] of byDir) {
    const names = files.map((p) => p.slice(p.lastIndexOf('/') + 1));
    if (access.readSmallFiles) {
      const read = await access.readSmallFiles(dir, names, 1024 * 1024, signal);
      read.forEach((data, i) => { if (data) out.set(files[i], data); });
      continue;
    }
    for (const file of files) {
      const data = await access.readFile(file, 1024 * 1024, signal).catch(() => undefined);
      if (data) out.set(file, data);
    }
  }
  return out;
}

export interface SelectedPlan {
  readonly selection: FindingSelection;
  /** Undefined when nothing was selected (`selection.nothing` says why). */
  readonly plan?: RepairPlan;
}

/**
 * The one way to plan: a request → the findings it selects → the plan (with the released networks' DEL commands built
 * from the files read through `access`). The CLI, the tree, the report card and its Copy button all call this.
 */
export async function planSelection(
  access: NodeAccess | undefined, inventory: Inventory, selection: RepairSelection, options: PlanOptions & { readonly signal?: AbortSignal } = {},
): Promise<SelectedPlan> {
  const chosen = selectFindings(selection, inventory, inventory.node);
  if (chosen.findingIds.length === 0 && selection.kind !== 'findings') return { selection: chosen };
  const ids = selection.kind === 'all' ? 'all' : chosen.findingIds;
  // Removing one object: the request is a finding of its own (repair remove-object), with the removal's notes.
  const planned = selection.kind === 'remove' ? withRemovalFinding(inventory, selection.object) : inventory;
  const extraNotes = selection.kind === 'remove' ? selectRemoval(selection.object, inventory, inventory.node).notes : [];
  const files = releasedFiles(inventory, ids);
  const cacheContents = options.cacheContents ?? (access ? await readPlanInputs(access, files, options.signal) : new Map<string, Buffer>());
  // Stuck sandboxes: their shims are looked for on the node, so the plan names the PID it would kill.
  const shims = options.shims ?? (access ? await discoverShimsFor(access, inventory, ids, { endpoint: options.endpoint, signal: options.signal }) : undefined);
  const plan = planRepairs(planned, ids, { ...options, cacheContents, shims });
  return { selection: chosen, plan: extraNotes.length > 0 ? { ...plan, notes: [...plan.notes, ...extraNotes] } : plan };
}
