import { LOOPBACK_NETWORK } from '../cni/cacheFile';
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

function cacheFindings(entry: CacheEntry, sandbox: SandboxItem | undefined): Finding | undefined {
  if (entry.state !== 'valid') {
    const where = sandbox ? `sandbox ${shortId(entry.sandboxId)} (${podKey(sandbox)}, ${sandbox.state === 'SANDBOX_READY' ? 'Ready' : 'NotReady'})` : `sandbox ${shortId(entry.sandboxId)} (not in the runtime)`;
    const harmful = entry.state !== 'not-cache-v1' && entry.readOnTeardown !== 'no';
    const why = harmful
      ? `${entry.readReason}; every StopPodSandbox and RemovePodSandbox of the sandbox fails with "failed to get network \\"${entry.network}\\" cached result"`
      : `harmless: ${entry.readReason}`;
    return {
      id: `cni-cache-corrupt:${entry.name}`,
      category: 'cni-cache-corrupt',
      rule: `cni-cache-${entry.state}`,
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
  return undefined;
}

/**
 * One finding per vanished sandbox whose valid cache files are still there (a complete list is needed to call it
 * vanished). A network's file means its IP reservation and veth leak until a CNI DEL runs; containerd's loopback file
 * (`cni-loopback-<id>-lo`) holds no IP and no veth: when it is all that is left, the finding says it is a harmless leftover.
 */
function orphanFindings(cache: readonly CacheEntry[], byId: ReadonlyMap<string, SandboxItem>): Finding[] {
  const bySandbox = new Map<string, CacheEntry[]>();
  for (const entry of cache) {
    if (entry.state !== 'valid' || byId.has(entry.sandboxId)) continue;
    bySandbox.set(entry.sandboxId, [...(bySandbox.get(entry.sandboxId) ?? []), entry]);
  }
  const findings: Finding[] = [];
  for (const [sandboxId, entries] of bySandbox) {
    const networks = entries.filter((e) => e.network !== LOOPBACK_NETWORK);
    const ips = networks.flatMap((e) => e.ips);
    const files = entries.map((e) => e.name).join(', ');
    const primary = networks[0] ?? entries[0];
    if (networks.length === 0) {
      findings.push({
        id: `cni-cache-orphaned:${sandboxId}`,
        category: 'cni-cache-orphaned',
        rule: 'cni-cache-orphaned-loopback',
        severity: 'info',
        title: `Loopback CNI cache file of a sandbox that no longer exists (${shortId(sandboxId)}): no IP, no veth`,
        detail: `${entries.map((e) => e.path).join(', ')}: the runtime has no sandbox ${sandboxId}. containerd's loopback network holds no IP reservation and no veth, so nothing leaks; the file is a harmless leftover that the repair moves into quarantine.`,
        repair: 'release-leaked-ips',
        sandboxId,
        path: primary.path,
        ips: [],
        state: primary.state,
      });
      continue;
    }
    findings.push({
      id: `cni-cache-orphaned:${sandboxId}`,
      category: 'cni-cache-orphaned',
      rule: 'cni-cache-orphaned',
      severity: 'warning',
      title: `Sandbox ${shortId(sandboxId)} no longer exists but its network ${networks.length === 1 ? 'was' : 'were'} never torn down (${networks.map((e) => `${e.network}/${e.ifName}`).join(', ')}${ips.length > 0 ? `, holds ${ips.join(', ')}` : ''})`,
      detail: `${files}: the runtime has no sandbox ${sandboxId}; the IP reservation${networks.length === 1 ? '' : 's'}${primary.netns ? ` and veth in netns ${primary.netns}` : ' and veth'} of ${networks.map((e) => e.network).join(', ')} leak until a CNI DEL runs.${entries.length > networks.length ? ' Its loopback cache file holds nothing and goes with them.' : ''}`,
      repair: 'release-leaked-ips',
      sandboxId,
      path: primary.path,
      ips,
      state: primary.state,
    });
  }
  return findings;
}

/** Cross-references sandboxes, containers and cache files into findings (pure; the order is stable). */
export function computeFindings(
  sandboxes: readonly SandboxItem[], containers: readonly ContainerItem[], cache: readonly CacheEntry[], listSizes: readonly ListSize[], options: FindingOptions,
): Finding[] {
  const findings: Finding[] = [];
  const byId = new Map(sandboxes.map((s) => [s.id, s]));
  for (const entry of cache) {
    const finding = cacheFindings(entry, byId.get(entry.sandboxId));
    if (finding) findings.push(finding);
  }
  if (options.listComplete) findings.push(...orphanFindings(cache, byId));

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
