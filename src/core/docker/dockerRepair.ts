import { createHash } from 'node:crypto';
import { NodeDoctorError } from '../errors';
import type { NodeAccess } from '../node/nodeAccess';
import { PartialStepFailure } from '../repair/executor';
import type { Check, Outcome, RuntimeSteps, StepTools } from '../repair/executor';
import type { ContainerSnapshot, PlanStep, StepAction } from '../repair/types';
import type { DockerApi, DockerCallOptions, DockerContainerInspect } from './dockerEngine';
import { isDockerNotFound } from './dockerEngine';
import { SANDBOX_ID_LABEL, containerState } from './dockershim';

const DOCKER_KINDS = new Set<StepAction['kind']>(['docker-remove-container', 'remove-checkpoint', 'docker-remove-sandbox']);
const MAX_CHECKPOINT_BYTES = 64 * 1024;

export interface DockerStepsOptions {
  readonly docker: DockerApi;
  readonly access: NodeAccess;
  readonly signal?: AbortSignal;
  /** Per Docker call (default 30 s; a stop waits its own timeout on top). */
  readonly timeoutMs?: number;
}

/** The Docker steps of a plan: re-checks through the Engine API and the node's files, then stop/remove and checkpoint backups. */
export class DockerSteps implements RuntimeSteps {
  constructor(private readonly options: DockerStepsOptions) {}

  private get call(): DockerCallOptions {
    return { signal: this.options.signal, timeoutMs: this.options.timeoutMs ?? 30_000 };
  }

  handles(action: StepAction): boolean {
    return DOCKER_KINDS.has(action.kind);
  }

  private async inspect(id: string): Promise<{ container: DockerContainerInspect; raw: string } | undefined> {
    try {
      return await this.options.docker.inspectContainer(id, this.call);
    } catch (error) {
      if (isDockerNotFound(error)) return undefined;
      throw error;
    }
  }

  private async digest(file: string): Promise<string | undefined> {
    const { access, signal } = this.options;
    if (!(await access.stat(file, signal))) return undefined;
    try {
      return createHash('sha256').update(await access.readFile(file, MAX_CHECKPOINT_BYTES, signal)).digest('hex');
    } catch (error) {
      if (error instanceof NodeDoctorError && error.reason === 'not-found') return undefined;
      throw error;
    }
  }

  /** Containers (any type) whose io.kubernetes.sandbox.id is `sandboxId`, by a server-side label filter. */
  private async referencing(sandboxId: string): Promise<{ id: string; state: string }[]> {
    const { containers } = await this.options.docker.listContainers({ labels: [`${SANDBOX_ID_LABEL}=${sandboxId}`] }, this.call);
    return containers.map((c) => ({ id: c.Id, state: c.State }));
  }

  async check(step: PlanStep): Promise<Check> {
    const a = step.action;
    switch (a.kind) {
      case 'docker-remove-container': {
        const found = await this.inspect(a.containerId);
        if (!found) return { state: 'done', before: `container ${a.containerId} is already gone` };
        const state = containerState(found.container.State.Status);
        const labelled = found.container.Config.Labels?.[SANDBOX_ID_LABEL] ?? '';
        if (labelled !== a.sandboxId) return { state: 'changed', before: `container ${a.containerId} now names sandbox ${labelled || '(none)'}` };
        if (state !== a.plannedState) return { state: 'changed', before: `container ${a.containerId} is ${state} now (planned: ${a.plannedState})` };
        if (a.expect === 'sandbox-missing') {
          const sandbox = await this.inspect(a.sandboxId);
          if (sandbox) return { state: 'changed', before: `a container with the sandbox's ID ${a.sandboxId} exists (${sandbox.container.State.Status}): no orphan` };
          const cp = `${a.checkpointDir.replace(/\/+$/, '')}/${a.sandboxId}`;
          if (await this.options.access.stat(cp, this.options.signal)) return { state: 'changed', before: `checkpoint ${cp} exists again: dockershim lists the sandbox, no orphan` };
        } else if (state !== 'CONTAINER_EXITED') {
          return { state: 'changed', before: `container ${a.containerId} is ${state} now` };
        }
        return {
          state: 'ready', before: `container ${a.containerId} ${state} (docker ${found.container.State.Status}, exit ${found.container.State.ExitCode})`,
          snapshots: [{ containerId: a.containerId, inspectJson: found.raw, restorable: false }],
        };
      }
      case 'remove-checkpoint': {
        const sha = await this.digest(a.path);
        if (sha === undefined) return { state: 'done', before: `${a.path} is already gone` };
        if (sha !== a.sha256) return { state: 'changed', before: `${a.path} changed since the plan` };
        const sandbox = await this.inspect(a.sandboxId);
        if (sandbox) return { state: 'changed', before: `the podsandbox container ${a.sandboxId} exists (${sandbox.container.State.Status})` };
        const users = await this.referencing(a.sandboxId);
        if (users.length > 0) return { state: 'changed', before: `${users.length} container(s) name sandbox ${a.sandboxId}: removing its checkpoint would orphan them` };
        return { state: 'ready', before: `${a.path} present; no container with or naming sandbox ${a.sandboxId}` };
      }
      case 'docker-remove-sandbox': {
        const sandbox = await this.inspect(a.sandboxId);
        if (sandbox?.container.State.Running) return { state: 'changed', before: `sandbox ${a.sandboxId} is running (Ready) now` };
        const users = await this.referencing(a.sandboxId);
        const live = users.filter((u) => u.state !== 'exited' && u.state !== 'created' && u.state !== 'dead');
        if (live.length > 0) return { state: 'changed', before: `container(s) ${live.map((u) => u.id.slice(0, 12)).join(', ')} of the sandbox are ${live[0].state}` };
        const sha = a.checkpoint ? await this.digest(a.checkpoint.path) : undefined;
        if (!sandbox && sha === undefined && users.length === 0) return { state: 'done', before: `sandbox ${a.sandboxId} is already gone` };
        if (sha !== undefined && a.checkpoint && sha !== a.checkpoint.sha256) return { state: 'changed', before: `${a.checkpoint.path} changed since the plan` };
        const snapshots: ContainerSnapshot[] = [];
        for (const id of [...users.map((u) => u.id).filter((id) => id !== a.sandboxId), ...(sandbox ? [a.sandboxId] : [])]) {
          const found = await this.inspect(id);
          if (found) snapshots.push({ containerId: id, inspectJson: found.raw, restorable: false });
        }
        return {
          state: 'ready',
          before: `sandbox ${a.sandboxId}: ${sandbox ? `container ${sandbox.container.State.Status}` : 'no container'}, ${users.length} exited container(s), ${sha ? 'checkpoint present' : 'no checkpoint'}`,
          snapshots,
        };
      }
      default:
        throw new NodeDoctorError('internal', `Not a Docker step: ${a.kind}`);
    }
  }

