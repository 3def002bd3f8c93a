import { throwIfAborted } from '../errors';
import { isNotFound, isSendLimitError } from './criError';
import type { CallOptions, Container, ContainerState, CriRuntime, PodSandbox, SandboxState, SandboxStatus } from './types';

/**
 * Listing that survives a runtime refusing to send its list (`trying to send message larger than max`, containerd's
 * 16 MiB send cap): the same objects are fetched in smaller answers with SERVER-side filters, never by fetching more
 * and filtering here. The strategy used is reported so the user knows how the inventory was obtained.
 *   single-list  one unfiltered List call answered
 *   by-state     one call per state answered
 *   by-label     a state was still too large; split by pod namespace label, then by pod UID label
 *   by-id        sandbox IDs found on disk that no answer contained were looked up one by one
 */
export type ListStrategy = 'single-list' | 'by-state' | 'by-label' | 'by-id';

export interface Listed<T> {
  readonly items: T[];
  readonly strategy: ListStrategy;
  /** False when some part of the list could not be fetched by any server-side split (the notes say which). */
  readonly complete: boolean;
  readonly notes: string[];
}

/**
 * IDs given now, or fetched only when a split needs them: the single List call that normally answers then does not
 * wait for the disk scan (or the sandbox list) that produces them.
 */
export type IdSource = readonly string[] | (() => Promise<readonly string[]>);

async function idsOf(source: IdSource | undefined): Promise<readonly string[]> {
  if (source === undefined) return [];
  return typeof source === 'function' ? source() : source;
}

/** What is known from elsewhere (disk, the Kubernetes API) that lets the lists be split server-side. */
export interface ListingHints {
  /** Sandbox IDs found on disk (CNI cache files, the runtime's sandbox directories). */
  readonly sandboxIds?: IdSource;
  /** Pod namespaces known from the API server or from earlier answers. */
  readonly namespaces?: readonly string[];
  /** Pod UIDs known from the API server or from CNI cache files (`K8S_POD_UID`). */
  readonly podUids?: readonly string[];
}

export const POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
export const POD_UID_LABEL = 'io.kubernetes.pod.uid';
const SANDBOX_STATES: readonly SandboxState[] = ['SANDBOX_READY', 'SANDBOX_NOTREADY'];
const CONTAINER_STATES: readonly ContainerState[] = ['CONTAINER_CREATED', 'CONTAINER_RUNNING', 'CONTAINER_EXITED', 'CONTAINER_UNKNOWN'];

function dedupe<T extends { id: string }>(items: Iterable<T>): T[] {
  const byId = new Map<string, T>();
  for (const item of items) byId.set(item.id, item);
  return [...byId.values()];
}

/** Runs one filtered list; undefined when the runtime refused to send it too (other errors propagate). */
async function attempt<T>(list: () => Promise<T[]>): Promise<T[] | undefined> {
  try {
    return await list();
  } catch (error) {
    if (isSendLimitError(error)) return undefined;
    throw error;
  }
}

