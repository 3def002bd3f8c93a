import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { classifyCacheContent, LOOPBACK_NETWORK } from '../cni/cacheFile';
import { buildCniDel } from '../cni/cniDel';
import type { PluginDel } from '../cni/cniDel';
import { adaptPlanToDocker } from '../docker/dockerPlan';
import { describeError, NodeDoctorError } from '../errors';
import type { CacheEntry, ContainerItem, Finding, Inventory, SandboxItem } from '../inventory/types';
import { shortId } from '../model/ids';
import { DEFAULT_CNI_BIN_DIR, DEFAULT_QUARANTINE_DIR, DEFAULT_RUNTIME_ENDPOINT } from '../node/nodePaths';
import { DEFAULT_PRUNE_KEEP, DEFAULT_PRUNE_MIN_AGE_MS, formatDuration } from './duration';
import { shellLine, shellQuote } from '../model/shell';
import { backupName, crictl, manualCniDel, planStamp } from './shell';
import { planForceStop } from './stuckSandbox';
import type { ShimDiscovery } from './stuckSandbox';
import type { PlanStep, RepairPlan, StepAction } from './types';

export interface PlanOptions {
  /** Where the CNI plugin binaries are on the node (default `/opt/cni/bin`). */
  readonly cniBinDir?: string;
  /** Node path that receives every removed file (default `/var/lib/kube-node-doctor/quarantine`). */
  readonly quarantineDir?: string;
  /** The runtime endpoint the repair talks to (default: the inventory's). */
  readonly endpoint?: string;
  /** Prune: dead objects to keep per pod (sandboxes) and per pod + container name (containers); default 1. */
  readonly keep?: number;
  /** Prune: only objects older than this (default 1 hour). */
  readonly minAgeMs?: number;
  readonly nowMs?: number;
  /**
   * The bytes of the cache files whose network a step releases (CNI DEL), read when planning (`readPlanInputs`): the
   * plugin invocations are built from them, shown, and run as shown. A file missing here gets a step that is refused.
   */
  readonly cacheContents?: ReadonlyMap<string, Buffer>;
  /** Force-stop of stuck sandboxes: each selected sandbox's shim as found on the node (`discoverShimsFor`). */
  readonly shims?: ReadonlyMap<string, ShimDiscovery>;
  /** Force-stop: the first StopPodSandbox's deadline (default 30 s). */
  readonly stopTimeoutMs?: number;
}

/** kubelet's container GC settings that stop exited containers piling up (command-line flags; no KubeletConfiguration fields). */
export const KUBELET_GC_NOTE = [
  'So that dead containers do not pile up again, check kubelet\'s container garbage collection (deprecated flags, still honoured,',
  'with no KubeletConfiguration field): --maximum-dead-containers-per-container=1 (per pod and container name),',
  '--maximum-dead-containers=<N> (node total; -1 = no limit, the default) and --minimum-container-ttl-duration=<age> (default 0).',
  'NotReady sandboxes are removed by kubelet only after all their containers are gone and the pod is deleted or has a newer sandbox;',
  'a sandbox that cannot be stopped (bad CNI cache file) is never removed: repair those with remove-cache-file-and-sandbox.',
].join(' ');

interface Draft {
  readonly findingId: string;
  readonly repair: PlanStep['repair'];
  readonly title: string;
  readonly risk: PlanStep['risk'];
  readonly object: string;
  readonly precondition: string;
  readonly manualCommand: string;
  readonly action: StepAction;
}

/** What every step builder needs: the node's paths as the plan will use them. */
interface Context {
  readonly inventory: Inventory;
  readonly endpoint: string;
  readonly quarantineDir: string;
  readonly stamp: string;
  readonly binDir: string;
  readonly contents: ReadonlyMap<string, Buffer>;
}

