import type { NodePod } from '../cluster/podsOnNode';
import { incompleteText } from '../inventory/completeness';
import { stuckSandboxFindings } from '../inventory/stuckSandboxes';
import type { CacheEntry, Inventory, ListSize, RuntimeInfo } from '../inventory/types';
import { versionAtLeast } from '../knowledge/articles';
import { shortId } from '../model/ids';
import { plural } from '../model/plural';
import { npdAnswer as answer } from './protocol';
import type { NpdAnswer, NpdAnswers } from './protocol';
import { listSummary } from './summary';

/**
 * The node-problem-detector conditions (see protocol.ts) answered from one node inventory, and for StuckSandbox the
 * API's pods on the node. Each is unknown when the inventory cannot prove its answer.
 */

/** What the stuck-sandbox check knows of the API's pods on this node: all of them, or why it could not ask. */
export type PodsOnNode =
  | { readonly checked: true; readonly pods: readonly NodePod[] }
  | { readonly checked: false; readonly reason: string };

export interface ConditionOptions {
  readonly nowMs?: number;
  /** How long past its deletion a pod's Ready sandbox may stay before it counts as stuck (default 60 s). */
  readonly stuckMarginMs?: number;
}

const MIB = 1024 * 1024;
/** A list at or above this share of a gRPC limit (4 MiB client default, 16 MiB send limit, a stated cap) is a backlog. */
export const LIST_LIMIT_SHARE = 0.75;

/** Whether the runtime's CNI teardown survives an unreadable cache file (libcni >= 1.2.0 deletes it and goes on). */
export interface TeardownTolerance {
  /** true: libcni >= 1.2.0; false: older; undefined: not known (treated as not tolerant, which is the failing case). */
  readonly tolerates: boolean | undefined;
  readonly why: string;
}

/**
 * libcni v1.2.0 (containernetworking/cni#1072) tolerates an unreadable cached result on DEL. containerd vendors it from
 * 2.0 on (1.6 and 1.7 vendor libcni 1.1.x). For CRI-O, dockershim and cri-dockerd the libcni version is not known here.
 */
export function teardownTolerance(runtime: Pick<RuntimeInfo, 'runtimeName' | 'runtimeVersion'>): TeardownTolerance {
  const name = runtime.runtimeName;
  const version = runtime.runtimeVersion;
  if (name === 'containerd') {
    const newer = versionAtLeast(version, '2.0');
    if (newer === true) return { tolerates: true, why: `containerd ${version} vendors libcni >= 1.2.0, which deletes an unreadable cache file on teardown and goes on` };
    if (newer === false) return { tolerates: false, why: `containerd ${version} vendors libcni < 1.2.0: teardown fails on an unreadable cache file` };
    return { tolerates: undefined, why: `containerd version "${version}" not understood: assuming libcni < 1.2.0 (teardown fails on an unreadable cache file)` };
  }
  return { tolerates: undefined, why: `the libcni version of ${name} ${version} is not known here: assuming teardown fails on an unreadable cache file` };
}

const STATE_WORDS: Readonly<Record<string, string>> = {
  empty: 'empty', whitespace: 'blank', truncated: 'truncated', 'nul-bytes': 'NUL-filled', garbage: 'corrupt',
};

/** Files the runtime reads on teardown and cannot decode (as the inventory's findings judge them). */
function unreadableReadOnTeardown(cache: readonly CacheEntry[]): CacheEntry[] {
  return cache.filter((e) => e.state !== 'valid' && e.state !== 'not-cache-v1' && e.readOnTeardown !== 'no');
}

function uniqueSandboxes(entries: readonly CacheEntry[]): string[] {
  return [...new Set(entries.map((e) => shortId(e.sandboxId)))];
}

export function cniCacheCorrupt(inv: Inventory): NpdAnswer {
  const bad = unreadableReadOnTeardown(inv.cniCache);
  const listed = new Set(inv.sandboxes.map((s) => s.id));
  const blocking = bad.filter((e) => listed.has(e.sandboxId));
  const unlisted = bad.filter((e) => !listed.has(e.sandboxId));
  const gate = teardownTolerance(inv.runtime);
  if (bad.length === 0) return answer('ok', `No unreadable CNI cache file the runtime reads on teardown (${plural(inv.counts.cacheFiles, 'file')} read)`);
  if (gate.tolerates === true) {
    return answer('ok', `${plural(bad.length, 'unreadable CNI cache file')}, ignored on teardown by ${inv.runtime.runtimeName} ${inv.runtime.runtimeVersion} (libcni >= 1.2.0)`, [gate.why]);
  }
  if (blocking.length > 0) {
    const states = new Set(blocking.map((e) => e.state));
    const word = states.size === 1 ? STATE_WORDS[blocking[0].state] ?? 'unreadable' : 'unreadable';
    const sandboxes = uniqueSandboxes(blocking);
    const verb = blocking.length === 1 ? 'blocks' : 'block';
    return answer('problem', listSummary(`${plural(blocking.length, `${word} CNI cache file`)} ${verb} teardown: ${sandboxes.length === 1 ? 'sandbox' : 'sandboxes'} `, sandboxes), [
      ...blocking.slice(0, 2).map((e) => `${e.path} (${e.state}, ${e.size} bytes): ${e.readReason}`),
      ...(gate.tolerates === undefined ? [gate.why] : []),
    ]);
  }
  const incomplete = incompleteText(inv);
  if (incomplete) {
    return answer('unknown', `Unknown: ${plural(unlisted.length, 'unreadable CNI cache file')} of sandboxes missing from the runtime's lists, which are incomplete (${incomplete})`);
  }
  return answer('ok', `No unreadable CNI cache file blocks teardown: ${plural(unlisted.length, 'file')} of sandboxes the runtime no longer has (never read again)`, [
    `leftovers: ${unlisted.slice(0, 3).map((e) => e.path).join(', ')}${unlisted.length > 3 ? ', …' : ''} (kube-node-doctor inspect lists them)`,
  ]);
}

