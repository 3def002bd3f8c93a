import type { Finding, Inventory } from '../inventory/types';
import { shortId } from '../model/ids';
import { DEFAULT_QUARANTINE_DIR } from '../node/nodePaths';
import type { PlanStep, RepairPlan, StepAction } from '../repair/types';
import { DEFAULT_DOCKERSHIM_DIR, SANDBOX_ID_LABEL, checkpointDir } from './dockershim';

/** How long a running orphan gets to stop before dockerd kills it (`POST /containers/<id>/stop?t=N`). */
export const DOCKER_STOP_TIMEOUT_SECONDS = 10;

export const CONTAINER_NOT_RESTORABLE = 'A removed container cannot be put back: its full `docker inspect` JSON is written into the audit record before removal (for the record, not for Undo); Undo restores only files (checkpoints, CNI cache files).';

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** POSIX shell quoting: bare when safe, else single quotes with `'\''` for each quote. */
export function shellQuote(word: string): string {
  return word !== '' && SAFE.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function shellCommand(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/** The Docker commands a person would run for the same steps. */
export const dockerCommands = {
  listBySandbox: (sandboxId: string): string => shellCommand(['docker', 'ps', '-a', '--filter', `label=${SANDBOX_ID_LABEL}=${sandboxId}`]),
  removeContainer: (id: string, running: boolean): string => [
    shellCommand(['docker', 'inspect', id]),
    ...(running ? [shellCommand(['docker', 'stop', '-t', String(DOCKER_STOP_TIMEOUT_SECONDS), id])] : []),
    shellCommand(['docker', 'rm', id]),
  ].join(' && '),
  removeFile: (path: string, quarantineDir = DEFAULT_QUARANTINE_DIR): string => `${shellCommand(['cp', '-p', path, `${quarantineDir}/`])} && ${shellCommand(['rm', path])}`,
};

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
        manualCommand: dockerCommands.removeContainer(a.containerId, state === 'CONTAINER_RUNNING'),
        action,
      });
    } else if (a.kind === 'remove-sandbox') {
      const cp = checkpoints.get(a.sandboxId);
      const hasContainer = inventory.sandboxes.some((s) => s.id === a.sandboxId) && (cp === undefined || cp.hasContainer);
      const action: DockerAction = { kind: 'docker-remove-sandbox', sandboxId: a.sandboxId, ...(cp ? { checkpointPath: cp.path, checkpointSha256: cp.sha256 } : {}) };
      touchesContainers ||= hasContainer;
      const commands = [
        ...(hasContainer ? [shellCommand(['docker', 'rm', a.sandboxId])] : []),
        ...(cp ? [dockerCommands.removeFile(cp.path)] : []),
      ];
      drafts.push({
        ...step,
        title: step.title.replace(/^Stop and remove/, 'Remove').concat(hasContainer ? '; its podsandbox container cannot be put back' : ' (checkpoint only)'),
        precondition: 'nothing of the sandbox runs; its checkpoint still holds the same bytes',
        manualCommand: commands.join(' && ') || shellCommand(['docker', 'rm', a.sandboxId]),
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
      title: `Back up and remove the checkpoint of sandbox ${shortId(cp.sandboxId)}${cp.pod ? ` (${cp.pod})` : ''}, which has no container`,
      risk: 'low',
      object: cp.path,
      precondition: `the file still holds the same ${cp.size} bytes; no container has ID ${shortId(cp.sandboxId)} or names it as its sandbox (${dockerCommands.listBySandbox(cp.sandboxId)} lists nothing)`,
      manualCommand: dockerCommands.removeFile(cp.path),
      action: { kind: 'remove-checkpoint', path: cp.path, sha256: cp.sha256, sandboxId: cp.sandboxId },
    });
  }
  if (touchesContainers) notes.push(CONTAINER_NOT_RESTORABLE);
  const ordered = drafts.map((d, i) => ({ d, i })).sort((x, y) => rank(x.d.action) - rank(y.d.action) || x.i - y.i).map((x) => x.d);
  const steps: PlanStep[] = ordered.map((d, i) => ({ ...d, id: `${String(i + 1).padStart(2, '0')}-${d.action.kind}` }));
  const findingIds = [...new Set([...plan.findingIds, ...chosen.map((f) => f.id)])];
  return { ...plan, steps, notes, findingIds };
}