function removeFileDraft(ctx: Context, finding: Finding, entry: CacheEntry, released: boolean): Draft {
  const backupPath = path.posix.join(ctx.quarantineDir, backupName(ctx.stamp, entry.name));
  const loopback = entry.network === LOOPBACK_NETWORK;
  const what = released ? `released cache file ${entry.name}` : loopback && entry.state === 'valid' ? `loopback cache file ${entry.name} (no IP, no veth)` : `${entry.state} CNI cache file ${entry.name}`;
  return {
    findingId: finding.id,
    repair: finding.repair ?? 'remove-cache-file-and-sandbox',
    title: `Move the ${what} into quarantine`,
    risk: 'low',
    object: entry.path,
    precondition: `the file is still a regular file of the same ${entry.size} bytes (sha256 ${entry.sha256.slice(0, 12)})`,
    manualCommand: [
      shellLine(['mkdir', '-p', '-m', '700', '--', ctx.quarantineDir]),
      `[ "$(sha256sum < ${shellQuote(entry.path)})" = ${shellQuote(`${entry.sha256}  -`)} ] && ${shellLine(['mv', '-n', '--', entry.path, backupPath])}`,
    ].join('\n'),
    action: { kind: 'remove-cache-file', path: entry.path, sha256: entry.sha256, state: entry.state, sandboxId: entry.sandboxId, backupPath, ...(released ? { released: true } : {}) },
  };
}

function hostLocalDirs(inventory: Inventory): string[] {
  return inventory.cniNetworks.map((n) => n.hostLocalDir).filter((d): d is string => d !== undefined);
}

function removeSandboxDraft(ctx: Context, finding: Finding, sandbox: SandboxItem, why: string): Draft {
  return {
    findingId: finding.id,
    repair: finding.repair ?? 'remove-cache-file-and-sandbox',
    title: `Stop and remove NotReady sandbox ${shortId(sandbox.id)} (${sandbox.namespace}/${sandbox.name})${why}`,
    risk: 'medium',
    object: `sandbox ${sandbox.id}`,
    precondition: 'the sandbox is not Ready (or already gone)',
    manualCommand: `${crictl(ctx.endpoint, 'stopp', sandbox.id)} && ${crictl(ctx.endpoint, 'rmp', sandbox.id)}`,
    action: { kind: 'remove-sandbox', sandboxId: sandbox.id, hostLocalDirs: hostLocalDirs(ctx.inventory) },
  };
}

function removeContainerDraft(ctx: Context, finding: Finding, c: ContainerItem, expect: 'sandbox-missing' | 'exited'): Draft {
  return {
    findingId: finding.id,
    repair: finding.repair ?? 'remove-orphan-containers',
    title: `Remove ${expect === 'sandbox-missing' ? 'orphan' : 'exited'} container ${c.name} (${shortId(c.id)})`,
    risk: 'low',
    object: `container ${c.id}`,
    precondition: expect === 'sandbox-missing' ? `sandbox ${shortId(c.sandboxId)} is still absent` : 'the container is still exited',
    manualCommand: `${crictl(ctx.endpoint, 'stop', '--timeout', '0', c.id)} && ${crictl(ctx.endpoint, 'rm', c.id)}`,
    action: { kind: 'remove-container', containerId: c.id, sandboxId: c.sandboxId, expect },
  };
}

/** The DEL invocations of a cache file from the bytes read when planning (only when they still have the inventory's sha256). */
function delsOf(ctx: Context, entry: CacheEntry): { dels?: PluginDel[]; netns?: string; why?: string } {
  const data = ctx.contents.get(entry.path);
  if (!data) return { why: `${entry.path} was not read when planning` };
  if (createHash('sha256').update(data).digest('hex') !== entry.sha256) return { why: `${entry.path} changed since the inspection` };
  const { content, netns } = classifyCacheContent(data);
  if (!content) return { why: `${entry.path} is not a readable cniCacheV1 file` };
  try {
    const dels = buildCniDel(content, { binDir: ctx.binDir, netns: netns ?? '' });
    if (dels.length === 0) return { why: `${entry.path} records no usable network configuration` };
    return { dels, netns };
  } catch (error) {
    return { why: describeError(error) };
  }
}

