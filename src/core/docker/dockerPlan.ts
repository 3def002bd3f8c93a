import * as path from 'node:path';
import type { CheckpointItem, Finding, Inventory } from '../inventory/types';
import { shortId } from '../model/ids';
import { shellLine, shellQuote } from '../model/shell';
import { backupName, planStamp } from '../repair/shell';
import type { PlanStep, RepairPlan, StepAction } from '../repair/types';
import { DEFAULT_DOCKER_ENDPOINT, DEFAULT_DOCKERSHIM_DIR, SANDBOX_ID_LABEL, checkpointDir } from './dockershim';

/** How long a running orphan gets to stop before dockerd kills it (`POST /containers/<id>/stop?t=N`). */
export const DOCKER_STOP_TIMEOUT_SECONDS = 10;

export const CONTAINER_NOT_RESTORABLE = 'A removed container cannot be put back: its full `docker inspect` JSON is written into the audit log before it is removed (the step\'s intent record) and again with its outcome, for the record, not for Undo; Undo restores only files (checkpoints, CNI cache files).';

/** The Docker commands a person would run for the same steps, against the plan's endpoint, every value shell-quoted. */
export function dockerCommands(endpoint: string): {
  docker(...args: string[]): string;
  noContainerFor(sandboxId: string): string;
  removeContainer(id: string, running: boolean): string;
  moveFile(file: string, sha256: string, quarantineDir: string, backupPath: string): string;
} {
  const docker = (...args: string[]): string => shellLine(['docker', '-H', endpoint, ...args]);
  return {
    docker,
    // The executor's re-check: no container has the sandbox's ID, none names it in io.kubernetes.sandbox.id.
    noContainerFor: (sandboxId) => `[ -z "$(${docker('ps', '-aq', '--filter', `id=${sandboxId}`)})" ] && [ -z "$(${docker('ps', '-aq', '--filter', `label=${SANDBOX_ID_LABEL}=${sandboxId}`)})" ]`,
    removeContainer: (id, running) => [docker('inspect', id), ...(running ? [docker('stop', '-t', String(DOCKER_STOP_TIMEOUT_SECONDS), id)] : []), docker('rm', id)].join(' && '),
    moveFile: (file, sha256, quarantineDir, backupPath) => [
      shellLine(['mkdir', '-p', '-m', '700', '--', quarantineDir]),
      `[ "$(sha256sum < ${shellQuote(file)})" = ${shellQuote(`${sha256}  -`)} ] && ${shellLine(['mv', '-n', '--', file, backupPath])}`,
    ].join('\n'),
  };
}

function isDocker(inventory: Inventory): boolean {
  return inventory.runtime.backend === 'docker';
}

type DockerAction = Extract<StepAction, { kind: 'docker-remove-container' | 'remove-checkpoint' | 'docker-remove-sandbox' }>;

interface Draft extends Omit<PlanStep, 'id'> {
  readonly action: StepAction;
}

function rank(action: StepAction): number {
  switch (action.kind) {
    case 'remove-cache-file':
    case 'cni-del': return 0;
    case 'remove-container':
    case 'docker-remove-container': return 1;
    case 'remove-checkpoint': return 2;
    default: return 3;
  }
}

/**
 * Turns a plan made for a CRI runtime into the same plan on Docker: container and sandbox steps act through the Docker
 * Engine API (with dockershim's semantics), the manual commands are Docker's, checkpoint findings get their steps.
 * Cache-file steps stay as they are. A plan of a CRI node is returned unchanged.
 */
