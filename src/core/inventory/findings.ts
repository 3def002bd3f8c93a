import { shortId } from '../model/ids';
import type { CacheEntry, ContainerItem, Finding, ListSize, SandboxItem } from './types';

export interface FindingOptions {
  /** False when some part of the lists could not be fetched: then nothing is called missing. */
  readonly listComplete: boolean;
  /** Dead objects (NotReady sandboxes + exited containers) of one pod above which it is a pile-up (default 5). */
  readonly perPodThreshold?: number;
  /** Dead objects on the node above which it is a pile-up (default 500). */
  readonly totalThreshold?: number;
}

const MIB = 1024 * 1024;

function podKey(s: { namespace: string; name: string }): string {
  return `${s.namespace}/${s.name}`;
}

function cacheFindings(entry: CacheEntry, sandbox: SandboxItem | undefined, listComplete: boolean): Finding | undefined {
  if (entry.state !== 'valid') {
    const where = sandbox ? `sandbox ${shortId(entry.sandboxId)} (${podKey(sandbox)}, ${sandbox.state === 'SANDBOX_READY' ? 'Ready' : 'NotReady'})` : `sandbox ${shortId(entry.sandboxId)} (not in the runtime)`;
    const harmful = entry.state !== 'not-cache-v1' && entry.readOnTeardown !== 'no';
    const why = harmful
      ? `${entry.readReason}; every StopPodSandbox and RemovePodSandbox of the sandbox fails with "failed to get network \\"${entry.network}\\" cached result"`
      : `harmless: ${entry.readReason}`;
    return {
      id: `cni-cache-corrupt:${entry.name}`,
      category: 'cni-cache-corrupt',
      // One name per rule in every surface: the log rule for the same failure is `cni-cache-result-invalid`.
      rule: 'cni-cache-result-invalid',
      severity: harmful ? (sandbox && sandbox.state === 'SANDBOX_READY' ? 'warning' : 'error') : 'info',
      title: `CNI cache file is ${entry.state === 'not-cache-v1' ? 'not a cniCacheV1 document' : entry.state === 'nul-bytes' ? 'full of NUL bytes' : entry.state} (${entry.size} bytes) for ${where}`,
      detail: `${entry.path}: ${why}.`,
      repair: harmful ? 'remove-cache-file-and-sandbox' : undefined,
      sandboxId: entry.sandboxId,
      path: entry.path,
      pod: sandbox ? podKey(sandbox) : undefined,
      state: entry.state,
    };
  }
  if (!sandbox && listComplete) {
    return {
      id: `cni-cache-orphaned:${entry.name}`,
      category: 'cni-cache-orphaned',
      rule: 'cni-cache-orphaned',
      severity: 'warning',
      title: `CNI cache file of a sandbox that no longer exists (${shortId(entry.sandboxId)}${entry.ips.length > 0 ? `, holds ${entry.ips.join(', ')}` : ''})`,
      detail: `${entry.path}: the runtime has no sandbox ${entry.sandboxId}; its IP reservation${entry.netns ? `, netns ${entry.netns}` : ''} and veth leak until a CNI DEL runs.`,
      repair: 'release-leaked-ips',
      sandboxId: entry.sandboxId,
      path: entry.path,
      ips: entry.ips,
      state: entry.state,
    };
  }
  return undefined;
}