/** Every pod sandbox: in one answer when it fits, otherwise split by state, by namespace and pod UID labels, by ID. */
export async function listAllSandboxes(cri: CriRuntime, hints: ListingHints = {}, options: CallOptions = {}): Promise<Listed<PodSandbox>> {
  let refused: unknown;
  try {
    return { items: await cri.listPodSandbox(undefined, options), strategy: 'single-list', complete: true, notes: [] };
  } catch (error) {
    if (!isSendLimitError(error)) throw error;
    refused = error;
  }
  const notes = [`ListPodSandbox refused: ${isSendLimitError(refused) ? refused.details : ''}`];
  const found: PodSandbox[] = [];
  const tooBig: SandboxState[] = [];
  for (const state of SANDBOX_STATES) {
    throwIfAborted(options.signal);
    const part = await attempt(() => cri.listPodSandbox({ state }, options));
    if (part) found.push(...part);
    else tooBig.push(state);
  }
  if (tooBig.length === 0) return { items: dedupe(found), strategy: 'by-state', complete: true, notes };
  notes.push(`too large even per state: ${tooBig.join(', ')}; splitting by the ${POD_NAMESPACE_LABEL} label`);

  let complete = true;
  const namespaces = new Set([...(hints.namespaces ?? []), ...found.map((s) => s.namespace).filter(Boolean)]);
  const uids = new Set([...(hints.podUids ?? []), ...found.map((s) => s.uid).filter(Boolean)]);
  for (const state of tooBig) {
    for (const namespace of namespaces) {
      throwIfAborted(options.signal);
      const part = await attempt(() => cri.listPodSandbox({ state, labelSelector: { [POD_NAMESPACE_LABEL]: namespace } }, options));
      if (part) {
        found.push(...part);
        continue;
      }
      notes.push(`${state} in namespace ${namespace} too large; splitting by the ${POD_UID_LABEL} label`);
      for (const uid of uids) {
        throwIfAborted(options.signal);
        const byUid = await attempt(() => cri.listPodSandbox({ state, labelSelector: { [POD_NAMESPACE_LABEL]: namespace, [POD_UID_LABEL]: uid } }, options));
        if (byUid) found.push(...byUid);
        else { complete = false; notes.push(`${state} of pod UID ${uid} is too large to send`); }
      }
    }
  }

  // A label split cannot prove it saw every namespace; per-ID lookups of what is on disk close the gap.
  const known = new Set(found.map((s) => s.id));
  const diskIds = await idsOf(hints.sandboxIds);
  const unseen = diskIds.filter((id) => !known.has(id));
  let lookedUp = 0;
  for (const id of unseen) {
    throwIfAborted(options.signal);
    const part = await attempt(() => cri.listPodSandbox({ id }, options));
    lookedUp += 1;
    if (part) found.push(...part);
    else { complete = false; notes.push(`sandbox ${id} is too large to send on its own`); }
  }
  if (lookedUp > 0) notes.push(`looked up ${lookedUp} sandbox IDs found on disk one by one`);
  if (diskIds.length === 0) {
    notes.push('no sandbox IDs from disk to cross-check: sandboxes of namespaces seen nowhere else may be missing');
    complete = false;
  }
  return { items: dedupe(found), strategy: lookedUp > 0 ? 'by-id' : 'by-label', complete, notes };
}

/** Every container: in one answer when it fits, otherwise split by state, then by sandbox ID (server-side filters). */
export async function listAllContainers(cri: CriRuntime, sandboxIds: IdSource, options: CallOptions = {}): Promise<Listed<Container>> {
  let refused: unknown;
  try {
    return { items: await cri.listContainers(undefined, options), strategy: 'single-list', complete: true, notes: [] };
  } catch (error) {
    if (!isSendLimitError(error)) throw error;
    refused = error;
  }
  const notes = [`ListContainers refused: ${isSendLimitError(refused) ? refused.details : ''}`];
  const found: Container[] = [];
  const tooBig: ContainerState[] = [];
  for (const state of CONTAINER_STATES) {
    throwIfAborted(options.signal);
    const part = await attempt(() => cri.listContainers({ state }, options));
    if (part) found.push(...part);
    else tooBig.push(state);
  }
  if (tooBig.length === 0) return { items: dedupe(found), strategy: 'by-state', complete: true, notes };
  let complete = true;
  const ids = await idsOf(sandboxIds);
  for (const state of tooBig) {
    for (const podSandboxId of ids) {
      throwIfAborted(options.signal);
      const part = await attempt(() => cri.listContainers({ state, podSandboxId }, options));
      if (part) found.push(...part);
      else { complete = false; notes.push(`${state} containers of sandbox ${podSandboxId} are too large to send`); }
    }
  }
  notes.push(`split ${tooBig.join(', ')} by sandbox ID; containers of sandboxes not in the given list (orphans) are not reachable this way`);
  return { items: dedupe(found), strategy: 'by-id', complete, notes };
}

/** PodSandboxStatus, or undefined when the runtime says the sandbox does not exist. */
export async function sandboxStatusOrUndefined(cri: CriRuntime, id: string, options?: CallOptions): Promise<SandboxStatus | undefined> {
  try {
    return await cri.podSandboxStatus(id, options);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
