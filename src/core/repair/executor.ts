import { randomUUID } from 'node:crypto';
import { classifyCacheBytes } from '../cni/cacheFile';
import { CriError, isNotFound } from '../cri/criError';
import type { CriRuntime } from '../cri/types';
import { describeError, NodeDoctorError, throwIfAborted } from '../errors';
import type { NodeAccess } from '../node/nodeAccess';
import { auditRecord, stepSubject } from './audit';
import type { AuditSubject } from './audit';
import { fileDigest, quarantineFile, StepRefused } from './quarantine';
import { actForceStop, checkForceStop } from './stuckSandbox';
import type { AuditSink, Backup, ContainerSnapshot, PlanStep, RepairPlan, StepAction, StepOutcome, StepResult } from './types';

/** Steps a runtime other than CRI carries out itself (Docker), inside the executor's re-check, write-ahead audit and quarantine. */
export interface RuntimeSteps {
  handles(action: StepAction): boolean;
  check(step: PlanStep): Promise<Check>;
  act(step: PlanStep, tools: StepTools): Promise<Outcome>;
}

/** What the executor lends a runtime's steps. */
export interface StepTools {
  /** Moves the file into quarantine at (a free variant of) `plannedBackup` and checks the moved bytes against `plannedSha`. */
  quarantine(file: string, plannedSha: string, plannedBackup: string): Promise<Backup>;
}

export interface ExecuteOptions {
  readonly access: NodeAccess;
  readonly cri: CriRuntime;
  readonly audit: AuditSink;
  /** Who runs the repair (user@host, or the extension's identity). */
  readonly actor: string;
  readonly signal?: AbortSignal;
  readonly onStep?: (step: PlanStep, result: StepResult) => void;
  /** Per CRI call and per plugin run (default 30 s). */
  readonly timeoutMs?: number;
  /** Docker nodes: the steps only the Docker backend can run. */
  readonly runtimeSteps?: RuntimeSteps;
}

export interface ExecutionReport {
  readonly results: readonly StepResult[];
  readonly ok: boolean;
}

export interface Check {
  readonly state: 'ready' | 'done' | 'changed';
  readonly before: string;
  /** Docker: the inspect JSON of the containers the step will remove, written with the intent (before anything acts). */
  readonly snapshots?: readonly ContainerSnapshot[];
}

export interface Outcome {
  readonly detail: string;
  readonly after: string;
  /** What was actually acted on, when it is more exact than the re-check's view (the bytes moved into quarantine). */
  readonly before?: string;
  readonly backup?: Backup;
  readonly snapshots?: readonly ContainerSnapshot[];
}

/**
 * The audit could not record a step: the repair stops there. `acted` says whether the step had already acted (its
 * outcome is what could not be written) or not (its intent could not be written, so it did not run).
 */
export class AuditWriteError extends NodeDoctorError {
  constructor(readonly stepId: string, readonly acted: boolean, cause: unknown, readonly results: readonly StepResult[]) {
    super(
      cause instanceof NodeDoctorError && cause.reason === 'forbidden' ? 'forbidden' : 'internal',
      acted
        ? `Step ${stepId} ran, but its outcome could not be written to the audit log (${describeError(cause)}); the repair stopped there.`
        : `The audit record of step ${stepId} could not be written (${describeError(cause)}); the repair stopped before the step acted${results.some((r) => r.outcome === 'done') ? '' : ': nothing was changed'}.`,
      { cause, hint: 'Give the audit log a writable place (kube-node-doctor repair --audit-log FILE), then run the repair again.' },
    );
  }
}

/** A runtime step that failed after it had taken container snapshots: the audit still records them. */
export class PartialStepFailure extends NodeDoctorError {
  constructor(message: string, readonly snapshots: readonly ContainerSnapshot[], cause: unknown) {
    super(cause instanceof NodeDoctorError ? cause.reason : 'runtime-error', message, { cause });
  }
}

/** A failure after a backup was taken: the audit still records the backup. */
class StepFailure extends NodeDoctorError {
  constructor(message: string, readonly backup: Backup) {
    super('runtime-error', message);
  }
}

/**
 * Runs a plan step by step: re-check, record the intent (write-ahead: a step whose record cannot be written does not
 * run), act, verify, record the outcome. Safe to re-run: finished steps report `already-done`.
 */
export class RepairExecutor {
  /** The run ID of the plan being executed, on each of its audit records. */
  private runId = '';

  constructor(private readonly options: ExecuteOptions) {}

