// "Force-stop stuck sandbox": a sandbox whose StopPodSandbox never finishes while it stays SANDBOX_READY (seed 003:
// gVisor, or a runtime that loses `kill`). Finds the sandbox's shim on the node, plans exactly which process would be
// killed (and what else it serves), and runs: Stop with a bounded deadline → (still Ready) re-check the shim → SIGKILL →
// Stop + Remove → verify NOT_FOUND and the shim gone.
import * as path from 'node:path';
import { isNotFound } from '../cri/criError';
import { socketPath } from '../cri/endpoints';
import type { CriRuntime } from '../cri/types';
import { describeError, NodeDoctorError } from '../errors';
import type { ContainerItem, Inventory, SandboxItem } from '../inventory/types';
import { shortId } from '../model/ids';
import type { NodeAccess } from '../node/nodeAccess';
import { DEFAULT_QUARANTINE_DIR, DEFAULT_RUNTIME_ENDPOINT } from '../node/nodePaths';
import { flagValue, shimIdOf } from '../node/processes';
import { shellLine, shellQuote } from '../model/shell';
import { crictl } from './shell';
import type { ProcessInfo } from '../node/processes';
import type { PlanStep, RepairPlan, ShimProcess, StepAction } from './types';
import { sleep } from '../model/sleep';

export const FORCE_STOP_REPAIR = 'force-stop-stuck-sandbox';
/** How long the first StopPodSandbox may take before the shim is killed (kubelet's own runtime request timeout is 2 min). */
export const DEFAULT_STOP_TIMEOUT_MS = 30_000;

type ForceStopAction = Extract<StepAction, { kind: 'force-stop-sandbox' }>;

/** The finding ID of a stuck sandbox (the same for a node finding, a log finding and a user's assertion). */
export function stuckFindingId(sandboxId: string): string {
  return `sandbox-stop-timeout:${sandboxId}`;
}

/** What the node's process table says about a sandbox's shim. */
export type ShimDiscovery =
  | { readonly kind: 'found'; readonly shim: ShimProcess; readonly children: readonly ProcessInfo[]; readonly where: string }
  | { readonly kind: 'none'; readonly where: string }
  | { readonly kind: 'ambiguous'; readonly shims: readonly ShimProcess[]; readonly where: string }
  /** The node's processes cannot be seen with this access (a bridge pod outside the host-pid profile). */
  | { readonly kind: 'hidden'; readonly reason: string };

/**
 * Pure: the shim of `sandboxId` among scanned processes: a containerd shim whose argv has `-id <sandboxId>`. With
 * several (two runtimes on one node), the one whose `-address` is the runtime socket's; still several: ambiguous.
 */
export function selectShim(processes: readonly ProcessInfo[], sandboxId: string, endpoint: string | undefined, where: string): ShimDiscovery {
  const candidates = processes.filter((p) => p.argv !== undefined && shimIdOf(p.argv) === sandboxId && p.state !== 'Z');
  let shims = candidates;
  if (shims.length > 1 && endpoint !== undefined) {
    const socket = socketPath(endpoint);
    const same = shims.filter((p) => flagValue(p.argv ?? [], 'address') === socket);
    if (same.length > 0) shims = same;
  }
  const identity = (p: ProcessInfo): ShimProcess => ({ pid: p.pid, startTime: p.startTime, argv: p.argv ?? [] });
  if (shims.length === 0) return { kind: 'none', where };
  if (shims.length > 1) return { kind: 'ambiguous', shims: shims.map(identity), where };
  const shim = shims[0];
  return { kind: 'found', shim: identity(shim), children: processes.filter((p) => p.ppid === shim.pid), where };
}

/** Scans the node's processes for the sandbox's shim (through the access's process view, if it has one). */
export async function discoverShim(access: NodeAccess, sandboxId: string, options: { endpoint?: string; signal?: AbortSignal } = {}): Promise<ShimDiscovery> {
  if (!access.processes) {
    return { kind: 'hidden', reason: `${access.description} cannot see the node's processes: the bridge's host-pid profile (privileged, host PID namespace) is needed to find and kill the shim` };
  }
  const processes = await access.processes.scan(sandboxId, options.signal);
  return selectShim(processes, sandboxId, options.endpoint, access.processes.description);
}

export interface ForceStopRequest {
  readonly sandboxId: string;
  /** Why the sandbox is meant to be gone: the finding's detail, a log line, or the user's own assertion. */
  readonly reason: string;
  /** Default `sandbox-stop-timeout:<id>`. */
  readonly findingId?: string;
  readonly stopTimeoutMs?: number;
  readonly nowMs?: number;
  /** The runtime endpoint of the plan's `crictl` lines (default: the inventory's). */
  readonly endpoint?: string;
  /** The plan's quarantine dir (this step backs nothing up; the plan records it like every plan). */
  readonly quarantineDir?: string;
}