/** Cross-references sandboxes, containers and cache files into findings (pure; the order is stable). */
export function computeFindings(
  sandboxes: readonly SandboxItem[], containers: readonly ContainerItem[], cache: readonly CacheEntry[], listSizes: readonly ListSize[], options: FindingOptions,
): Finding[] {
  const findings: Finding[] = [];
  const byId = new Map(sandboxes.map((s) => [s.id, s]));
  for (const entry of cache) {
    const finding = cacheFindings(entry, byId.get(entry.sandboxId), options.listComplete);
    if (finding) findings.push(finding);
  }

  if (options.listComplete) {
    for (const c of containers) {
      if (byId.has(c.sandboxId)) continue;
      findings.push({
        id: `runtime-object-missing:${c.id}`,
        category: 'runtime-object-missing',
        rule: 'orphan-container',
        severity: 'error',
        title: `Container ${c.name} (${shortId(c.id)}, ${c.state}) belongs to sandbox ${shortId(c.sandboxId)}, which no longer exists`,
        detail: 'An orphan container: kubelet versions that look up every container\'s sandbox fail on it ("no such sandbox"), and kubelet\'s GC never removes it.',
        repair: 'remove-orphan-containers',
        sandboxId: c.sandboxId,
        containerId: c.id,
        state: c.state,
      });
    }
  }

  const perPod = options.perPodThreshold ?? 5;
  const total = options.totalThreshold ?? 500;
  const dead = new Map<string, { sandboxes: number; notReady: number; exited: number }>();
  for (const s of sandboxes) {
    const entry = dead.get(podKey(s)) ?? { sandboxes: 0, notReady: 0, exited: 0 };
    entry.sandboxes += 1;
    if (s.state === 'SANDBOX_NOTREADY') entry.notReady += 1;
    dead.set(podKey(s), entry);
  }
  for (const c of containers) {
    const s = byId.get(c.sandboxId);
    if (!s || c.state !== 'CONTAINER_EXITED') continue;
    const entry = dead.get(podKey(s));
    if (entry) entry.exited += 1;
  }
  let deadTotal = 0;
  for (const [pod, d] of dead) {
    deadTotal += d.notReady + d.exited;
    if (d.notReady + d.exited <= perPod) continue;
    findings.push({
      id: `dead-objects-piling-up:${pod}`,
      category: 'dead-objects-piling-up',
      rule: 'dead-objects-per-pod',
      severity: 'warning',
      title: `Pod ${pod} has ${d.notReady} NotReady sandboxes and ${d.exited} exited containers (${d.sandboxes} sandboxes in all)`,
      detail: `More than ${perPod} dead objects for one pod: kubelet's garbage collection is not keeping up, or the sandboxes cannot be removed.`,
      repair: 'prune-dead-objects',
      pod,
      count: d.notReady + d.exited,
    });
  }
  if (deadTotal > total) {
    findings.push({
      id: 'dead-objects-piling-up:node',
      category: 'dead-objects-piling-up',
      rule: 'dead-objects-total',
      severity: 'warning',
      title: `${deadTotal} dead objects (NotReady sandboxes and exited containers) on the node`,
      detail: `More than ${total}: every List call the kubelet makes grows with them, towards the gRPC message limits.`,
      repair: 'prune-dead-objects',
      count: deadTotal,
    });
  }

  for (const size of listSizes) {
    const share = size.bytes / (4 * MIB);
    if (share < 0.5) continue;
    const over16 = size.bytes > 16 * MIB;
    findings.push({
      id: `cri-message-too-large:${size.method}`,
      category: 'cri-message-too-large',
      rule: 'list-payload-size',
      severity: over16 ? 'error' : share >= 1 ? 'warning' : 'info',
      title: `${size.method} answer is about ${(size.bytes / MIB).toFixed(1)} MiB for ${size.items} objects (${size.limits.map((l) => `${l.percent}% of ${l.label}`).join(', ')})`,
      detail: over16
        ? 'Past the runtime\'s 16 MiB send limit: kubelet\'s List calls fail with "trying to send message larger than max" and the node goes NotReady (PLEG).'
        : share >= 1 ? 'Past the 4 MiB default receive limit of older gRPC clients (crictl, kubelet < 1.19 style clients).' : 'Half way to the 4 MiB default receive limit of older gRPC clients.',
      repair: 'prune-dead-objects',
      bytes: size.bytes,
      count: size.items,
    });
  }
  return findings;
}