  private get call(): { signal?: AbortSignal; timeoutMs: number } {
    return { signal: this.options.signal, timeoutMs: this.options.timeoutMs ?? 30_000 };
  }

  async execute(plan: RepairPlan): Promise<ExecutionReport> {
    this.runId = randomUUID();
    const results: StepResult[] = [];
    const blocked = new Set<string>();
    const blockedSandboxes = new Set<string>();
    for (const step of plan.steps) {
      throwIfAborted(this.options.signal);
      let result: StepResult;
      const sandboxId = 'sandboxId' in step.action ? step.action.sandboxId : undefined;
      if (blocked.has(step.findingId) || (step.action.kind === 'remove-sandbox' && sandboxId !== undefined && blockedSandboxes.has(sandboxId))) {
        result = { stepId: step.id, findingId: step.findingId, outcome: 'skipped', detail: 'an earlier step of this finding did not complete' };
        await this.recordOrStop(plan, step, result, '', '', false, results);
      } else {
        result = await this.runStep(plan, step, results);
      }
      if (result.outcome === 'refused' || result.outcome === 'failed') {
        blocked.add(step.findingId);
        if (sandboxId !== undefined && step.action.kind !== 'remove-sandbox') blockedSandboxes.add(sandboxId);
      }
      results.push(result);
      this.options.onStep?.(step, result);
    }
    return { results, ok: results.every((r) => r.outcome === 'done' || r.outcome === 'already-done') };
  }

  private async runStep(plan: RepairPlan, step: PlanStep, results: readonly StepResult[]): Promise<StepResult> {
    let check: Check;
    try {
      check = await this.check(step);
    } catch (error) {
      if (error instanceof NodeDoctorError && error.reason === 'cancelled') throw error;
      const result: StepResult = { stepId: step.id, findingId: step.findingId, outcome: 'failed', detail: `re-check failed: ${describeError(error)}`, error: describeError(error) };
      await this.recordOrStop(plan, step, result, '', '', false, results);
      return result;
    }
    if (check.state !== 'ready') {
      const outcome: StepOutcome = check.state === 'done' ? 'already-done' : 'refused';
      const result: StepResult = {
        stepId: step.id, findingId: step.findingId, outcome, detail: check.before,
        ...(outcome === 'refused' ? { reason: 'precondition-changed' } : {}),
      };
      await this.recordOrStop(plan, step, result, check.before, check.before, false, results);
      return result;
    }
    // Write-ahead: nothing acts unless its intent is on record.
    try {
      await this.options.audit.append(auditRecord(this.subject(plan, step), {
        phase: 'intent', before: check.before, after: '', result: 'intended', detail: step.title, snapshots: check.snapshots,
      }));
    } catch (error) {
      throw new AuditWriteError(step.id, false, error, results);
    }
    let result: StepResult;
    let before = check.before;
    let after: string;
    try {
      const done = await this.act(step);
      result = {
        stepId: step.id, findingId: step.findingId, outcome: 'done', detail: done.detail, ...(done.backup ? { backup: done.backup } : {}),
        ...(done.snapshots && done.snapshots.length > 0 ? { snapshots: done.snapshots } : {}),
      };
      before = done.before ?? before;
      after = done.after;
    } catch (error) {
      if (error instanceof StepRefused) {
        result = { stepId: step.id, findingId: step.findingId, outcome: 'refused', detail: error.message, reason: error.reason };
        before = error.before ?? before;
        after = 'unchanged';
      } else {
        const cancelled = error instanceof NodeDoctorError && error.reason === 'cancelled';
        const text = error instanceof CriError ? error.details : describeError(error);
        const backup = error instanceof StepFailure ? error.backup : undefined;
        const snapshots = error instanceof PartialStepFailure ? error.snapshots : undefined;
        result = {
          stepId: step.id, findingId: step.findingId, outcome: 'failed', detail: cancelled ? 'cancelled while acting' : describeError(error), error: text,
          ...(backup ? { backup } : {}), ...(snapshots && snapshots.length > 0 ? { snapshots } : {}),
        };
        after = 'unchanged or partly changed; see error';
        if (cancelled) {
          await this.options.audit.append(auditRecord(this.subject(plan, step), { phase: 'outcome', before, after, result: 'failed', detail: result.detail, error: text })).catch(() => undefined);
          throw error;
        }
      }
    }
    await this.recordOrStop(plan, step, result, before, after, true, results);
    return result;
  }

  private subject(plan: RepairPlan, step: PlanStep): AuditSubject {
    return stepSubject(step, { runId: this.runId, actor: this.options.actor, node: plan.node, access: this.options.access.description });
  }