/** `containerd-shim-runc-v2 -namespace k8s.io -id <id> -address …` for a plan (the argv as the kernel has it). */
export function argvText(argv: readonly string[]): string {
  return shellLine(argv);
}

function describeChildren(children: readonly ProcessInfo[]): string {
  // A child whose command line names the sandbox was scanned with its argv (runsc-sandbox, runsc-gofer: their comm is `exe`).
  return children.map((c) => `${c.pid} ${c.argv && c.argv.length > 0 ? path.posix.basename(c.argv[0]) : c.comm}`).join(', ');
}

function describeContainers(containers: readonly ContainerItem[]): string {
  return containers.map((c) => `${c.name} (${shortId(c.id)}, ${c.state.replace(/^CONTAINER_/, '')})`).join(', ');
}

/**
 * The manual commands that reproduce the step (shell-quoted): Stop with the deadline; if that fails, kill the PID only
 * while its command line is still the planned one; Stop again; Remove.
 */
export function forceStopManualCommand(endpoint: string, sandboxId: string, stopTimeoutMs: number, shim: ShimProcess | undefined): string {
  const seconds = Math.max(1, Math.ceil(stopTimeoutMs / 1000));
  const first = crictl(endpoint, '--timeout', `${seconds}s`, 'stopp', sandboxId);
  const remove = crictl(endpoint, 'rmp', sandboxId);
  if (!shim) return `${first} && ${remove}`;
  const expected = shellQuote(`${shim.argv.join(' ')} `);
  const kill = `test "$(tr '\\0' ' ' < /proc/${shim.pid}/cmdline)" = ${expected} && kill -KILL ${shim.pid} && sleep 1 && ${crictl(endpoint, 'stopp', sandboxId)}`;
  return `{ ${first} || { ${kill}; }; } && ${remove}`;
}

/**
 * The plan of "Force-stop stuck sandbox…" for one sandbox of the inventory: one step, and notes that say which process
 * would be killed, what else it serves, and what access that needs. Pure.
 */
export function planForceStop(inventory: Inventory, request: ForceStopRequest, discovery: ShimDiscovery): RepairPlan {
  const sandbox = inventory.sandboxes.find((s) => s.id === request.sandboxId);
  if (!sandbox) {
    throw new NodeDoctorError('not-found', `The runtime of ${inventory.node} lists no sandbox ${request.sandboxId}.`, { hint: 'It may be removed already; inspect the node again.' });
  }
  const stopTimeoutMs = request.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
  const endpoint = request.endpoint ?? (inventory.runtime.endpoint || DEFAULT_RUNTIME_ENDPOINT);
  const seconds = Math.round(stopTimeoutMs / 100) / 10;
  const findingId = request.findingId ?? stuckFindingId(sandbox.id);
  const pod = `${sandbox.namespace}/${sandbox.name}`;
  const containers = inventory.containers.filter((c) => c.sandboxId === sandbox.id);
  const notes: string[] = [`Why: ${request.reason}`];
  const shim = discovery.kind === 'found' ? discovery.shim : undefined;
  let killPart: string;
  switch (discovery.kind) {
    case 'found':
      killPart = `SIGKILL its shim PID ${shim?.pid}`;
      notes.push(
        `If the stop does not finish within ${seconds} s, PID ${discovery.shim.pid} is killed: ${argvText(discovery.shim.argv)} (start time ${discovery.shim.startTime} in ${discovery.where}), `
        + 'and only if that PID still has this start time and command line right before the kill.',
        `That shim serves ${containers.length === 0 ? 'no container besides the sandbox' : `the containers of this pod: ${describeContainers(containers)}`}`
        + `; its child processes: ${discovery.children.length === 0 ? 'none' : describeChildren(discovery.children)}. Killing it ends all of them.`,
      );
      break;
    case 'none':
      killPart = 'fail (no shim to kill was found)';
      notes.push(`No process with "-id ${sandbox.id}" runs on the node (${discovery.where}): if the stop does not finish, nothing is killed and the step fails.`);
      break;
    case 'ambiguous':
      killPart = 'fail (several shims claim it)';
      notes.push(`Several processes claim "-id ${sandbox.id}": ${discovery.shims.map((s) => `PID ${s.pid}`).join(', ')}. Nothing will be killed; look at them by hand.`);
      break;
    case 'hidden':
      killPart = 'SIGKILL its shim (found once the node\'s processes are visible)';
      notes.push(`Needs the node's processes: ${discovery.reason}. The bridge pod is recreated with the host-pid profile before this runs (you are asked first); the plan is made again then, naming the PID.`);
      break;
  }
  if (sandbox.state !== 'SANDBOX_READY') notes.push(`Sandbox ${shortId(sandbox.id)} is ${sandbox.state} now, not stuck Ready: the step stops and removes it without killing anything.`);
  const step: PlanStep = {
    id: '01-force-stop-sandbox',
    findingId,
    repair: FORCE_STOP_REPAIR,
    title: `Force-stop stuck sandbox ${shortId(sandbox.id)} (${pod}): StopPodSandbox with a ${seconds} s deadline; if it does not finish, ${killPart}, then stop and remove it`,
    risk: 'high',
    object: `sandbox ${sandbox.id}`,
    precondition: shim
      ? `the sandbox still exists; before the kill: still SANDBOX_READY, and PID ${shim.pid} still has start time ${shim.startTime} and the planned command line`
      : 'the sandbox still exists',
    manualCommand: forceStopManualCommand(endpoint, sandbox.id, stopTimeoutMs, shim),
    action: {
      kind: 'force-stop-sandbox', sandboxId: sandbox.id, stopTimeoutMs,
      ...(shim ? { shim } : {}), ...(discovery.kind === 'hidden' ? { needsHostProcesses: true } : {}),
    },
  };
  return {
    node: inventory.node, createdAt: new Date(request.nowMs ?? Date.now()).toISOString(), findingIds: [findingId],
    endpoint, quarantineDir: request.quarantineDir ?? DEFAULT_QUARANTINE_DIR, steps: [step], notes,
  };
}