function releaseDrafts(ctx: Context, finding: Finding, entry: CacheEntry): Draft[] {
  const network = ctx.inventory.cniNetworks.find((n) => n.name === entry.network);
  const { dels, netns, why } = delsOf(ctx, entry);
  const release: Draft = {
    findingId: finding.id,
    repair: 'release-leaked-ips',
    title: `Release the network of vanished sandbox ${shortId(entry.sandboxId)} on ${entry.network}/${entry.ifName}${entry.ips.length > 0 ? ` (${entry.ips.join(', ')})` : ''}: CNI DEL from the cache file's own contents`,
    risk: 'medium',
    object: entry.path,
    precondition: `sandbox ${shortId(entry.sandboxId)} is still absent and the file still holds the same bytes`,
    manualCommand: dels ? manualCniDel(dels, netns) : `# not planned: ${why ?? 'no DEL'}; refresh the node and plan again`,
    action: {
      kind: 'cni-del', path: entry.path, sha256: entry.sha256, sandboxId: entry.sandboxId, binDir: ctx.binDir, hostLocalDir: network?.hostLocalDir,
      ...(dels ? { dels, netns } : {}),
    },
  };
  return [release, removeFileDraft(ctx, { ...finding, repair: 'release-leaked-ips' }, entry, true)];
}

/** The valid cache files of a sandbox the runtime no longer has, non-loopback first. */
function orphanedFiles(inventory: Inventory, sandboxId: string): CacheEntry[] {
  if (inventory.sandboxes.some((s) => s.id === sandboxId)) return [];
  return inventory.cniCache.filter((e) => e.sandboxId === sandboxId && e.state === 'valid')
    .sort((a, b) => Number(a.network === LOOPBACK_NETWORK) - Number(b.network === LOOPBACK_NETWORK) || (a.name < b.name ? -1 : 1));
}

/** The bad cache files that break a sandbox's teardown (every one must go before it can be stopped). */
function blockingFiles(inventory: Inventory, sandboxId: string): Finding[] {
  return inventory.findings.filter((f) => f.repair === 'remove-cache-file-and-sandbox' && f.sandboxId === sandboxId && f.path !== undefined);
}

/**
 * The findings a selection of IDs needs: a bad cache file of a NotReady sandbox brings its sandbox's other bad files
 * (a Multus pod has one per network; the sandbox cannot be removed while one is left), right after the selected one.
 */
export function withRequiredFindings(findings: readonly Finding[], inventory: Inventory): Finding[] {
  const notReady = new Set(inventory.sandboxes.filter((s) => s.state === 'SANDBOX_NOTREADY').map((s) => s.id));
  const chosen = new Set(findings.map((f) => f.id));
  const out: Finding[] = [];
  for (const f of findings) {
    out.push(f);
    if (f.repair !== 'remove-cache-file-and-sandbox' || f.sandboxId === undefined || !notReady.has(f.sandboxId)) continue;
    for (const sibling of blockingFiles(inventory, f.sandboxId)) {
      if (chosen.has(sibling.id)) continue;
      chosen.add(sibling.id);
      out.push(sibling);
    }
  }
  return out;
}

/** A finding ID that is gone from the inventory but whose repair is half done: its file is gone, its sandbox still NotReady. */
function resumable(inventory: Inventory, id: string): Finding | undefined {
  const m = /^cni-cache-corrupt:.+-([0-9a-f]{64})-[^-]+$/.exec(id);
  const sandbox = m ? inventory.sandboxes.find((s) => s.id === m[1] && s.state === 'SANDBOX_NOTREADY') : undefined;
  if (!sandbox) return undefined;
  return { id, category: 'cni-cache-corrupt', rule: 'cni-cache-resume', severity: 'error', title: 'resume', detail: '', repair: 'remove-cache-file-and-sandbox', sandboxId: sandbox.id };
}

/** Why prune keeps what it keeps, counted per reason. */
interface Kept {
  ready: number;
  keepCount: number;
  young: number;
  pods: Set<string>;
}