function mib(bytes: number): string {
  return `${(bytes / MIB).toFixed(1)} MiB`;
}

/** The first limit a list has reached `LIST_LIMIT_SHARE` of, smallest limit first. */
function limitReached(size: ListSize): { label: string; percent: number } | undefined {
  const limits = [...size.limits].sort((a, b) => a.bytes - b.bytes);
  const hit = limits.find((l) => l.bytes > 0 && size.bytes >= LIST_LIMIT_SHARE * l.bytes);
  return hit ? { label: hit.label, percent: Math.round((size.bytes / hit.bytes) * 100) } : undefined;
}

export function sandboxBacklog(inv: Inventory): NpdAnswer {
  const parts: string[] = [];
  const notes: string[] = [];
  const piles = inv.findings.filter((f) => f.category === 'dead-objects-piling-up');
  const c = inv.counts;
  if (piles.length > 0) {
    const worst = piles.filter((f) => f.pod).sort((a, b) => (b.count ?? 0) - (a.count ?? 0))[0];
    parts.push(`${plural(c.notReadySandboxes + c.exitedContainers, 'dead object')} (${c.notReadySandboxes} NotReady sandboxes, ${c.exitedContainers} exited containers)${worst ? `, most in ${worst.pod} (${worst.count})` : ''}`);
    notes.push(...piles.slice(0, 2).map((f) => f.title));
  }
  for (const size of inv.listSizes) {
    const hit = limitReached(size);
    if (hit) parts.push(`${size.method} ≈ ${mib(size.bytes)} (${hit.percent}% of ${hit.label})`);
  }
  const refused = ([['ListPodSandbox', inv.listStrategy.sandboxes], ['ListContainers', inv.listStrategy.containers]] as const)
    .filter(([, strategy]) => strategy !== 'single-list' && strategy !== 'stream');
  for (const [method, strategy] of refused) parts.push(`${method} refused whole (read ${strategy})`);
  if (parts.length > 0) return answer('problem', parts.join('; '), notes);
  const incomplete = incompleteText(inv);
  if (incomplete) return answer('unknown', `Unknown: ${incomplete}`);
  const largest = [...inv.listSizes].sort((a, b) => b.bytes - a.bytes)[0];
  return answer('ok', `${c.notReadySandboxes} NotReady sandboxes, ${c.exitedContainers} exited containers${largest ? `; largest list ${largest.method} ≈ ${mib(largest.bytes)}` : ''}`);
}

export function orphanContainers(inv: Inventory): NpdAnswer {
  const orphans = inv.findings.filter((f) => f.category === 'runtime-object-missing' && f.containerId);
  if (orphans.length > 0) {
    const names = new Map(inv.containers.map((c) => [c.id, c.name]));
    const items = orphans.map((f) => `${shortId(f.containerId ?? '')}${names.get(f.containerId ?? '') ? ` (${names.get(f.containerId ?? '')})` : ''}`);
    return answer('problem', listSummary(`${plural(orphans.length, 'orphan container')} whose sandbox is gone: `, items), orphans.slice(0, 2).map((f) => f.title));
  }
  const incomplete = incompleteText(inv);
  if (incomplete) return answer('unknown', `Unknown: orphans cannot be ruled out, ${incomplete}`);
  return answer('ok', `No orphan container (${plural(inv.counts.containers, 'container')}, ${plural(inv.counts.sandboxes, 'sandbox', 'sandboxes')})`);
}

export function stuckSandbox(inv: Inventory, pods: PodsOnNode, options: ConditionOptions = {}): NpdAnswer {
  if (!pods.checked) return answer('unknown', `Unknown: ${pods.reason}`);
  const stuck = stuckSandboxFindings(inv.sandboxes, pods.pods, { nowMs: options.nowMs, marginMs: options.stuckMarginMs });
  if (stuck.length > 0) {
    const items = stuck.map((f) => `${f.pod ?? '?'} (${shortId(f.sandboxId ?? '')})`);
    return answer('problem', listSummary(`${plural(stuck.length, 'sandbox', 'sandboxes')} still Ready after ${stuck.length === 1 ? 'its pod was' : 'their pods were'} deleted: `, items), stuck.slice(0, 2).map((f) => f.title));
  }
  const incomplete = incompleteText(inv);
  if (incomplete) return answer('unknown', `Unknown: stuck sandboxes cannot be ruled out, ${incomplete}`);
  return answer('ok', `No Ready sandbox of a deleted pod (${plural(inv.counts.readySandboxes, 'Ready sandbox', 'Ready sandboxes')}, ${plural(pods.pods.length, 'pod')} on the node in the API)`);
}

/** All four answers from one inventory (and the API's pods on the node for StuckSandbox). Pure. */
export function evaluateConditions(inv: Inventory, pods: PodsOnNode, options: ConditionOptions = {}): NpdAnswers {
  return {
    CNICacheCorrupt: cniCacheCorrupt(inv),
    SandboxBacklog: sandboxBacklog(inv),
    OrphanContainers: orphanContainers(inv),
    StuckSandbox: stuckSandbox(inv, pods, options),
  };
}
