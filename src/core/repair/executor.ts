import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { classifyCacheBytes } from '../cni/cacheFile';
import { buildCniDel } from '../cni/cniDel';
import { CriError, isNotFound } from '../cri/criError';
import type { CriRuntime } from '../cri/types';
import { describeError, NodeDoctorError, throwIfAborted } from '../errors';
import type { NodeAccess } from '../node/nodeAccess';
import type { AuditSink, Backup, ContainerSnapshot, PlanStep, RepairPlan, StepAction, StepOutcome, StepResult } from './types';

/** Steps a runtime other than CRI carries out itself (Docker), with the executor's re-check, backup and audit frame. */
export interface RuntimeSteps {
  handles(action: StepAction): boolean;
  check(step: PlanStep): Promise<Check>;
  act(step: PlanStep, tools: StepTools): Promise<Outcome>;
}

/** What the executor lends a runtime's steps. */
export interface StepTools {
  /** Copies the file into the quarantine dir (verified), then removes it. */
  backupAndRemove(file: string): Promise<Backup>;
}

export interface ExecuteOptions {
  readonly access: NodeAccess;
  readonly cri: CriRuntime;
  readonly audit: AuditSink;
  /** Node-absolute directory that receives a copy of every file before it is removed. */
  readonly quarantineDir: string;
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

const MAX_FILE_BYTES = 1024 * 1024;
const MAX_AUDIT_CONTENT = 64 * 1024;

export interface Check {
  readonly state: 'ready' | 'done' | 'changed';
  readonly before: string;
}

export interface Outcome {
  readonly detail: string;
  readonly after: string;
  readonly backup?: Backup;
  readonly snapshots?: readonly ContainerSnapshot[];
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Runs a plan step by step: re-check, back up, act, verify, audit. Safe to re-run: finished steps report `already-done`. */
export class RepairExecutor {
  constructor(private readonly options: ExecuteOptions) {}

  private get call(): { signal?: AbortSignal; timeoutMs: number } {
    return { signal: this.options.signal, timeoutMs: this.options.timeoutMs ?? 30_000 };
  }