  /** Inspect (snapshot), stop when running, remove, verify gone. */
  private async removeContainer(id: string, stopTimeoutSeconds: number, snapshots: ContainerSnapshot[]): Promise<string> {
    const found = await this.inspect(id);
    if (!found) return `container ${id} NOT_FOUND (already gone)`;
    snapshots.push({ containerId: id, inspectJson: found.raw, restorable: false });
    let stopped = '';
    if (found.container.State.Running) {
      stopped = (await this.options.docker.stopContainer(id, stopTimeoutSeconds, this.call)) === 'stopped' ? `stopped (t=${stopTimeoutSeconds} s), ` : '';
    }
    await this.options.docker.removeContainer(id, this.call);
    if (await this.inspect(id)) throw new NodeDoctorError('runtime-error', `container ${id} is still there after removal.`);
    return `${stopped}removed container ${id} (inspect 404)`;
  }

  async act(step: PlanStep, tools: StepTools): Promise<Outcome> {
    const a = step.action;
    const snapshots: ContainerSnapshot[] = [];
    try {
      switch (a.kind) {
        case 'docker-remove-container': {
          const after = await this.removeContainer(a.containerId, a.stopTimeoutSeconds, snapshots);
          return { detail: `${after}; inspect JSON kept in this audit record (it cannot be put back)`, after, snapshots };
        }
        case 'remove-checkpoint': {
          const backup = await tools.quarantine(a.path, a.sha256, a.backupPath);
          return { detail: `moved to ${backup.quarantinePath}`, after: `${a.path} gone; copy at ${backup.quarantinePath}`, backup, before: `${a.path}: ${backup.size} bytes, sha256 ${backup.sha256}` };
        }
        case 'docker-remove-sandbox': {
          const done: string[] = [];
          for (const user of await this.referencing(a.sandboxId)) {
            if (user.id === a.sandboxId) continue;
            done.push(await this.removeContainer(user.id, 0, snapshots));
          }
          done.push(await this.removeContainer(a.sandboxId, 0, snapshots));
          let backup;
          if (a.checkpoint && (await this.digest(a.checkpoint.path)) !== undefined) {
            backup = await tools.quarantine(a.checkpoint.path, a.checkpoint.sha256, a.checkpoint.backupPath);
            done.push(`checkpoint ${a.checkpoint.path} gone; copy at ${backup.quarantinePath}`);
          }
          return { detail: `removed (${snapshots.length} container(s), inspect JSON kept in this audit record)`, after: done.join('; '), snapshots, ...(backup ? { backup } : {}) };
        }
        default:
          throw new NodeDoctorError('internal', `Not a Docker step: ${a.kind}`);
      }
    } catch (error) {
      if (snapshots.length > 0 && !(error instanceof NodeDoctorError && error.reason === 'cancelled')) {
        throw new PartialStepFailure(error instanceof Error ? error.message : String(error), snapshots, error);
      }
      throw error;
    }
  }
}