export function adaptPlanToDocker(plan: RepairPlan, inventory: Inventory, chosen: readonly Finding[]): RepairPlan {
  if (!isDocker(inventory)) return plan;
  const dockershimDir = inventory.docker?.dockershimDir ?? DEFAULT_DOCKERSHIM_DIR;
  const cpDir = inventory.docker?.checkpointDir ?? checkpointDir(dockershimDir);
  // The Docker socket the inventory was read through (a plan's endpoint may name the CRI socket that did not answer).
  const endpoint = inventory.runtime.endpoint || DEFAULT_DOCKER_ENDPOINT;
  const cmd = dockerCommands(endpoint);
  const stamp = planStamp(plan.createdAt);
  const backupOf = (cp: CheckpointItem): string => path.posix.join(plan.quarantineDir, backupName(stamp, `checkpoint-${cp.sandboxId}`));
  const containers = new Map(inventory.containers.map((c) => [c.id, c]));
  const checkpoints = new Map((inventory.docker?.checkpoints ?? []).map((c) => [c.sandboxId, c]));
  const drafts: Draft[] = [];
  const notes = [...plan.notes];
  let touchesContainers = false;
  for (const step of plan.steps) {
    const a = step.action;
    if (a.kind === 'remove-container') {
      const c = containers.get(a.containerId);
      const state = c?.state ?? 'CONTAINER_UNKNOWN';
      const action: DockerAction = {
        kind: 'docker-remove-container', containerId: a.containerId, sandboxId: a.sandboxId, expect: a.expect, plannedState: state,
        stopTimeoutSeconds: DOCKER_STOP_TIMEOUT_SECONDS, checkpointDir: cpDir,
      };
      touchesContainers = true;
      drafts.push({
        ...step,
        title: `${step.title}; it cannot be put back (its inspect JSON goes into the audit)`,
        precondition: a.expect === 'sandbox-missing'
          ? `still ${state}, and still no podsandbox container or checkpoint ${shortId(a.sandboxId)}`
          : `still ${state}`,
        manualCommand: cmd.removeContainer(a.containerId, state === 'CONTAINER_RUNNING'),
        action,
      });
    } else if (a.kind === 'remove-sandbox') {
      const cp = checkpoints.get(a.sandboxId);
      const hasContainer = inventory.sandboxes.some((s) => s.id === a.sandboxId) && (cp === undefined || cp.hasContainer);
      const action: DockerAction = {
        kind: 'docker-remove-sandbox', sandboxId: a.sandboxId, ...(cp ? { checkpoint: { path: cp.path, sha256: cp.sha256, backupPath: backupOf(cp) } } : {}),
      };
      touchesContainers ||= hasContainer;
      // dockershim's RemovePodSandbox: the sandbox's (exited) containers, its podsandbox container, then the checkpoint.
      const users = inventory.containers.filter((c) => c.sandboxId === a.sandboxId).map((c) => c.id);
      const commands = [
        ...users.map((id) => cmd.docker('rm', id)),
        ...(hasContainer ? [cmd.docker('rm', a.sandboxId)] : []),
        ...(cp ? cmd.moveFile(cp.path, cp.sha256, plan.quarantineDir, backupOf(cp)).split('\n') : []),
      ];
      drafts.push({
        ...step,
        title: step.title.replace(/^Stop and remove/, 'Remove').concat(hasContainer ? '; its podsandbox container cannot be put back' : ' (checkpoint only)'),
        precondition: 'nothing of the sandbox runs; its checkpoint still holds the same bytes',
        manualCommand: commands.join(' &&\n') || cmd.docker('rm', a.sandboxId),
        action,
      });
    } else {
      drafts.push(step);
    }
  }
  const planned = new Set(plan.steps.map((s) => ('sandboxId' in s.action ? `${s.action.kind}:${s.action.sandboxId}` : '')));
  for (const f of chosen) {
    if (f.repair !== 'remove-stale-checkpoint' || !f.sandboxId) continue;
    const cp = checkpoints.get(f.sandboxId);
    if (!cp || planned.has(`remove-checkpoint:${cp.sandboxId}`) || planned.has(`docker-remove-sandbox:${cp.sandboxId}`)) continue;
    planned.add(`remove-checkpoint:${cp.sandboxId}`);
    drafts.push({
      findingId: f.id,
      repair: 'remove-stale-checkpoint',
      title: `Move the checkpoint of sandbox ${shortId(cp.sandboxId)}${cp.pod ? ` (${cp.pod})` : ''}, which has no container, into quarantine`,
      risk: 'low',
      object: cp.path,
      precondition: `the file still holds the same ${cp.size} bytes; no container has ID ${shortId(cp.sandboxId)} or names it as its sandbox`,
      manualCommand: `if ${cmd.noContainerFor(cp.sandboxId)}; then\n${cmd.moveFile(cp.path, cp.sha256, plan.quarantineDir, backupOf(cp))}\nfi`,
      action: { kind: 'remove-checkpoint', path: cp.path, sha256: cp.sha256, sandboxId: cp.sandboxId, backupPath: backupOf(cp) },
    });
  }
  if (touchesContainers) notes.push(CONTAINER_NOT_RESTORABLE);
  const ordered = drafts.map((d, i) => ({ d, i })).sort((x, y) => rank(x.d.action) - rank(y.d.action) || x.i - y.i).map((x) => x.d);
  const steps: PlanStep[] = ordered.map((d, i) => ({ ...d, id: `${String(i + 1).padStart(2, '0')}-${d.action.kind}` }));
  const findingIds = [...new Set([...plan.findingIds, ...chosen.map((f) => f.id)])];
  return { ...plan, endpoint, steps, notes, findingIds };
}
