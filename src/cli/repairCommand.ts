import { requireNodeDir } from '../core/node/nodeDir';
import * as os from 'node:os';
import { NodeDoctorError } from '../core/errors';
import { DEFAULT_QUARANTINE_DIR, DEFAULT_STATE_DIR } from '../core/node/nodePaths';
import { JsonLinesAuditSink } from '../core/repair/audit';
import { AuditWriteError, RepairExecutor } from '../core/repair/executor';
import { DEFAULT_PRUNE_KEEP, DEFAULT_PRUNE_MIN_AGE_MS, formatDuration, parseDuration } from '../core/repair/duration';
import { planSelection } from '../core/repair/selection';
import { needsHostProcesses } from '../core/repair/stuckSandbox';
import { planStuckSandbox } from './stuckSandboxPlan';
import { runtimeStepsFor } from '../core/session/nodeTarget';
import type { RepairPlan } from '../core/repair/types';
import { runNodeCommand } from './nodeSession';
import { NODE_FLAGS_HELP, parseNodeFlag } from './nodeFlags';
import type { NodeFlags } from './nodeFlags';

const HELP = `usage: kube-node-doctor repair [options] (--finding ID ... | --all | --stuck-sandbox ID) (--dry-run | --yes)

Plans the repair of findings from "kube-node-doctor inspect" and, with --yes, runs it:
each step re-checks its precondition right before acting (and refuses when the node
changed), records its intent in the audit log before it acts (a record that cannot be
written stops the repair before anything changes), moves every file into the quarantine
dir and compares it with the planned sha256 before it counts as removed, verifies the
result and records the outcome. Steps are idempotent: re-run a half-done plan.
Without --yes nothing changes: the plan is printed with the shell commands that do the
same by hand (every value quoted).

${NODE_FLAGS_HELP}
  --finding ID                     a finding ID from inspect (repeatable)
  --all                            every finding that has a repair
  --stuck-sandbox ID               force-stop a sandbox whose stop hangs (64 hex or a unique prefix): you assert
                                   its pod is meant to be gone. StopPodSandbox with a deadline; if it does not
                                   finish, SIGKILL the sandbox's shim (re-checked first), then stop and remove it.
                                   Needs the node's processes: as root on the node (or --host-root with hostPID),
                                   or through the bridge with --bridge-profile host-pid
  --stop-timeout DURATION          force-stop: how long the first StopPodSandbox may take (default 30s)
  --dry-run                        print the plan with the equivalent manual commands
  --yes                            run the plan
  --json                           print the plan (and results) as JSON
  --audit-log FILE                 JSON-lines audit (default ${DEFAULT_STATE_DIR}/audit.jsonl)
  --quarantine-dir DIR             node path for backups (default ${DEFAULT_QUARANTINE_DIR})
  --keep N                         prune: dead objects to keep per pod / container (default ${DEFAULT_PRUNE_KEEP})
  --min-age DURATION               prune: only objects older than this, e.g. 30m, 2h (default ${formatDuration(DEFAULT_PRUNE_MIN_AGE_MS)})

Exit status: 0 when every step is done (or was already done) or the plan was printed,
1 when a step was refused or failed, 2 on bad usage, an unknown finding ID, an unreachable
runtime or an audit log that cannot be written (then nothing more was changed).
`;

interface RepairArgs {
  readonly flags: NodeFlags;
  readonly findings: string[];
  readonly all: boolean;
  readonly yes: boolean;
  readonly json: boolean;
  readonly auditLog: string;
  readonly quarantineDir: string;
  readonly keep?: number;
  readonly minAgeMs?: number;
  readonly stuckSandbox?: string;
  readonly stopTimeoutMs?: number;
}

function duration(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new NodeDoctorError('bad-input', `bad duration "${text}" (use e.g. 90s, 30m, 2h)`);
  return ms;
}

function parseArgs(args: readonly string[]): RepairArgs | 'help' {
  const flags: { -readonly [K in keyof NodeFlags]: NodeFlags[K] } = {};
  const findings: string[] = [];
  let all = false;
  let dryRun = false;
  let yes = false;
  let json = false;
  let auditLog = `${DEFAULT_STATE_DIR}/audit.jsonl`;
  let quarantineDir = DEFAULT_QUARANTINE_DIR;
  let keep: number | undefined;
  let minAgeMs: number | undefined;
  let stuckSandbox: string | undefined;
  let stopTimeoutMs: number | undefined;
  const value = (i: number): string => {
    const v = args[i + 1];
    if (v === undefined || v === '') throw new NodeDoctorError('bad-input', `${args[i]} needs a value`);
    return v;
  };
  for (let i = 0; i < args.length;) {
    const arg = args[i];
    switch (arg) {
      case '--help': case '-h': return 'help';
      case '--all': all = true; i += 1; continue;
      case '--dry-run': dryRun = true; i += 1; continue;
      case '--yes': case '-y': yes = true; i += 1; continue;
      case '--json': json = true; i += 1; continue;
      case '--finding': findings.push(value(i)); i += 2; continue;
      case '--audit-log': auditLog = value(i); i += 2; continue;
      case '--quarantine-dir': quarantineDir = value(i); i += 2; continue;
      case '--keep': {
        keep = Number(value(i));
        if (!Number.isInteger(keep) || keep < 0) throw new NodeDoctorError('bad-input', '--keep needs a whole number >= 0');
        i += 2; continue;
      }
      case '--min-age': minAgeMs = duration(value(i)); i += 2; continue;
      case '--stuck-sandbox': stuckSandbox = value(i); i += 2; continue;
      case '--stop-timeout': {
        stopTimeoutMs = duration(value(i));
        if (stopTimeoutMs < 1000 || stopTimeoutMs > 600_000) throw new NodeDoctorError('bad-input', '--stop-timeout must be between 1s and 10m');
        i += 2; continue;
      }
      default: {
        const used = parseNodeFlag(args, i, flags);
        if (used === 0) throw new NodeDoctorError('bad-input', `unknown option "${arg}"`, { hint: 'Run "kube-node-doctor repair --help".' });
        i += used;
      }
    }
  }
  if ([all, findings.length > 0, stuckSandbox !== undefined].filter(Boolean).length !== 1) {
    throw new NodeDoctorError('bad-input', 'say what to repair: --finding ID (repeatable), --all, or --stuck-sandbox ID', { hint: 'Run "kube-node-doctor inspect" for the IDs.' });
  }
  if (stuckSandbox !== undefined && !/^[0-9a-fA-F]{1,64}$/.test(stuckSandbox)) {
    throw new NodeDoctorError('invalid-id', `--stuck-sandbox "${stuckSandbox.slice(0, 80)}" is not a sandbox ID (hexadecimal: 64 characters or a unique prefix)`);
  }
  if (dryRun === yes) throw new NodeDoctorError('bad-input', 'say --dry-run (print the plan) or --yes (run it)');
  requireNodeDir('--quarantine-dir', quarantineDir);
  // Through the bridge, the pod must mount the quarantine dir the executor backs files up into.
  return { flags: { ...flags, quarantineDir }, findings, all, yes, json, auditLog, quarantineDir, keep, minAgeMs, stuckSandbox, stopTimeoutMs };
}

