import { NodeDoctorError } from '../core/errors';
import { incompleteText } from '../core/inventory/completeness';
import type { Finding, Inventory } from '../core/inventory/types';
import { runNodeCommand } from './nodeSession';
import { NODE_FLAGS_HELP, parseNodeFlag } from './nodeFlags';
import type { NodeFlags } from './nodeFlags';
import { formatBytes } from '../core/model/bytes';

const HELP = `usage: kube-node-doctor inspect [options] [--json]

Reads this node's pod sandboxes, containers and CNI result cache files through the
container runtime's CRI socket and the filesystem, and cross-references them into
findings (empty/corrupt cache files, leaked cache files, orphan containers, dead
objects piling up, list sizes near the gRPC limits). Changes nothing.

${NODE_FLAGS_HELP}
  --json                           one JSON document: {"complete","incomplete","runtime","sandboxes","containers","cniCache",
                                   "findings","listStrategy","discovery",...}; "complete" is true only when proven

Exit status: 0 when the node was read (with or without findings), 2 on bad usage or
when the runtime cannot be reached.
`;

export interface ParsedNodeArgs {
  readonly flags: NodeFlags;
  readonly json: boolean;
}

function parseArgs(args: readonly string[]): ParsedNodeArgs | 'help' {
  const flags: { -readonly [K in keyof NodeFlags]: NodeFlags[K] } = {};
  let json = false;
  for (let i = 0; i < args.length;) {
    const arg = args[i];
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--json') { json = true; i += 1; continue; }
    const used = parseNodeFlag(args, i, flags);
    if (used === 0) throw new NodeDoctorError('bad-input', `unknown option "${arg}"`, { hint: 'Run "kube-node-doctor inspect --help".' });
    i += used;
  }
  return { flags, json };
}

/** The `--json` shape. */
export function inventoryJson(inv: Inventory): Record<string, unknown> {
  return {
    node: inv.node,
    access: inv.access,
    generatedAt: inv.generatedAt,
    runtime: inv.runtime,
    cniCacheDir: inv.cniCacheDir,
    cniConfDir: inv.cniConfDir,
    cniNetworks: inv.cniNetworks,
    sandboxes: inv.sandboxes,
    containers: inv.containers,
    cniCache: inv.cniCache,
    findings: inv.findings,
    complete: inv.listStrategy.complete,
    incomplete: inv.listStrategy.complete ? [] : (inv.listStrategy.reasons ?? []),
    listStrategy: inv.listStrategy,
    discovery: inv.discovery,
    listSizes: inv.listSizes,
    counts: inv.counts,
    timingsMs: inv.timingsMs,
    ...(inv.docker ? { docker: inv.docker } : {}),
  };
}

export function formatFinding(f: Finding, index: number): string[] {
  return [
    `${index}. [${f.severity}] ${f.title}`,
    `   id:     ${f.id}`,
    `   ${f.category}, rule ${f.rule}${f.repair ? `, repair ${f.repair}` : ''}`,
    `   ${f.detail}`,
  ];
}

export function formatInventory(inv: Inventory): string {
  const c = inv.counts;
  const incomplete = incompleteText(inv);
  const out = [
    `Node ${inv.node} (${inv.access}), ${inv.runtime.runtimeName} ${inv.runtime.runtimeVersion} (${inv.runtime.backend === 'docker' ? '' : 'CRI '}${inv.runtime.runtimeApiVersion}) at ${inv.runtime.endpoint}`,
    ...(inv.runtime.backend === 'docker' || (inv.runtime.source && inv.runtime.source !== `CRI at ${inv.runtime.endpoint}`) ? [`  source:     ${inv.runtime.source ?? ''}`] : []),
    ...(incomplete ? [`  ${incomplete}`, '  (the counts below are what was listed, not all the node holds)'] : []),
    `  sandboxes:  ${c.sandboxes} (${c.readySandboxes} Ready, ${c.notReadySandboxes} NotReady)`,
    `  containers: ${c.containers} (${c.runningContainers} running, ${c.exitedContainers} exited)`,
    ...(inv.docker ? [`  checkpoints: ${inv.docker.checkpoints.length} in ${inv.docker.checkpointDir}${inv.docker.checkpointDirPresent ? '' : ' (no such directory)'} (${inv.docker.checkpoints.filter((k) => !k.hasContainer).length} without a podsandbox container)`] : []),
    `  CNI cache:  ${c.cacheFiles} files in ${inv.cniCacheDir}/results (${c.unreadableCacheFiles} unreadable); networks: ${inv.cniNetworks.map((n) => `${n.name} ${n.cniVersion}`).join(', ')}`,
    `  lists:      ${inv.listSizes.map((s) => `${s.method} ≈ ${formatBytes(s.bytes)} (${s.limits.map((l) => `${l.percent}% of ${l.label}`).join(', ')})`).join('; ')}`,
    `  strategy:   sandboxes ${inv.listStrategy.sandboxes}, containers ${inv.listStrategy.containers}${inv.listStrategy.complete ? ' (complete)' : ' (INCOMPLETE)'}`,
  ];
  if (inv.discovery) {
    const d = inv.discovery;
    const read = d.sources.filter((s) => s.status !== 'off').map((s) => `${s.source} ${s.status}${s.status === 'read' ? ` (${[s.sandboxIds ? `${s.sandboxIds} sandboxes` : '', s.containerIds ? `${s.containerIds} containers` : '', s.pods ? `${s.pods} pods` : ''].filter(Boolean).join(', ') || 'empty'})` : ''}`);
    out.push(`  on disk:    ${d.sandboxIdsOnDisk} sandbox IDs, ${d.containerIdsOnDisk} container IDs; ${read.join('; ')}`);
  }
  for (const note of inv.listStrategy.notes) out.push(`              ${note}`);
  if (c.perPod.length > 0) {
    out.push('  dead objects per pod (top 5):');
    for (const p of c.perPod.slice(0, 5)) out.push(`    ${p.pod}: ${p.notReadySandboxes} NotReady sandboxes, ${p.exitedContainers} exited containers`);
  }
  out.push('');
  if (inv.findings.length === 0) {
    out.push('No findings.');
  } else {
    out.push(`${inv.findings.length} finding${inv.findings.length === 1 ? '' : 's'}:`, '');
    inv.findings.forEach((f, i) => out.push(...formatFinding(f, i + 1), ''));
    const repairable = inv.findings.filter((f) => f.repair).length;
    if (repairable > 0) out.push(`Repair: kube-node-doctor repair --finding <id> --dry-run   (or --all; ${repairable} repairable)`);
  }
  return `${out.join('\n')}\n`;
}

export function inspectCommand(args: readonly string[]): Promise<number> {
  return runNodeCommand('inspect', HELP, args, parseArgs, async (parsed, { inventory }) => {
    process.stdout.write(parsed.json ? `${JSON.stringify(inventoryJson(inventory))}\n` : formatInventory(inventory));
    return 0;
  });
}