  /** The outcome record; when it cannot be written the repair stops (the result so far goes with the error). */
  private async recordOrStop(plan: RepairPlan, step: PlanStep, result: StepResult, before: string, after: string, acted: boolean, results: readonly StepResult[]): Promise<void> {
    try {
      await this.options.audit.append(auditRecord(this.subject(plan, step), {
        phase: 'outcome', before, after, result: result.outcome, detail: result.detail, error: result.error, backup: result.backup, snapshots: result.snapshots,
      }));
    } catch (error) {
      this.options.onStep?.(step, result);
      throw new AuditWriteError(step.id, acted && result.outcome === 'done', error, [...results, result]);
    }
  }

  private async sandboxState(id: string): Promise<string | undefined> {
    try {
      return (await this.options.cri.podSandboxStatus(id, this.call)).state;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private async check(step: PlanStep): Promise<Check> {
    const a = step.action;
    if (this.options.runtimeSteps?.handles(a)) return this.options.runtimeSteps.check(step);
    switch (a.kind) {
      case 'remove-cache-file': {
        const file = await fileDigest(this.options.access, a.path, this.options.signal);
        if (file === 'gone') return { state: 'done', before: `${a.path} is already gone` };
        if (typeof file === 'string') return { state: 'changed', before: file };
        if (file.sha256 !== a.sha256) return { state: 'changed', before: `${a.path} changed since the plan (now ${file.data.length} bytes, ${classifyCacheBytes(file.data).state})` };
        return { state: 'ready', before: `${a.path}: ${file.data.length} bytes, ${a.state}, sha256 ${a.sha256}` };
      }
      case 'cni-del': {
        const file = await fileDigest(this.options.access, a.path, this.options.signal);
        if (file === 'gone') return { state: 'done', before: `${a.path} is already gone (network released earlier)` };
        if (typeof file === 'string') return { state: 'changed', before: file };
        if (file.sha256 !== a.sha256) return { state: 'changed', before: `${a.path} changed since the plan` };
        if (!a.dels) return { state: 'changed', before: `${a.path}: no DEL was planned (the file was not read when planning); plan again` };
        const state = await this.sandboxState(a.sandboxId);
        if (state !== undefined) return { state: 'changed', before: `sandbox ${a.sandboxId} exists again (${state})` };
        return { state: 'ready', before: `${a.path} present (sha256 ${a.sha256}); sandbox ${a.sandboxId} absent` };
      }
      case 'remove-sandbox': {
        const state = await this.sandboxState(a.sandboxId);
        if (state === undefined) return { state: 'done', before: `sandbox ${a.sandboxId} is already gone` };
        if (state === 'SANDBOX_READY') return { state: 'changed', before: `sandbox ${a.sandboxId} is Ready now` };
        return { state: 'ready', before: `sandbox ${a.sandboxId} ${state}` };
      }
      case 'force-stop-sandbox':
        return checkForceStop({ ...this.options, ...this.call }, a);
      case 'remove-container': {
        let containerState: string;
        try {
          containerState = (await this.options.cri.containerStatus(a.containerId, this.call)).state;
        } catch (error) {
          if (isNotFound(error)) return { state: 'done', before: `container ${a.containerId} is already gone` };
          throw error;
        }
        if (a.expect === 'sandbox-missing') {
          const state = await this.sandboxState(a.sandboxId);
          if (state !== undefined) return { state: 'changed', before: `sandbox ${a.sandboxId} exists (${state}): the container is no orphan` };
        } else if (containerState !== 'CONTAINER_EXITED') {
          return { state: 'changed', before: `container ${a.containerId} is ${containerState} now` };
        }
        return { state: 'ready', before: `container ${a.containerId} ${containerState}` };
      }
      default:
        throw new NodeDoctorError('internal', `A ${a.kind} step needs the Docker backend; this node was opened through CRI.`);
    }
  }

  /** True when no host-local reservation in `dir` names this container ID. */
  private async ipsReleased(dir: string, containerId: string): Promise<{ released: boolean; held: string[] }> {
    const { access, signal } = this.options;
    const held: string[] = [];
    for (const entry of (await access.listDir(dir, signal)) ?? []) {
      if (!entry.isFile || entry.size > 4096 || entry.name.startsWith('last_reserved_ip') || entry.name === 'lock') continue;
      try {
        const owner = (await access.readFile(entry.path, 4096, signal)).toString('utf8').split(/\r?\n/)[0].trim();
        if (owner === containerId) held.push(entry.name);
      } catch {
        // released while reading
      }
    }
    return { released: held.length === 0, held };
  }

  private async act(step: PlanStep): Promise<Outcome> {
    const { cri, access, signal } = this.options;
    const a = step.action;
    if (this.options.runtimeSteps?.handles(a)) {
      return this.options.runtimeSteps.act(step, { quarantine: (file, sha, backup) => quarantineFile(this.options.access, file, sha, backup, false, this.options.signal) });
    }
    switch (a.kind) {
      case 'remove-cache-file': {
        const backup = await quarantineFile(this.options.access, a.path, a.sha256, a.backupPath, a.released === true, this.options.signal);
        const leftover = await access.stat(a.path, signal);
        if (leftover) throw new StepFailure(`${a.path} is there again after it was moved to ${backup.quarantinePath}.`, backup);
        return {
          detail: `moved to ${backup.quarantinePath}`, after: `${a.path} gone; copy at ${backup.quarantinePath}`, backup,
          before: `${a.path}: ${backup.size} bytes, sha256 ${backup.sha256}`,
        };
      }
      case 'cni-del': {
        const dels = a.dels ?? [];
        // The recorded namespace only while it still exists (as shown in the plan's commands).
        const netns = a.netns && (await access.stat(a.netns, signal)) ? a.netns : '';
        const onNode = (p: string): string => (access.commandPath ? access.commandPath(p) : p);
        const ran: string[] = [];
        for (const del of dels) {
          const env = { ...del.env, CNI_NETNS: netns ? onNode(netns) : '', CNI_PATH: del.env.CNI_PATH.split(':').map(onNode).join(':') };
          const result = await access.run([onNode(del.binary)], { timeoutMs: this.call.timeoutMs, signal, env, stdin: Buffer.from(del.stdin) });
          if (result.exitCode !== 0) {
            const text = (result.stdout.toString('utf8').trim() || result.stderr.toString('utf8').trim()).slice(0, 2000);
            throw new NodeDoctorError('runtime-error', `CNI DEL of plugin ${del.type} exited ${result.exitCode}: ${text}`);
          }
          ran.push(`DEL ${del.type} ok`);
        }
        let after = `${ran.join(', ')}${netns ? '' : ' (netns gone: ran without it)'}`;
        const containerId = dels[0]?.env.CNI_CONTAINERID;
        if (a.hostLocalDir && containerId) {
          const check = await this.ipsReleased(a.hostLocalDir, containerId);
          if (!check.released) throw new NodeDoctorError('runtime-error', `host-local still holds ${check.held.join(', ')} for ${containerId} after DEL.`);
          after += `; no IP reserved for it in ${a.hostLocalDir}`;
        }
        return { detail: ran.join(', '), after };
      }
      case 'remove-sandbox': {
        await cri.stopPodSandbox(a.sandboxId, this.call);
        await cri.removePodSandbox(a.sandboxId, this.call);
        if ((await this.sandboxState(a.sandboxId)) !== undefined) throw new NodeDoctorError('runtime-error', `sandbox ${a.sandboxId} is still listed after removal.`);
        let after = `sandbox ${a.sandboxId} NOT_FOUND`;
        for (const dir of a.hostLocalDirs) {
          const check = await this.ipsReleased(dir, a.sandboxId);
          if (!check.released) throw new NodeDoctorError('runtime-error', `sandbox removed, but host-local still holds ${check.held.join(', ')} for it in ${dir}.`);
          after += `; no IP reserved in ${dir}`;
        }
        return { detail: 'stopped and removed', after };
      }
      case 'force-stop-sandbox':
        try {
          return await actForceStop({ cri, access, signal, timeoutMs: this.call.timeoutMs }, a);
        } catch (error) {
          // The re-check right before the kill (the shim's PID is another process now) refuses like the one before the step.
          if (error instanceof NodeDoctorError && error.reason === 'precondition-changed') throw new StepRefused(error.message, 'precondition-changed');
          throw error;
        }
      case 'remove-container': {
        await cri.stopContainer(a.containerId, 0, this.call);
        await cri.removeContainer(a.containerId, this.call);
        try {
          await cri.containerStatus(a.containerId, this.call);
        } catch (error) {
          if (isNotFound(error)) return { detail: 'stopped and removed', after: `container ${a.containerId} NOT_FOUND` };
          throw error;
        }
        throw new NodeDoctorError('runtime-error', `container ${a.containerId} is still there after removal.`);
      }
      default:
        throw new NodeDoctorError('internal', `A ${a.kind} step needs the Docker backend; this node was opened through CRI.`);
    }
  }
}
