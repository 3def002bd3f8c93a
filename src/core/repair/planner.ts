import { NodeDoctorError } from '../errors';
import type { CacheEntry, ContainerItem, Finding, Inventory, SandboxItem } from '../inventory/types';
import { shortId } from '../model/ids';
import { DEFAULT_CNI_BIN_DIR } from '../node/nodePaths';
import type { PlanStep, RepairPlan, StepAction } from './types';

export interface PlanOptions {
  /** Where the CNI plugin binaries are on the node (default `/opt/cni/bin`). */
  readonly cniBinDir?: string;
  /** Prune: dead objects to keep per pod (sandboxes) and per pod + container name (containers); default 1. */
  readonly keep?: number;
  /** Prune: only objects older than this (default 1 hour). */
  readonly minAgeMs?: number;
  readonly nowMs?: number;
  /** Treat a selected finding that is no longer present as resolved (a note) instead of an error; for re-runs. */
  readonly missingIsResolved?: boolean;
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

function quarantineHint(path: string): string {
  return `cp -p ${path} /var/lib/kube-node-doctor/quarantine/ && rm ${path}`;
}

function removeFileDraft(finding: Finding, entry: CacheEntry): Draft {
  return {
    findingId: finding.id,
    repair: finding.repair ?? 'remove-cache-file-and-sandbox',
    title: `Back up and remove the ${entry.state} CNI cache file ${entry.name}`,
    risk: 'low',
    object: entry.path,
    precondition: `the file still holds the same ${entry.size} bytes (sha256 ${entry.sha256.slice(0, 12)})`,
    manualCommand: quarantineHint(entry.path),
    action: { kind: 'remove-cache-file', path: entry.path, sha256: entry.sha256, state: entry.state, sandboxId: entry.sandboxId },
  };
}

function hostLocalDirs(inventory: Inventory): string[] {
  return inventory.cniNetworks.map((n) => n.hostLocalDir).filter((d): d is string => d !== undefined);
}

function removeSandboxDraft(finding: Finding, sandbox: SandboxItem, inventory: Inventory, why: string): Draft {
  return {
    findingId: finding.id,
    repair: finding.repair ?? 'remove-cache-file-and-sandbox',
    title: `Stop and remove NotReady sandbox ${shortId(sandbox.id)} (${sandbox.namespace}/${sandbox.name})${why}`,
    risk: 'medium',
    object: `sandbox ${sandbox.id}`,
    precondition: 'the sandbox is not Ready (or already gone)',
    manualCommand: `crictl stopp ${sandbox.id} && crictl rmp ${sandbox.id}`,
    action: { kind: 'remove-sandbox', sandboxId: sandbox.id, hostLocalDirs: hostLocalDirs(inventory) },
  };
}

function removeContainerDraft(finding: Finding, c: ContainerItem, expect: 'sandbox-missing' | 'exited'): Draft {
  return {
    findingId: finding.id,
    repair: finding.repair ?? 'remove-orphan-containers',
    title: `Remove ${expect === 'sandbox-missing' ? 'orphan' : 'exited'} container ${c.name} (${shortId(c.id)})`,
    risk: expect === 'sandbox-missing' ? 'low' : 'low',
    object: `container ${c.id}`,
    precondition: expect === 'sandbox-missing' ? `sandbox ${shortId(c.sandboxId)} is still absent` : 'the container is still exited',
    manualCommand: `${c.state === 'CONTAINER_RUNNING' ? `crictl stop ${c.id} && ` : ''}crictl rm ${c.id}`,
    action: { kind: 'remove-container', containerId: c.id, sandboxId: c.sandboxId, expect },
  };
}

/** Findings → an ordered plan of steps. Pure: reads only the inventory. */
export function planRepairs(inventory: Inventory, selection: readonly string[] | 'all', options: PlanOptions = {}): RepairPlan {
  const byId = new Map(inventory.findings.map((f) => [f.id, f]));
  const chosen: Finding[] = [];
  const resumed: Finding[] = [];
  const missingNotes: string[] = [];
  if (selection === 'all') chosen.push(...inventory.findings);
  else {
    for (const id of selection) {
      const f = byId.get(id);
      if (!f && options.missingIsResolved) {
        // A half-done seed repair: the file is gone but its sandbox is still NotReady. Finish it.
        const m = /^cni-cache-corrupt:.+-([0-9a-f]{64})-[^-]+$/.exec(id);
        const sandbox = m ? inventory.sandboxes.find((s) => s.id === m[1] && s.state === 'SANDBOX_NOTREADY') : undefined;
        if (sandbox) resumed.push({ id, category: 'cni-cache-corrupt', rule: 'cni-cache-resume', severity: 'error', title: 'resume', detail: '', repair: 'remove-cache-file-and-sandbox', sandboxId: sandbox.id });
        else missingNotes.push(`${id}: no longer present on this node (already repaired?)`);
        continue;
      }
      if (!f) {
        throw new NodeDoctorError('not-found', `No finding "${id.slice(0, 200)}" on this node.`, { hint: 'Run "kube-node-doctor inspect" for the current finding IDs.' });
      }
      chosen.push(f);
    }
  }
  const sandboxes = new Map(inventory.sandboxes.map((s) => [s.id, s]));
  const cache = new Map(inventory.cniCache.map((e) => [e.path, e]));
  const binDir = options.cniBinDir ?? DEFAULT_CNI_BIN_DIR;
  const keep = Math.max(0, options.keep ?? 1);
  const minAgeMs = options.minAgeMs ?? 3_600_000;
  const now = options.nowMs ?? Date.now();
  const drafts: Draft[] = [];
  const sandboxSteps: Draft[] = [];
  const notes: string[] = [];
  const plannedSandboxes = new Set<string>();
  const plannedContainers = new Set<string>();
  const plannedFiles = new Set<string>();
  let prune = false;
  notes.push(...missingNotes);
  for (const f of resumed) {
    const sandbox = f.sandboxId ? sandboxes.get(f.sandboxId) : undefined;
    if (sandbox && !plannedSandboxes.has(sandbox.id)) {
      sandboxSteps.push(removeSandboxDraft(f, sandbox, inventory, ' (its bad cache file is already gone)'));
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
          drafts.push(removeFileDraft(f, entry));
          plannedFiles.add(entry.path);
        }
        const sandbox = sandboxes.get(entry.sandboxId);
        if (sandbox && sandbox.state === 'SANDBOX_NOTREADY' && !plannedSandboxes.has(sandbox.id)) {
          sandboxSteps.push(removeSandboxDraft(f, sandbox, inventory, ', which its bad cache file kept from being removed'));
          plannedSandboxes.add(sandbox.id);
        } else if (sandbox && sandbox.state === 'SANDBOX_READY') {
          notes.push(`${f.id}: sandbox ${shortId(sandbox.id)} is Ready: only the bad file is removed; the sandbox is left running.`);
        }
        break;
      }
      case 'release-leaked-ips': {
        const entry = f.path ? cache.get(f.path) : undefined;
        if (!entry || plannedFiles.has(entry.path)) break;
        const network = inventory.cniNetworks.find((n) => n.name === entry.network);
        drafts.push({
          findingId: f.id,
          repair: 'release-leaked-ips',
          title: `Release the network of vanished sandbox ${shortId(entry.sandboxId)} on ${entry.network}/${entry.ifName}${entry.ips.length > 0 ? ` (${entry.ips.join(', ')})` : ''}: CNI DEL from the cache file's own contents`,
          risk: 'medium',
          object: entry.path,
          precondition: `sandbox ${shortId(entry.sandboxId)} is still absent and the file still holds the same bytes`,
          manualCommand: `run each plugin of the cached conflist with CNI_COMMAND=DEL in reverse order (kube-node-doctor repair --dry-run --finding ${f.id} shows them), binaries in ${binDir}`,
          action: { kind: 'cni-del', path: entry.path, sha256: entry.sha256, sandboxId: entry.sandboxId, binDir, hostLocalDir: network?.hostLocalDir },
        });
        drafts.push({ ...removeFileDraft(f, entry), repair: 'release-leaked-ips', title: `Back up and remove the released cache file ${entry.name}` });
        plannedFiles.add(entry.path);
        break;
      }
      case 'remove-orphan-containers': {
        const c = inventory.containers.find((x) => x.id === f.containerId);
        if (c && !plannedContainers.has(c.id)) {
          drafts.push(removeContainerDraft(f, c, 'sandbox-missing'));
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
          const spare = readyPods.has(key) ? keep - 1 : keep;
          for (const s of newestFirst.slice(Math.max(0, spare))) {
            if (now - s.createdAtMs < minAgeMs || plannedSandboxes.has(s.id)) continue;
            sandboxSteps.push(removeSandboxDraft(f, s, inventory, ' (pruned)'));
            plannedSandboxes.add(s.id);
          }
        }
        const containerGroups = new Map<string, ContainerItem[]>();
        for (const c of inventory.containers) {
          const s = sandboxes.get(c.sandboxId);
          if (!s || c.state !== 'CONTAINER_EXITED' || !inScope(s) || plannedSandboxes.has(s.id)) continue;
          const key = `${s.namespace}/${s.name}/${c.name}`;
          containerGroups.set(key, [...(containerGroups.get(key) ?? []), c]);
        }
        for (const list of containerGroups.values()) {
          const newestFirst = [...list].sort((a, b) => (b.finishedAtMs ?? b.createdAtMs) - (a.finishedAtMs ?? a.createdAtMs));
          for (const c of newestFirst.slice(keep)) {
            if (now - (c.finishedAtMs || c.createdAtMs) < minAgeMs || plannedContainers.has(c.id)) continue;
            drafts.push({ ...removeContainerDraft(f, c, 'exited'), repair: 'prune-dead-objects' });
            plannedContainers.add(c.id);
          }
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
  if (prune) notes.push(KUBELET_GC_NOTE);
  // Files first (a bad cache file blocks its sandbox's stop), then containers, then sandboxes.
  const ordered = [...drafts, ...sandboxSteps];
  const steps: PlanStep[] = ordered.map((d, i) => ({ id: `${String(i + 1).padStart(2, '0')}-${d.action.kind}`, ...d }));
  return { node: inventory.node, createdAt: new Date(now).toISOString(), findingIds: [...chosen, ...resumed].map((f) => f.id), steps, notes };
}
