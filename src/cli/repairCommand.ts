import { requireNodeDir } from '../core/node/nodeDir';
import * as os from 'node:os';
import { NodeDoctorError } from '../core/errors';
import { DEFAULT_QUARANTINE_DIR, DEFAULT_STATE_DIR } from '../core/node/nodePaths';
import { JsonLinesAuditSink } from '../core/repair/audit';
import { RepairExecutor } from '../core/repair/executor';
import { planRepairs } from '../core/repair/planner';
import type { RepairPlan } from '../core/repair/types';
import { runNodeCommand } from './nodeSession';
import { NODE_FLAGS_HELP, parseNodeFlag } from './nodeTarget';
import type { NodeFlags } from './nodeTarget';

const HELP = `usage: kube-node-doctor repair [options] (--finding ID ... | --all) (--dry-run | --yes)

Plans the repair of findings from "kube-node-doctor inspect" and, with --yes, runs it:
each step re-checks its precondition right before acting (and refuses when the node
changed), backs up every file into the quarantine dir before removing it, verifies
the result and appends an audit record. Steps are idempotent: re-run a half-done plan.
Without --yes nothing changes: the plan is printed.

${NODE_FLAGS_HELP}
  --finding ID                     a finding ID from inspect (repeatable)
  --all                            every finding that has a repair
  --dry-run                        print the plan with the equivalent manual commands
  --yes                            run the plan
  --json                           print the plan (and results) as JSON
  --audit-log FILE                 JSON-lines audit (default /var/lib/kube-node-doctor/audit.jsonl)
  --quarantine-dir DIR             node path for backups (default /var/lib/kube-node-doctor/quarantine)
  --keep N                         prune: dead objects to keep per pod / container (default 1)
  --min-age DURATION               prune: only objects older than this, e.g. 30m, 2h (default 1h)

Exit status: 0 when every step is done (or was already done) or the plan was printed,
1 when a step was refused or failed, 2 on bad usage or an unreachable runtime.
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
}

function duration(text: string): number {
  const m = /^(\d{1,9})(ms|s|m|h|d)?$/.exec(text);
  if (!m) throw new NodeDoctorError('bad-input', `bad duration "${text}" (use e.g. 90s, 30m, 2h)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
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
      default: {
        const used = parseNodeFlag(args, i, flags);
        if (used === 0) throw new NodeDoctorError('bad-input', `unknown option "${arg}"`, { hint: 'Run "kube-node-doctor repair --help".' });
        i += used;
      }
    }
  }
  if (all === (findings.length > 0)) throw new NodeDoctorError('bad-input', 'say which findings: --finding ID (repeatable) or --all', { hint: 'Run "kube-node-doctor inspect" for the IDs.' });
  if (dryRun === yes) throw new NodeDoctorError('bad-input', 'say --dry-run (print the plan) or --yes (run it)');
  requireNodeDir('--quarantine-dir', quarantineDir);
  // Through the bridge, the pod must mount the quarantine dir the executor backs files up into.
  return { flags: { ...flags, quarantineDir }, findings, all, yes, json, auditLog, quarantineDir, keep, minAgeMs };
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
    out.push(`    by hand:      ${s.manualCommand}`);
    out.push('');
  }
  for (const note of plan.notes) out.push(`note: ${note}`);
  return `${out.join('\n')}\n`;
}

export function repairCommand(args: readonly string[]): Promise<number> {
  return runNodeCommand('repair', HELP, args, parseArgs, async (parsed, { target, cri, inventory }, signal) => {
    const plan = planRepairs(inventory, parsed.all ? 'all' : parsed.findings, { cniBinDir: target.cniBinDir, keep: parsed.keep, minAgeMs: parsed.minAgeMs, missingIsResolved: parsed.yes });
    if (!parsed.yes) {
      process.stdout.write(parsed.json ? `${JSON.stringify({ plan, executed: false })}\n` : `${formatPlan(plan)}Dry run: nothing was changed. Run again with --yes to apply.\n`);
      return 0;
    }
    if (!parsed.json) process.stdout.write(formatPlan(plan));
    const executor = new RepairExecutor({
      access: target.access, cri, audit: new JsonLinesAuditSink(parsed.auditLog), quarantineDir: parsed.quarantineDir,
      actor: `${os.userInfo().username}@${os.hostname()} (kube-node-doctor CLI)`, signal,
      onStep: (step, result) => {
        if (!parsed.json) process.stdout.write(`${step.id}  ${result.outcome.toUpperCase()}: ${result.detail}${result.error && result.error !== result.detail ? `\n    error: ${result.error}` : ''}\n`);
      },
    });
    const report = await executor.execute(plan);
    if (parsed.json) process.stdout.write(`${JSON.stringify({ plan, executed: true, results: report.results })}\n`);
    else process.stdout.write(`${report.ok ? 'All steps done.' : 'Some steps did not complete (see above).'} Audit: ${parsed.auditLog}\n`);
    return report.ok ? 0 : 1;
  });
}