function keptNote(kept: Kept, what: string, keep: number, minAgeMs: number): string | undefined {
  const parts = [
    kept.ready > 0 ? `${kept.ready} the pod's Ready sandbox` : '',
    kept.keepCount > 0 ? `${kept.keepCount} the newest ${keep} per ${what === 'containers' ? 'pod and container name' : 'pod'} (keep-count ${keep}: --keep, setting kubeNodeDoctor.repair.pruneKeep)` : '',
    kept.young > 0 ? `${kept.young} younger than ${formatDuration(minAgeMs)} (--min-age, setting kubeNodeDoctor.repair.pruneMinAge)` : '',
  ].filter((p) => p !== '');
  if (parts.length === 0) return undefined;
  const total = kept.ready + kept.keepCount + kept.young;
  return `Prune keeps ${total} ${what} of ${kept.pods.size} pod${kept.pods.size === 1 ? '' : 's'}: ${parts.join('; ')}.`;
}

/**
 * Findings → an ordered plan of steps. Pure: reads only the inventory (and the cache files' bytes given in options).
 * An unknown finding ID is an error (`not-found`), unless its repair is half done (file gone, sandbox still NotReady):
 * then the plan finishes it.
 */
export function planRepairs(inventory: Inventory, selection: readonly string[] | 'all', options: PlanOptions = {}): RepairPlan {
  const byId = new Map(inventory.findings.map((f) => [f.id, f]));
  const selected: Finding[] = [];
  const resumed: Finding[] = [];
  if (selection === 'all') selected.push(...inventory.findings);
  else {
    for (const id of selection) {
      const f = byId.get(id);
      if (f) { selected.push(f); continue; }
      const resume = resumable(inventory, id);
      if (resume) { resumed.push(resume); continue; }
      throw new NodeDoctorError('not-found', `No finding "${id.slice(0, 200)}" on this node (already repaired, or not an ID from this node).`, { hint: 'Run "kube-node-doctor inspect" for the current finding IDs.' });
    }
  }
  const chosen = withRequiredFindings(selected, inventory);
  const now = options.nowMs ?? Date.now();
  const createdAt = new Date(now).toISOString();
  const ctx: Context = {
    inventory,
    endpoint: options.endpoint ?? (inventory.runtime.endpoint || DEFAULT_RUNTIME_ENDPOINT),
    quarantineDir: (options.quarantineDir ?? DEFAULT_QUARANTINE_DIR).replace(/(.)\/+$/, '$1'),
    stamp: planStamp(createdAt),
    binDir: (options.cniBinDir ?? DEFAULT_CNI_BIN_DIR).replace(/(.)\/+$/, '$1'),
    contents: options.cacheContents ?? new Map(),
  };
  const sandboxes = new Map(inventory.sandboxes.map((s) => [s.id, s]));
  const cache = new Map(inventory.cniCache.map((e) => [e.path, e]));
  const keep = Math.max(0, options.keep ?? DEFAULT_PRUNE_KEEP);
  const minAgeMs = options.minAgeMs ?? DEFAULT_PRUNE_MIN_AGE_MS;
  const drafts: Draft[] = [];
  const sandboxSteps: Draft[] = [];
  const notes: string[] = [];
  const plannedSandboxes = new Set<string>();
  const plannedContainers = new Set<string>();
  const plannedFiles = new Set<string>();
  const keptSandboxes: Kept = { ready: 0, keepCount: 0, young: 0, pods: new Set() };
  const keptContainers: Kept = { ready: 0, keepCount: 0, young: 0, pods: new Set() };
  let prune = false;
  for (const f of resumed) {
    const sandbox = f.sandboxId ? sandboxes.get(f.sandboxId) : undefined;
    if (sandbox && !plannedSandboxes.has(sandbox.id)) {
      sandboxSteps.push(removeSandboxDraft(ctx, f, sandbox, ' (its bad cache file is already gone)'));
      plannedSandboxes.add(sandbox.id);
    }
  }

  for (const f of chosen) {
    if (!f.repair) {
      notes.push(`${f.id}: no repair (${f.severity}): ${f.title}`);
      continue;
    }
    switch (f.repair) {
      case 'remove-cache-file-and-sandbox': {
        const entry = f.path ? cache.get(f.path) : undefined;
        if (!entry) break;
        if (!plannedFiles.has(entry.path)) {
          drafts.push(removeFileDraft(ctx, f, entry, false));
          plannedFiles.add(entry.path);
        }
        const sandbox = sandboxes.get(entry.sandboxId);
        if (sandbox && sandbox.state === 'SANDBOX_NOTREADY' && !plannedSandboxes.has(sandbox.id)) {
          const files = blockingFiles(inventory, sandbox.id).length;
          sandboxSteps.push(removeSandboxDraft(ctx, f, sandbox, `, which its bad cache file${files === 1 ? '' : 's'} kept from being removed`));
          plannedSandboxes.add(sandbox.id);
        } else if (sandbox && sandbox.state === 'SANDBOX_READY') {
          notes.push(`${f.id}: sandbox ${shortId(sandbox.id)} is Ready: only the bad file is removed; the sandbox is left running.`);
        }
        break;
      }
      case 'release-leaked-ips': {
        // One finding per vanished sandbox: every cache file it left (networks released by DEL, loopback files only moved).
        const files = f.sandboxId ? orphanedFiles(inventory, f.sandboxId) : [];
        const own = f.path ? cache.get(f.path) : undefined;
        if (own && !files.includes(own)) files.push(own);
        for (const entry of files) {
          if (plannedFiles.has(entry.path)) continue;
          plannedFiles.add(entry.path);
          if (entry.network === LOOPBACK_NETWORK) drafts.push(removeFileDraft(ctx, { ...f, repair: 'release-leaked-ips' }, entry, false));
          else drafts.push(...releaseDrafts(ctx, f, entry));
        }
        break;
      }
      case 'remove-orphan-containers': {
        const c = inventory.containers.find((x) => x.id === f.containerId);
        if (c && !plannedContainers.has(c.id)) {
          drafts.push(removeContainerDraft(ctx, f, c, 'sandbox-missing'));
          plannedContainers.add(c.id);
        }
        break;
      }
      case 'prune-dead-objects': {
        prune = true;
        const pods = f.pod ? new Set([f.pod]) : undefined;
        const inScope = (s: SandboxItem): boolean => pods === undefined || pods.has(`${s.namespace}/${s.name}`);
        const groups = new Map<string, SandboxItem[]>();
        for (const s of inventory.sandboxes) {
          if (s.state !== 'SANDBOX_NOTREADY' || !inScope(s)) continue;
          const key = `${s.namespace}/${s.name}`;
          groups.set(key, [...(groups.get(key) ?? []), s]);
        }
        const readyPods = new Set(inventory.sandboxes.filter((s) => s.state === 'SANDBOX_READY').map((s) => `${s.namespace}/${s.name}`));
        for (const [key, list] of groups) {
          const newestFirst = [...list].sort((a, b) => b.createdAtMs - a.createdAtMs);
          // A pod with a Ready sandbox keeps it; otherwise its newest NotReady sandbox counts towards `keep`.
          const spare = Math.max(0, readyPods.has(key) ? keep - 1 : keep);
          if (readyPods.has(key) && keep > 0) { keptSandboxes.ready += 1; keptSandboxes.pods.add(key); }
          newestFirst.forEach((s, i) => {
            if (plannedSandboxes.has(s.id)) return;
            if (i < spare) { keptSandboxes.keepCount += 1; keptSandboxes.pods.add(key); return; }
            if (now - s.createdAtMs < minAgeMs) { keptSandboxes.young += 1; keptSandboxes.pods.add(key); return; }
            sandboxSteps.push(removeSandboxDraft(ctx, f, s, ' (pruned)'));
            plannedSandboxes.add(s.id);
          });
        }
        const containerGroups = new Map<string, ContainerItem[]>();
        for (const c of inventory.containers) {
          const s = sandboxes.get(c.sandboxId);
          if (!s || c.state !== 'CONTAINER_EXITED' || !inScope(s) || plannedSandboxes.has(s.id)) continue;
          const key = `${s.namespace}/${s.name}/${c.name}`;
          containerGroups.set(key, [...(containerGroups.get(key) ?? []), c]);
        }
        for (const [key, list] of containerGroups) {
          const newestFirst = [...list].sort((a, b) => (b.finishedAtMs ?? b.createdAtMs) - (a.finishedAtMs ?? a.createdAtMs));
          const pod = key.slice(0, key.lastIndexOf('/'));
          newestFirst.forEach((c, i) => {
            if (plannedContainers.has(c.id)) return;
            if (i < keep) { keptContainers.keepCount += 1; keptContainers.pods.add(pod); return; }
            if (now - (c.finishedAtMs || c.createdAtMs) < minAgeMs) { keptContainers.young += 1; keptContainers.pods.add(pod); return; }
            drafts.push({ ...removeContainerDraft(ctx, f, c, 'exited'), repair: 'prune-dead-objects' });
            plannedContainers.add(c.id);
          });
        }
        break;
      }
      case 'force-stop-stuck-sandbox': {
        const discovery = f.sandboxId ? options.shims?.get(f.sandboxId) : undefined;
        if (!f.sandboxId || plannedSandboxes.has(f.sandboxId)) break;
        if (!discovery) {
          notes.push(`${f.id}: the sandbox's shim was not looked for on the node, so no force-stop is planned.`);
          break;
        }
        const sub = planForceStop(inventory, { sandboxId: f.sandboxId, reason: f.detail, findingId: f.id, stopTimeoutMs: options.stopTimeoutMs, nowMs: now, endpoint: ctx.endpoint }, discovery);
        const { id: _id, ...draft } = sub.steps[0];
        sandboxSteps.push(draft);
        notes.push(...sub.notes.map((n) => `${f.id}: ${n}`));
        plannedSandboxes.add(f.sandboxId);
        break;
      }
      case 'remove-object': {
        // One object the user chose (removeObject.ts checked its state): an exited container, or a NotReady sandbox.
        const c = f.containerId ? inventory.containers.find((x) => x.id === f.containerId) : undefined;
        const s = !f.containerId && f.sandboxId ? sandboxes.get(f.sandboxId) : undefined;
        if (c && !plannedContainers.has(c.id)) {
          drafts.push(removeContainerDraft(ctx, f, c, 'exited'));
          plannedContainers.add(c.id);
        } else if (s && s.state === 'SANDBOX_NOTREADY' && !plannedSandboxes.has(s.id)) {
          sandboxSteps.push(removeSandboxDraft(ctx, f, s, ''));
          plannedSandboxes.add(s.id);
        }
        break;
      }
      case 'force-remove-sandbox':
      case 'retry-sandbox-stop':
      case 'remove-name-holder':
        notes.push(`${f.id}: ${f.repair} is not automated here; see the finding's detail.`);
        break;
    }
  }
  if (prune) {
    for (const note of [keptNote(keptSandboxes, 'NotReady sandboxes', keep, minAgeMs), keptNote(keptContainers, 'exited containers', keep, minAgeMs)]) {
      if (note) notes.push(note);
    }
    notes.push(KUBELET_GC_NOTE);
  }
  // Files first (a bad cache file blocks its sandbox's stop), then containers, then sandboxes.
  const ordered = [...drafts, ...sandboxSteps];
  const steps: PlanStep[] = ordered.map((d, i) => ({ id: `${String(i + 1).padStart(2, '0')}-${d.action.kind}`, ...d }));
  const findingIds = [...new Set([...chosen.map((f) => f.id), ...resumed.map((f) => f.id)])];
  const plan: RepairPlan = { node: inventory.node, createdAt, findingIds, endpoint: ctx.endpoint, quarantineDir: ctx.quarantineDir, steps, notes };
  // Docker nodes: the same steps through the Docker Engine API, Docker's manual commands, and checkpoint steps.
  return adaptPlanToDocker(plan, inventory, chosen);
}
