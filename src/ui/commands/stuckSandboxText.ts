// The pure half of "Force-Stop Stuck Sandbox…": which log findings lead to it, and the texts of its two extra questions
// (the user's word that the pod is meant to be gone; switching the bridge to the host-pid profile). No vscode import.
import type { SandboxItem } from '../../core/inventory/types';
import type { BridgeProfile } from '../../core/bridge/podSpec';
import { shortId } from '../../core/model/ids';
import type { RepairPlan } from '../../core/repair/types';
import type { Confirmation } from './repairText';

/** A log finding (from the lens's arguments) about a sandbox stop that timed out. */
export interface StopTimeoutLogFinding {
  readonly category: 'sandbox-stop-timeout';
  readonly sandboxId?: string;
  readonly lines?: readonly number[];
  readonly reason?: string;
  readonly method?: string;
}

export function isStopTimeoutLogFinding(value: unknown): value is StopTimeoutLogFinding {
  return typeof value === 'object' && value !== null && (value as { category?: unknown }).category === 'sandbox-stop-timeout';
}

/** Why the pod is meant to be gone, from the log: kubelet tried to stop its sandbox and the stop timed out. */
export function reasonFromLog(finding: StopTimeoutLogFinding): string {
  const where = finding.lines && finding.lines.length > 0 ? ` (log line ${finding.lines[0]})` : '';
  return `the log shows kubelet's ${finding.method ?? 'StopPodSandbox'} of this sandbox failing with "${finding.reason ?? 'context deadline exceeded'}"${where}: kubelet is stopping the pod.`;
}

/** When no finding says the pod is gone: the user's word, asked for before anything is looked up on the node. */
export function assertionConfirmation(sandbox: SandboxItem, node: string): Confirmation {
  return {
    message: `Force-stop sandbox ${shortId(sandbox.id)} (${sandbox.namespace}/${sandbox.name}) on ${node}?`,
    detail: [
      `Nothing on ${node} says this pod is meant to be gone: no deleted pod in the API and no stop timeout in a log names it.`,
      'Go on only if the pod is deleted or Terminating and its sandbox\'s stop hangs (SANDBOX_READY).',
      '',
      'Next, its shim is looked for on the node and the plan (which process would be killed, and what else it serves) is shown before anything runs.',
    ].join('\n'),
    button: 'The Pod Is Meant to Be Gone',
  };
}

/** Before a force-stop through a bridge that cannot see the node's processes: switch it to the host-pid profile? */
export function hostPidConfirmation(plan: RepairPlan, node: string, current: BridgeProfile): Confirmation {
  const sandboxes = plan.steps.filter((s) => s.action.kind === 'force-stop-sandbox').map((s) => s.object.replace(/^sandbox /, '')).map(shortId);
  return {
    message: `Force-stopping ${sandboxes.length === 1 ? `sandbox ${sandboxes[0]}` : `${sandboxes.length} sandboxes`} on ${node} needs the bridge's host-pid profile. Switch to it?`,
    detail: [
      `The bridge pod (${current} profile) cannot see the node's processes, so it cannot find the sandbox's shim nor kill it.`,
      'The host-pid profile runs the bridge pod privileged, in the node\'s PID namespace (hostPID). Switching deletes the current bridge pod and creates one with that profile, for this context, until VS Code restarts.',
      '',
      'Nothing is killed yet: the node is inspected again through the new pod and the plan, naming the process, is shown for confirmation.',
    ].join('\n'),
    button: 'Switch to Host-PID Profile',
  };
}