/** The shims of the sandboxes that selected force-stop findings name (for `planRepairs`' `shims`). */
export async function discoverShimsFor(access: NodeAccess, inventory: Inventory, selection: readonly string[] | 'all', options: { endpoint?: string; signal?: AbortSignal } = {}): Promise<Map<string, ShimDiscovery>> {
  const wanted = new Set(selection === 'all' ? inventory.findings.map((f) => f.id) : selection);
  const ids = new Set(inventory.findings.filter((f) => wanted.has(f.id) && f.repair === FORCE_STOP_REPAIR && f.sandboxId).map((f) => f.sandboxId as string));
  const found = new Map<string, ShimDiscovery>();
  for (const id of ids) found.set(id, await discoverShim(access, id, { endpoint: options.endpoint ?? inventory.runtime.endpoint, signal: options.signal }));
  return found;
}

/** True when a plan has a force-stop step planned without sight of the node's processes (switch to host-pid first). */
export function needsHostProcesses(plan: RepairPlan): boolean {
  return plan.steps.some((s) => s.action.kind === 'force-stop-sandbox' && s.action.needsHostProcesses === true);
}

/**
 * A sandbox ID as the user gave it (`--stuck-sandbox`): 64 hex characters, or a prefix that exactly one sandbox the
 * runtime lists starts with.
 */
export function resolveSandboxId(sandboxes: readonly SandboxItem[], given: string): string {
  const id = given.trim().toLowerCase();
  if (!/^[0-9a-f]{1,64}$/.test(id)) {
    throw new NodeDoctorError('invalid-id', `"${given.slice(0, 80)}" is not a sandbox ID (hexadecimal, the full 64 characters or a unique prefix).`);
  }
  const matches = sandboxes.filter((s) => s.id.startsWith(id));
  if (matches.length === 1) return matches[0].id;
  if (matches.length === 0) {
    throw new NodeDoctorError('not-found', `The runtime lists no sandbox ${id.length === 64 ? id : `starting with ${id}`}.`, { hint: 'Run "kube-node-doctor inspect" for the sandboxes of this node.' });
  }
  throw new NodeDoctorError('invalid-id', `${matches.length} sandboxes start with ${id}: ${matches.slice(0, 5).map((s) => shortId(s.id)).join(', ')}${matches.length > 5 ? ', …' : ''}. Give more characters.`);
}

/** What the executor lends the step. */
export interface ForceStopContext {
  readonly cri: CriRuntime;
  readonly access: NodeAccess;
  readonly signal?: AbortSignal;
  /** Per CRI call after the kill. */
  readonly timeoutMs: number;
}