  async execute(plan: RepairPlan): Promise<ExecutionReport> {
    const results: StepResult[] = [];
    const blocked = new Set<string>();
    const blockedSandboxes = new Set<string>();
    for (const step of plan.steps) {
      throwIfAborted(this.options.signal);
      let result: StepResult;
      const sandboxId = 'sandboxId' in step.action ? step.action.sandboxId : undefined;
      if (blocked.has(step.findingId) || (step.action.kind === 'remove-sandbox' && sandboxId !== undefined && blockedSandboxes.has(sandboxId))) {
        result = { stepId: step.id, findingId: step.findingId, outcome: 'skipped', detail: 'an earlier step of this finding did not complete' };
        await this.record(plan, step, result, '', '');
      } else {
        result = await this.runStep(plan, step);
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

  private async runStep(plan: RepairPlan, step: PlanStep): Promise<StepResult> {
    let check: Check;
    try {
      check = await this.check(step);
    } catch (error) {
      const result: StepResult = { stepId: step.id, findingId: step.findingId, outcome: 'failed', detail: `re-check failed: ${describeError(error)}`, error: describeError(error) };
      await this.record(plan, step, result, '', '');
      return result;
    }
    if (check.state !== 'ready') {
      const outcome: StepOutcome = check.state === 'done' ? 'already-done' : 'refused';
      const result: StepResult = {
        stepId: step.id, findingId: step.findingId, outcome, detail: check.before,
        ...(outcome === 'refused' ? { reason: 'precondition-changed' } : {}),
      };
      await this.record(plan, step, result, check.before, check.before);
      return result;
    }
    try {
      const done = await this.act(step);
      const result: StepResult = {
        stepId: step.id, findingId: step.findingId, outcome: 'done', detail: done.detail, ...(done.backup ? { backup: done.backup } : {}),
        ...(done.snapshots && done.snapshots.length > 0 ? { snapshots: done.snapshots } : {}),
      };
      await this.record(plan, step, result, check.before, done.after);
      return result;
    } catch (error) {
      if (error instanceof NodeDoctorError && error.reason === 'cancelled') throw error;
      const text = error instanceof CriError ? error.details : describeError(error);
      const backup = error instanceof StepFailure ? error.backup : undefined;
      const snapshots = error instanceof PartialStepFailure ? error.snapshots : undefined;
      const result: StepResult = {
        stepId: step.id, findingId: step.findingId, outcome: 'failed', detail: describeError(error), error: error instanceof PartialStepFailure && error.cause instanceof Error ? describeError(error.cause) : text,
        ...(backup ? { backup } : {}), ...(snapshots && snapshots.length > 0 ? { snapshots } : {}),
      };
      await this.record(plan, step, result, check.before, 'unchanged or partly changed; see error');
      return result;
    }
  }

  private async record(plan: RepairPlan, step: PlanStep, result: StepResult, before: string, after: string): Promise<void> {
    await this.options.audit.append({
      at: new Date().toISOString(),
      actor: this.options.actor,
      node: plan.node,
      access: this.options.access.description,
      stepId: step.id,
      findingId: step.findingId,
      repair: step.repair,
      action: step.action.kind,
      object: step.object,
      before,
      after,
      result: result.outcome,
      detail: result.detail,
      ...(result.error !== undefined ? { error: result.error } : {}),
      ...(result.backup ? { backup: result.backup } : {}),
      ...(result.snapshots ? { snapshots: result.snapshots } : {}),
    });
  }

  private async sandboxState(id: string): Promise<string | undefined> {
    try {
      return (await this.options.cri.podSandboxStatus(id, this.call)).state;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private async fileDigest(file: string): Promise<{ data: Buffer; sha256: string } | undefined> {
    const { access, signal } = this.options;
    if (!(await access.stat(file, signal))) return undefined;
    try {
      const data = await access.readFile(file, MAX_FILE_BYTES, signal);
      return { data, sha256: sha256(data) };
    } catch (error) {
      if (error instanceof NodeDoctorError && error.reason === 'not-found') return undefined;
      throw error;
    }
  }

  private async check(step: PlanStep): Promise<Check> {
    const a = step.action;
    if (this.options.runtimeSteps?.handles(a)) return this.options.runtimeSteps.check(step);
    switch (a.kind) {
      case 'remove-cache-file': {
        const file = await this.fileDigest(a.path);
        if (!file) return { state: 'done', before: `${a.path} is already gone` };
        if (file.sha256 !== a.sha256) return { state: 'changed', before: `${a.path} changed since the plan (now ${file.data.length} bytes, ${classifyCacheBytes(file.data).state})` };
        return { state: 'ready', before: `${a.path}: ${file.data.length} bytes, ${a.state}` };
      }
      case 'cni-del': {
        const file = await this.fileDigest(a.path);
        if (!file) return { state: 'done', before: `${a.path} is already gone (network released earlier)` };
        if (file.sha256 !== a.sha256) return { state: 'changed', before: `${a.path} changed since the plan` };
        const state = await this.sandboxState(a.sandboxId);
        if (state !== undefined) return { state: 'changed', before: `sandbox ${a.sandboxId} exists again (${state})` };
        return { state: 'ready', before: `${a.path} present; sandbox ${a.sandboxId} absent` };
      }
      case 'remove-sandbox': {
        const state = await this.sandboxState(a.sandboxId);
        if (state === undefined) return { state: 'done', before: `sandbox ${a.sandboxId} is already gone` };
        if (state === 'SANDBOX_READY') return { state: 'changed', before: `sandbox ${a.sandboxId} is Ready now` };
        return { state: 'ready', before: `sandbox ${a.sandboxId} ${state}` };
      }
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

  private async backupAndRemove(file: string): Promise<Backup> {
    const { access, signal, quarantineDir } = this.options;
    const data = await access.readFile(file, MAX_FILE_BYTES, signal);
    await access.makeDir(quarantineDir, 0o700, signal);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const target = path.posix.join(quarantineDir, `${stamp}-${path.posix.basename(file)}`);
    await access.writeFile(target, data, 0o600, signal);
    const copy = await access.readFile(target, MAX_FILE_BYTES, signal);
    if (sha256(copy) !== sha256(data)) {
      throw new NodeDoctorError('internal', `The backup ${target} does not match ${file}; the file was not removed.`);
    }
    const backup: Backup = {
      original: file, quarantinePath: target, size: data.length, sha256: sha256(data),
      contentBase64: data.subarray(0, MAX_AUDIT_CONTENT).toString('base64'), truncated: data.length > MAX_AUDIT_CONTENT,
    };
    await access.removeFile(file, signal);
    if (await access.stat(file, signal)) throw new StepFailure(`${file} is still there after removal.`, backup);
    return backup;
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
    if (this.options.runtimeSteps?.handles(a)) return this.options.runtimeSteps.act(step, { backupAndRemove: (file) => this.backupAndRemove(file) });
    switch (a.kind) {
      case 'remove-cache-file': {
        const backup = await this.backupAndRemove(a.path);
        return { detail: `backed up to ${backup.quarantinePath} and removed`, after: `${a.path} gone; copy at ${backup.quarantinePath}`, backup };
      }
      case 'cni-del': {
        const data = await access.readFile(a.path, MAX_FILE_BYTES, signal);
        const { content } = classifyCacheBytes(data);
        if (!content) throw new NodeDoctorError('bad-input', `${a.path} is not a readable cniCacheV1 file.`);
        const netnsRecorded = (content.result?.interfaces ?? []).map((i) => i.sandbox).find((s): s is string => typeof s === 'string' && s !== '') ?? '';
        const netns = netnsRecorded && (await access.stat(netnsRecorded, signal)) ? netnsRecorded : '';
        const dels = buildCniDel(content, { binDir: a.binDir, netns });
        if (dels.length === 0) throw new NodeDoctorError('bad-input', `${a.path} records no usable network configuration.`);
        const ran: string[] = [];
        for (const del of dels) {
          const result = await access.run([del.binary], { timeoutMs: this.call.timeoutMs, signal, env: del.env, stdin: Buffer.from(del.stdin) });
          if (result.exitCode !== 0) {
            const text = (result.stdout.toString('utf8').trim() || result.stderr.toString('utf8').trim()).slice(0, 2000);
            throw new NodeDoctorError('runtime-error', `CNI DEL of plugin ${del.type} exited ${result.exitCode}: ${text}`);
          }
          ran.push(`DEL ${del.type} ok`);
        }
        let after = `${ran.join(', ')}${netns ? '' : ' (netns gone: ran without it)'}`;
        if (a.hostLocalDir && content.containerId) {
          const check = await this.ipsReleased(a.hostLocalDir, content.containerId);
          if (!check.released) throw new NodeDoctorError('runtime-error', `host-local still holds ${check.held.join(', ')} for ${content.containerId} after DEL.`);
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
