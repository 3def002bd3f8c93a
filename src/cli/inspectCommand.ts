import { createCriClient } from '../core/cri/criClient';
import type { CriRuntime } from '../core/cri/types';
import { isNodeDoctorError, NodeDoctorError } from '../core/errors';
import { inspectNode } from '../core/inventory/inspect';
import type { Finding, Inventory } from '../core/inventory/types';
import { NODE_FLAGS_HELP, parseNodeFlag, resolveNodeTarget } from './nodeTarget';
import type { NodeFlags, NodeTarget } from './nodeTarget';

const HELP = `usage: kube-node-doctor inspect [options] [--json]

Reads this node's pod sandboxes, containers and CNI result cache files through the
container runtime's CRI socket and the filesystem, and cross-references them into
findings (empty/corrupt cache files, leaked cache files, orphan containers, dead
objects piling up, list sizes near the gRPC limits). Changes nothing.

${NODE_FLAGS_HELP}
  --json                           one JSON document: {"runtime","sandboxes","containers","cniCache","findings","listStrategy",...}

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

/** Opens the runtime and reads the inventory; the caller closes `cri`. */
export async function readInventory(target: NodeTarget, signal: AbortSignal): Promise<{ inventory: Inventory; cri: CriRuntime }> {
  const lease = await target.access.openCriEndpoint(target.endpoint, signal);
  const cri = createCriClient(lease.address);
  try {
    await cri.version({ signal, timeoutMs: 5_000 });
  } catch (error) {
    cri.close();
    await lease.close();
    if (isNodeDoctorError(error) && (error.reason === 'unreachable' || error.reason === 'timeout')) {
      throw new NodeDoctorError('unreachable', `cannot reach the container runtime at ${target.endpoint}`, { hint: 'Check that containerd (or CRI-O) is running and the socket path is right (--runtime-endpoint).', cause: error });
    }
    throw error;
  }
  const inventory = await inspectNode(target.access, cri, {
    cniCacheDir: target.cniCacheDir, cniConfDir: target.cniConfDir, endpoint: target.endpoint, signal,
    onProgress: (m) => { if (process.env.KND_VERBOSE) process.stderr.write(`… ${m}\n`); },
  });
  return { inventory, cri };
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
    listStrategy: inv.listStrategy,
    listSizes: inv.listSizes,
    counts: inv.counts,
    timingsMs: inv.timingsMs,
  };
}

function mib(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
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
  const out = [
    `Node ${inv.node} (${inv.access}), ${inv.runtime.runtimeName} ${inv.runtime.runtimeVersion} (CRI ${inv.runtime.runtimeApiVersion}) at ${inv.runtime.endpoint}`,
    `  sandboxes:  ${c.sandboxes} (${c.readySandboxes} Ready, ${c.notReadySandboxes} NotReady)`,
    `  containers: ${c.containers} (${c.runningContainers} running, ${c.exitedContainers} exited)`,
    `  CNI cache:  ${c.cacheFiles} files in ${inv.cniCacheDir}/results (${c.unreadableCacheFiles} unreadable); networks: ${inv.cniNetworks.map((n) => `${n.name} ${n.cniVersion}`).join(', ')}`,
    `  lists:      ${inv.listSizes.map((s) => `${s.method} ≈ ${mib(s.bytes)} (${s.limits.map((l) => `${l.percent}% of ${l.label}`).join(', ')})`).join('; ')}`,
    `  strategy:   sandboxes ${inv.listStrategy.sandboxes}, containers ${inv.listStrategy.containers}${inv.listStrategy.complete ? '' : ' (INCOMPLETE)'}`,
  ];
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

export async function inspectCommand(args: readonly string[]): Promise<number> {
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  let cri: CriRuntime | undefined;
  try {
    const parsed = parseArgs(args);
    if (parsed === 'help') {
      process.stdout.write(HELP);
      return 0;
    }
    const target = await resolveNodeTarget(parsed.flags, controller.signal);
    const read = await readInventory(target, controller.signal);
    cri = read.cri;
    process.stdout.write(parsed.json ? `${JSON.stringify(inventoryJson(read.inventory))}\n` : formatInventory(read.inventory));
    return 0;
  } catch (error) {
    if (isNodeDoctorError(error)) {
      process.stderr.write(`kube-node-doctor inspect: ${error.message}${error.hint !== undefined ? ` (${error.hint})` : ''}\n`);
      return error.reason === 'cancelled' ? 130 : 2;
    }
    throw error;
  } finally {
    cri?.close();
    process.off('SIGINT', onSigint);
  }
}