async function sandboxState(ctx: ForceStopContext, id: string): Promise<string | undefined> {
  try {
    return (await ctx.cri.podSandboxStatus(id, { signal: ctx.signal, timeoutMs: ctx.timeoutMs })).state;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Re-check before the step: already gone → done; a force-stop planned blind needs the node's processes now. */
export async function checkForceStop(ctx: ForceStopContext, a: ForceStopAction): Promise<{ state: 'ready' | 'done' | 'changed'; before: string }> {
  const state = await sandboxState(ctx, a.sandboxId);
  if (state === undefined) return { state: 'done', before: `sandbox ${a.sandboxId} is already gone` };
  if (a.needsHostProcesses || !a.shim) {
    if (state === 'SANDBOX_READY' && a.needsHostProcesses) {
      throw new NodeDoctorError('forbidden', `The plan for sandbox ${shortId(a.sandboxId)} was made without sight of the node's processes; plan again with the host-pid profile.`, {
        hint: 'Use the bridge\'s host-pid profile (--bridge-profile host-pid).',
      });
    }
    return { state: 'ready', before: `sandbox ${a.sandboxId} ${state}; no shim planned` };
  }
  return { state: 'ready', before: `sandbox ${a.sandboxId} ${state}; shim PID ${a.shim.pid} (start time ${a.shim.startTime}) planned` };
}

/** Polls until `done()` or the time is up; true when done. */
async function waitFor(done: () => Promise<boolean>, ms: number, signal?: AbortSignal): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (await done()) return true;
    if (Date.now() >= until) return false;
    await sleep(100, signal);
  }
}

/** Runs the step (see the file comment). Throws `precondition-changed` when the shim is another process now. */
export async function actForceStop(ctx: ForceStopContext, a: ForceStopAction): Promise<{ detail: string; after: string }> {
  const { cri, signal } = ctx;
  const call = { signal, timeoutMs: ctx.timeoutMs };
  let stopError: unknown;
  const started = Date.now();
  try {
    await cri.stopPodSandbox(a.sandboxId, { signal, timeoutMs: a.stopTimeoutMs });
  } catch (error) {
    if (error instanceof NodeDoctorError && error.reason === 'cancelled') throw error;
    stopError = error;
  }
  const parts: string[] = [];
  if (stopError === undefined) {
    parts.push(`StopPodSandbox finished in ${Date.now() - started} ms; no process was killed`);
  } else {
    parts.push(`StopPodSandbox did not finish (${describeError(stopError).slice(0, 300)})`);
    const state = await sandboxState(ctx, a.sandboxId);
    if (state === undefined) return { detail: `${parts[0]}; the sandbox is gone meanwhile`, after: `sandbox ${a.sandboxId} NOT_FOUND` };
    if (state === 'SANDBOX_READY') {
      if (!a.shim) throw new NodeDoctorError('runtime-error', `${parts[0]}, the sandbox is still SANDBOX_READY, and no shim was planned to be killed.`);
      const processes = ctx.access.processes;
      if (!processes) throw new NodeDoctorError('forbidden', `${ctx.access.description} cannot see the node's processes; nothing was killed.`, { hint: 'Use the bridge\'s host-pid profile.' });
      const shim = a.shim;
      const outcome = await processes.killIfSame(shim, signal);
      if (outcome.kind === 'changed') {
        throw new NodeDoctorError('precondition-changed', `${outcome.detail}; nothing was killed. The sandbox is still SANDBOX_READY: plan again.`);
      }
      parts.push(outcome.kind === 'killed' ? `SIGKILL sent to shim PID ${shim.pid}` : `shim PID ${shim.pid} had already exited`);
      const gone = await waitFor(async () => {
        const now = (await processes.scan(a.sandboxId, signal)).find((p) => p.pid === shim.pid);
        return now === undefined || now.startTime !== shim.startTime || now.state === 'Z';
      }, 5_000, signal);
      if (!gone) throw new NodeDoctorError('runtime-error', `${parts.join('; ')}, but PID ${shim.pid} is still running after 5 s.`);
      // containerd notices the dead shim, cleans the task up and marks the sandbox NotReady (within ~0.5 s here).
      await waitFor(async () => (await sandboxState(ctx, a.sandboxId)) !== 'SANDBOX_READY', 10_000, signal);
    } else {
      parts.push(`the sandbox is ${state} now: nothing was killed`);
    }
    await cri.stopPodSandbox(a.sandboxId, call);
  }
  await cri.removePodSandbox(a.sandboxId, call);
  if ((await sandboxState(ctx, a.sandboxId)) !== undefined) throw new NodeDoctorError('runtime-error', `sandbox ${a.sandboxId} is still listed after removal.`);
  let after = `sandbox ${a.sandboxId} NOT_FOUND`;
  if (a.shim && ctx.access.processes) {
    const shimPid = a.shim.pid;
    const left = (await ctx.access.processes.scan(a.sandboxId, signal)).find((p) => p.pid === shimPid && p.startTime === a.shim?.startTime && p.state !== 'Z');
    after += left ? `; shim PID ${shimPid} still running` : `; shim PID ${shimPid} gone`;
  }
  return { detail: `${parts.join('; ')}; stopped and removed`, after };
}
