import { throwIfAborted } from '../errors';
import { isNotFound, isSendLimitError } from './criError';
import type { CallOptions, Container, ContainerState, CriRuntime, PodSandbox, SandboxState } from './types';

/**
 * Listing that survives a runtime refusing to send its list (`trying to send message larger than max`, containerd's
 * 16 MiB send cap): the same objects are fetched in smaller answers with SERVER-side filters, never by fetching more
 * and filtering here. The strategy used is reported so the user knows how the inventory was obtained.
 */
export type ListStrategy = 'single-list' | 'by-state' | 'by-label' | 'by-id';

export interface Listed<T> {
  readonly items: T[];
  readonly strategy: ListStrategy;
  readonly notes: string[];
}

/** What is known from elsewhere (disk, the Kubernetes API) that lets the lists be split server-side. */
export interface ListingHints {
  /** Sandbox IDs found on disk (CNI cache files, the runtime's sandbox directories). */
  readonly sandboxIds?: readonly string[];
  /** Pod namespaces known from the API server or from earlier answers. */
  readonly namespaces?: readonly string[];
}

const SANDBOX_STATES: readonly SandboxState[] = ['SANDBOX_READY', 'SANDBOX_NOTREADY'];
const CONTAINER_STATES: readonly ContainerState[] = ['CONTAINER_CREATED', 'CONTAINER_RUNNING', 'CONTAINER_EXITED', 'CONTAINER_UNKNOWN'];
const NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';

function dedupe<T extends { id: string }>(items: Iterable<T>): T[] {
  const byId = new Map<string, T>();
  for (const item of items) byId.set(item.id, item);
  return [...byId.values()];
}

/** Every pod sandbox, in one answer when it fits, otherwise split by state, then by namespace label, then by ID. */
export async function listAllSandboxes(cri: CriRuntime, hints: ListingHints = {}, options: CallOptions = {}): Promise<Listed<PodSandbox>> {
  try {
    return { items: await cri.listPodSandbox(undefined, options), strategy: 'single-list', notes: [] };
  } catch (error) {
    if (!isSendLimitError(error)) throw error;
    const notes = [`ListPodSandbox refused: ${error.details}`];
    const found: PodSandbox[] = [];
    const tooBig: SandboxState[] = [];
    for (const state of SANDBOX_STATES) {
      throwIfAborted(options.signal);
      try {
        found.push(...await cri.listPodSandbox({ state }, options));
      } catch (inner) {
        if (!isSendLimitError(inner)) throw inner;
        tooBig.push(state);
        notes.push(`ListPodSandbox(state=${state}) refused as well`);
      }
    }
    if (tooBig.length === 0) return { items: dedupe(found), strategy: 'by-state', notes };

    const namespaces = new Set([...(hints.namespaces ?? []), ...found.map((s) => s.namespace).filter(Boolean)]);
    let labelComplete = namespaces.size > 0;
    for (const state of tooBig) {
      for (const namespace of namespaces) {
        throwIfAborted(options.signal);
        try {
          found.push(...await cri.listPodSandbox({ state, labelSelector: { [NAMESPACE_LABEL]: namespace } }, options));
        } catch (inner) {
          if (!isSendLimitError(inner)) throw inner;
          labelComplete = false;
          notes.push(`ListPodSandbox(state=${state}, namespace=${namespace}) refused as well`);
        }
      }
    }
    // A namespace label split cannot prove it saw every namespace; per-ID lookups of what is on disk close the gap.
    const ids = hints.sandboxIds ?? [];
    if (ids.length === 0) {
      notes.push(labelComplete ? 'split by namespace label; sandboxes of namespaces not seen elsewhere may be missing'
        : 'incomplete: no sandbox IDs from disk to look up one by one');
      return { items: dedupe(found), strategy: 'by-label', notes };
    }
    const known = new Set(found.map((s) => s.id));
    let lookedUp = 0;
    for (const id of ids) {
      if (known.has(id)) continue;
      throwIfAborted(options.signal);
      found.push(...await cri.listPodSandbox({ id }, options));
      lookedUp += 1;
    }
    notes.push(`looked up ${lookedUp} sandbox IDs from disk one by one`);
    return { items: dedupe(found), strategy: 'by-id', notes };
  }
}

/** Every container, in one answer when it fits, otherwise split by state, then by sandbox. */
export async function listAllContainers(cri: CriRuntime, sandboxIds: readonly string[], options: CallOptions = {}): Promise<Listed<Container>> {
  try {
    return { items: await cri.listContainers(undefined, options), strategy: 'single-list', notes: [] };
  } catch (error) {
    if (!isSendLimitError(error)) throw error;
    const notes = [`ListContainers refused: ${error.details}`];
    const found: Container[] = [];
    const tooBig: ContainerState[] = [];
    for (const state of CONTAINER_STATES) {
      throwIfAborted(options.signal);
      try {
        found.push(...await cri.listContainers({ state }, options));
      } catch (inner) {
        if (!isSendLimitError(inner)) throw inner;
        tooBig.push(state);
        notes.push(`ListContainers(state=${state}) refused as well`);
      }
    }
    if (tooBig.length === 0) return { items: dedupe(found), strategy: 'by-state', notes };
    for (const state of tooBig) {
      for (const podSandboxId of sandboxIds) {
        throwIfAborted(options.signal);
        found.push(...await cri.listContainers({ state, podSandboxId }, options));
      }
    }
    notes.push(`split ${tooBig.join(', ')} by sandbox; containers of sandboxes the runtime no longer lists are not reachable this way`);
    return { items: dedupe(found), strategy: 'by-id', notes };
  }
}

/** PodSandboxStatus, or undefined when the runtime says the sandbox does not exist. */
export async function sandboxStatusOrUndefined(cri: CriRuntime, id: string, options?: CallOptions): Promise<Awaited<ReturnType<CriRuntime['podSandboxStatus']>> | undefined> {
  try {
    return await cri.podSandboxStatus(id, options);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