export function formatPlan(plan: RepairPlan): string {
  const out: string[] = [];
  if (plan.steps.length === 0) out.push('Nothing to do: the selected findings have no repair steps.');
  else out.push(`Plan for node ${plan.node}: ${plan.steps.length} step${plan.steps.length === 1 ? '' : 's'}`, '');
  for (const s of plan.steps) {
    out.push(`${s.id}  [${s.risk} risk] ${s.title}`);
    out.push(`    object:       ${s.object}`);
    out.push(`    finding:      ${s.findingId}`);
    out.push(`    precondition: ${s.precondition}`);
    const [first, ...rest] = s.manualCommand.split('\n');
    out.push(`    by hand:      ${first}`, ...rest.map((line) => `                  ${line}`));
    out.push('');
  }
  for (const note of plan.notes) out.push(`note: ${note}`);
  return `${out.join('\n')}\n`;
}

export function repairCommand(args: readonly string[]): Promise<number> {
  return runNodeCommand('repair', HELP, args, parseArgs, async (parsed, { target, cri, runtime, inventory }, signal) => {
    const { plan } = parsed.stuckSandbox !== undefined
      ? { plan: await planStuckSandbox(target, inventory, parsed.stuckSandbox, { stopTimeoutMs: parsed.stopTimeoutMs, quarantineDir: parsed.quarantineDir, signal }) }
      : await planSelection(target.access, inventory, parsed.all ? { kind: 'all' } : { kind: 'findings', findingIds: parsed.findings }, {
        cniBinDir: target.cniBinDir, quarantineDir: parsed.quarantineDir, endpoint: target.endpoint, keep: parsed.keep, minAgeMs: parsed.minAgeMs,
        stopTimeoutMs: parsed.stopTimeoutMs, signal,
      });
    if (!plan) {
      process.stdout.write(parsed.json ? `${JSON.stringify({ plan: null, executed: false })}\n` : 'Nothing to do: no finding on this node has an automatic repair.\n');
      return 0;
    }
    if (parsed.yes && needsHostProcesses(plan)) {
      process.stdout.write(parsed.json ? `${JSON.stringify({ plan, executed: false })}\n` : formatPlan(plan));
      throw new NodeDoctorError('forbidden', 'this repair kills a process on the node, which the bridge pod cannot see in its least-privilege profile; nothing was changed', {
        hint: 'Run again with --bridge-profile host-pid (a privileged pod in the host PID namespace, deleted afterwards).',
      });
    }
    if (!parsed.yes) {
      process.stdout.write(parsed.json ? `${JSON.stringify({ plan, executed: false })}\n` : `${formatPlan(plan)}Dry run: nothing was changed. Run again with --yes to apply.\n`);
      return 0;
    }
    if (!parsed.json) process.stdout.write(formatPlan(plan));
    const executor = new RepairExecutor({
      access: target.access, cri, audit: new JsonLinesAuditSink(parsed.auditLog),
      actor: `${os.userInfo().username}@${os.hostname()} (kube-node-doctor CLI)`, signal, runtimeSteps: runtimeStepsFor(target, runtime, signal),
      onStep: (step, result) => {
        if (!parsed.json) process.stdout.write(`${step.id}  ${result.outcome.toUpperCase()}: ${result.detail}${result.error && result.error !== result.detail ? `\n    error: ${result.error}` : ''}\n`);
      },
    });
    try {
      const report = await executor.execute(plan);
      if (parsed.json) process.stdout.write(`${JSON.stringify({ plan, executed: true, results: report.results })}\n`);
      else process.stdout.write(`${report.ok ? 'All steps done.' : 'Some steps did not complete (see above).'} Audit: ${parsed.auditLog}\n`);
      return report.ok ? 0 : 1;
    } catch (error) {
      if (error instanceof AuditWriteError && parsed.json) {
        process.stdout.write(`${JSON.stringify({ plan, executed: true, results: error.results, stopped: error.message })}\n`);
      }
      throw error;
    }
  });
}
