import type { KeptPod, LeftoverPod, SweepReport } from '../core/bridge/bridgeSweep';
import { NodeDoctorError } from '../core/errors';
import { shellLine } from '../core/model/shell';
import { runCli } from './cliFrame';
import { cliConnector } from './nodeFlags';

const HELP = `usage: kube-node-doctor bridge-cleanup [--context CTX] [--kubeconfig FILE] [--bridge-namespace NS] [--dry-run]

Deletes bridge pods (labels app.kubernetes.io/managed-by=kube-node-doctor, app.kubernetes.io/component=node-bridge)
that no live client uses: finished (deadline passed, evicted), older than their deadline, Pending for more than
10 minutes, or whose client stopped its heartbeat (three intervals, 3 min by default, without one). Pods of clients
that are still running are kept and listed.

  --context CTX            kubeconfig context (default: the current one)
  --kubeconfig FILE        kubeconfig to use (default: KUBECONFIG, then ~/.kube/config)
  --bridge-namespace NS    namespace of the bridge pods (default kube-system)
  --dry-run                list what would be deleted, delete nothing
`;

interface Parsed {
  readonly context?: string;
  readonly kubeconfig?: string;
  readonly namespace?: string;
  readonly dryRun: boolean;
}

function parseArgs(args: readonly string[]): Parsed | 'help' {
  const values: { context?: string; kubeconfig?: string; namespace?: string } = {};
  const names: Readonly<Record<string, keyof typeof values>> = { '--context': 'context', '--kubeconfig': 'kubeconfig', '--bridge-namespace': 'namespace' };
  let dryRun = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--dry-run') { dryRun = true; continue; }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const key = names[name];
    if (key === undefined) throw new NodeDoctorError('bad-input', `unexpected argument "${arg}" (see --help)`);
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined || value === '') throw new NodeDoctorError('bad-input', `${name} needs a value`);
    values[key] = value;
  }
  return { ...values, dryRun };
}

function describe(pod: LeftoverPod | KeptPod): string {
  return `${pod.name}  node ${pod.node || '?'}  session ${pod.session || '?'}${pod.client ? ` (${pod.client})` : ''}`;
}

/** The report, one pod a line (a pod not deleted with the command that removes it), and a closing count. */
export function formatSweep(report: SweepReport, namespace: string, dryRun: boolean, removeCommand?: (name: string) => readonly string[]): string {
  const lines: string[] = [];
  for (const pod of report.leftovers) {
    const verb = dryRun ? 'would delete' : pod.deleted ? 'deleted' : 'NOT deleted';
    const remove = !dryRun && !pod.deleted && removeCommand ? `; remove it with: ${shellLine(removeCommand(pod.name))}` : '';
    lines.push(`${verb.padEnd(12)}  ${describe(pod)}  ${pod.reason}: ${pod.detail}${remove}`);
  }
  for (const pod of report.kept) lines.push(`${'kept'.padEnd(12)}  ${describe(pod)}  ${pod.detail}`);
  const failed = report.leftovers.filter((p) => !p.deleted).length;
  const summary = report.leftovers.length === 0
    ? `No leftover bridge pods in namespace ${namespace}`
    : dryRun ? `${report.leftovers.length} to delete (dry run: nothing deleted)` : `${report.leftovers.length - failed} deleted${failed ? `, ${failed} could not be deleted` : ''}`;
  lines.push(`${summary}; ${report.kept.length} kept.`);
  return `${lines.join('\n')}\n`;
}

export async function bridgeCleanupCommand(args: readonly string[]): Promise<number> {
  return runCli('bridge-cleanup', HELP, args, parseArgs, async (parsed, signal) => {
    const connector = cliConnector({ kubeconfig: parsed.kubeconfig, bridgeNamespace: parsed.namespace });
    try {
      const manager = await connector.manager(await connector.resolveContext(parsed.context));
      const report = await manager.sweepLeftovers({ dryRun: parsed.dryRun, signal });
      process.stdout.write(formatSweep(report, manager.namespace, parsed.dryRun, (name) => manager.removeCommand(name)));
      return report.leftovers.some((p) => !parsed.dryRun && !p.deleted) ? 1 : 0;
    } finally {
      await connector.dispose();
    }
  });
}
