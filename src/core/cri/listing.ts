import { throwIfAborted } from '../errors';
import { CriError, GrpcCode, isSendLimitError } from './criError';
import { account, boundReason, lookUp } from './idLookups';
import type { CallOptions, Container, ContainerState, CriRuntime, PodSandbox, SandboxState, SandboxStatus } from './types';

/**
 * Listing that survives a runtime refusing to send its list (`trying to send message larger than max`, containerd's
 * 16 MiB send cap), and that says whether what it got is provably everything. The strategy used is reported:
 *   stream       the runtime's streaming list (StreamPodSandboxes / StreamContainers, cri-api 1.36) answered
 *   single-list  one unfiltered List call answered
 *   by-state     one call per state answered
 *   by-label     a state was still too large; split by pod namespace label, then pod UID label (sandboxes)
 *   by-id        split by sandbox ID (containers), or IDs the node holds on disk that no answer contained were looked
 *                up one by one (PodSandboxStatus; ContainerStatus, or ListContainers filtered by `id` past a low cap)
 * Whatever answered, the IDs found on disk are compared with what was listed, and those missing are fetched one by one
 * (within a bound), so a sandbox created between the list and the disk scan, or a namespace no hint named, is not lost.
 */
export type ListStrategy = 'stream' | 'single-list' | 'by-state' | 'by-label' | 'by-id';

/**
 * Why a list is not proven complete:
 *   no-runtime-dir          a split list needed the runtime's own directories to prove it saw everything; none was found
 *   runtime-dir-unreadable  …one is there but could not be read
 *   part-too-large          a part was refused even at the finest split (one object over the send cap)
 *   lookup-bound            more IDs on disk were missing from the lists than the per-ID lookup bound allows
 *   lookup-failed           per-ID lookups failed (timeout, runtime error)
 */
export type IncompleteCode = 'no-runtime-dir' | 'runtime-dir-unreadable' | 'part-too-large' | 'lookup-bound' | 'lookup-failed';

export interface IncompleteReason {
  readonly code: IncompleteCode;
  /** One sentence, for people. */
  readonly message: string;
  /** How many objects or parts it concerns, when counted. */
  readonly count?: number;
}

/** Whether the streaming list was used: `used`, `unimplemented` (the runtime answered Unimplemented), `failed` (fell back), `absent` (the client has none). */
export type StreamUse = 'used' | 'unimplemented' | 'failed' | 'absent';

export interface Listed<T> {
  readonly items: T[];
  readonly strategy: ListStrategy;
  /** True only when proven: a whole answer, or every split part answered and cross-checked against the IDs on disk. */
  readonly complete: boolean;
  /** Empty when complete. */
  readonly reasons: IncompleteReason[];
  readonly notes: string[];
  readonly stream: StreamUse;
  /** IDs looked up one by one. */
  readonly lookups: number;
  /** IDs found on disk that the runtime does not know (leftover directories): not objects, not counted. */
  readonly unknownToRuntime: string[];
  /** The runtime's send cap as its refusal stated it (bytes), when it refused. */
  readonly sendCap?: number;
}

/** IDs the node holds on disk, and whether that set is known to be all of them. */
export interface DiskIds {
  readonly ids: Iterable<string>;
  /** IDs whose kind the disk does not say (CRI-O's storage): looked up as this kind only when not listed as the other. */
  readonly unclassified?: Iterable<string>;
  /** True when the runtime's directories were read: then every object the runtime holds has its ID in `ids`. */
  readonly known: boolean;
  /** Why the IDs on disk are not known, when they are not. */
  readonly unknownReason?: IncompleteReason;
}

/** Given now, or fetched only when needed (the single list that normally answers does not wait for the disk scan). */
export type Lazy<T> = T | (() => Promise<T>);

async function resolve<T>(source: Lazy<T> | undefined, fallback: T): Promise<T> {
  if (source === undefined) return fallback;
  return typeof source === 'function' ? (source as () => Promise<T>)() : source;
}

/** A pod's namespace and UID as known from elsewhere (pod log directories, the API, CNI cache files). */
export interface PodHint {
  readonly namespace: string;
  readonly uid: string;
}

/** What is known from elsewhere (disk, the Kubernetes API) that lets the lists be split server-side and cross-checked. */
export interface ListingHints {
  /** IDs on disk (the runtime's sandbox directories, CNI cache files). */
  readonly disk?: Lazy<DiskIds>;
  /** Sandbox IDs from disk, as a set known to be complete (shorthand for `disk` with `known: true`). */
  readonly sandboxIds?: Lazy<readonly string[]>;
  /** Pod namespaces and UIDs known from pod log directories, the API server or earlier answers. */
  readonly pods?: Lazy<readonly PodHint[]>;
  readonly namespaces?: readonly string[];
  readonly podUids?: readonly string[];
  /** Most IDs looked up one by one (default 5,000); past it the list is incomplete with the count. */
  readonly maxIdLookups?: number;
}

export const DEFAULT_MAX_ID_LOOKUPS = 5_000;
export const POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
export const POD_UID_LABEL = 'io.kubernetes.pod.uid';
const SANDBOX_STATES: readonly SandboxState[] = ['SANDBOX_READY', 'SANDBOX_NOTREADY'];
const CONTAINER_STATES: readonly ContainerState[] = ['CONTAINER_CREATED', 'CONTAINER_RUNNING', 'CONTAINER_EXITED', 'CONTAINER_UNKNOWN'];
const MAX_NAMESPACE_SPLIT = 256;

function dedupe<T extends { id: string }>(items: Iterable<T>): T[] {
  const byId = new Map<string, T>();
  for (const item of items) byId.set(item.id, item);
  return [...byId.values()];
}

/** Runs one filtered list; undefined when the runtime refused to send it too (other errors propagate). */
async function attempt<T>(list: () => Promise<T[]>, onRefused?: (error: CriError) => void): Promise<T[] | undefined> {
  try {
    return await list();
  } catch (error) {
    if (isSendLimitError(error)) {
      onRefused?.(error);
      return undefined;
    }
    throw error;
  }
}

/**
 * The streaming list when the client has it: the items, or undefined with the reason it was not used. Unimplemented
 * (runtimes before cri-api 1.36, containerd < 2.4) and a refused batch fall back to the unary calls; other errors
 * propagate like a failed unary call would.
 */
async function tryStream<T>(method: string, stream: (() => Promise<T[]>) | undefined, notes: string[]): Promise<{ items?: T[]; use: StreamUse }> {
  if (!stream) return { use: 'absent' };
  try {
    return { items: await stream(), use: 'used' };
  } catch (error) {
    if (error instanceof CriError && error.code === GrpcCode.UNIMPLEMENTED) {
      notes.push(`${method}: the runtime does not offer it (Unimplemented); unary list used`);
      return { use: 'unimplemented' };
    }
    if (isSendLimitError(error)) {
      notes.push(`${method} refused: ${error.details}; unary list used`);
      return { use: 'failed' };
    }
    throw error;
  }
}

function sandboxOfStatus(s: SandboxStatus): PodSandbox {
  return {
    id: s.id, name: s.name, uid: s.uid, namespace: s.namespace, attempt: s.attempt, state: s.state, createdAtMs: s.createdAtMs,
    labels: s.labels, annotations: s.annotations, runtimeHandler: s.runtimeHandler,
  };
}

async function diskOf(hints: ListingHints): Promise<DiskIds> {
  if (hints.disk !== undefined) return resolve(hints.disk, { ids: [], known: false });
  if (hints.sandboxIds !== undefined) return { ids: await resolve(hints.sandboxIds, []), known: true };
  return { ids: [], known: false };
}

const NO_DISK: IncompleteReason = {
  code: 'no-runtime-dir',
  message: 'the list had to be split and no sandbox IDs from the runtime\'s directories were available to prove nothing is missing',
};

/** Every pod sandbox: streamed or in one answer when the runtime sends it, otherwise split server-side; then cross-checked with disk. */
export async function listAllSandboxes(cri: CriRuntime, hints: ListingHints = {}, options: CallOptions = {}): Promise<Listed<PodSandbox>> {
  const notes: string[] = [];
  const reasons: IncompleteReason[] = [];
  const found: PodSandbox[] = [];
  let strategy: ListStrategy;
  let needsProof = false;
  const refusedParts: string[] = [];
  const streamed = await tryStream('StreamPodSandboxes', cri.streamPodSandboxes && (() => (cri.streamPodSandboxes as NonNullable<CriRuntime['streamPodSandboxes']>)(undefined, options)), notes);
  let refusal = '';
  let sendCap: number | undefined;
  const single = streamed.items ?? await attempt(() => cri.listPodSandbox(undefined, options), (e) => { refusal = e.details; sendCap = e.sizeLimit?.limit; });
  if (single) {
    found.push(...single);
    strategy = streamed.items ? 'stream' : 'single-list';
  } else {
    notes.push(`ListPodSandbox refused: ${refusal}; split by state`);
    const tooBig: SandboxState[] = [];
    for (const state of SANDBOX_STATES) {
      throwIfAborted(options.signal);
      const part = await attempt(() => cri.listPodSandbox({ state }, options));
      if (part) found.push(...part);
      else tooBig.push(state);
    }
    strategy = 'by-state';
    if (tooBig.length > 0) {
      strategy = 'by-label';
      needsProof = true; // a label split cannot know it saw every namespace
      notes.push(`too large even per state: ${tooBig.join(', ')}; split by the ${POD_NAMESPACE_LABEL} label`);
      const pods = await resolve(hints.pods, []);
      const disk = await diskOf(hints);
      const namespaces = new Set([...(hints.namespaces ?? []), ...pods.map((p) => p.namespace), ...found.map((s) => s.namespace)].filter(Boolean));
      // Each label-filtered list walks all of the runtime's sandboxes: with the IDs on disk known and very many
      // namespaces, looking the missing ones up by ID is cheaper than a list per namespace.
      const byNamespace = disk.known && namespaces.size > MAX_NAMESPACE_SPLIT ? [] : [...namespaces].sort();
      if (byNamespace.length < namespaces.size) notes.push(`${namespaces.size} namespaces known: sandboxes looked up by ID instead`);
      for (const state of tooBig) {
        for (const namespace of byNamespace) {
          throwIfAborted(options.signal);
          const part = await attempt(() => cri.listPodSandbox({ state, labelSelector: { [POD_NAMESPACE_LABEL]: namespace } }, options));
          if (part) { found.push(...part); continue; }
          if (disk.known) {
            // The IDs on disk are known: per-ID lookups (below) are exact and cost O(1) each in the runtime, where
            // every label-filtered list walks all of its sandboxes.
            notes.push(`${state} in namespace ${namespace} too large; its sandboxes are looked up by ID`);
            continue;
          }
          const uids = new Set([...pods.filter((p) => p.namespace === namespace).map((p) => p.uid), ...(hints.podUids ?? []), ...found.filter((s) => s.namespace === namespace).map((s) => s.uid)].filter(Boolean));
          notes.push(`${state} in namespace ${namespace} too large; split by the ${POD_UID_LABEL} label (${uids.size} UIDs known)`);
          for (const uid of uids) {
            throwIfAborted(options.signal);
            const byUid = await attempt(() => cri.listPodSandbox({ state, labelSelector: { [POD_NAMESPACE_LABEL]: namespace, [POD_UID_LABEL]: uid } }, options));
            if (byUid) found.push(...byUid);
            else refusedParts.push(`${state} of pod UID ${uid}`);
          }
          // Pods whose UID no source named stay unseen: only the disk could prove there are none.
          refusedParts.push(`${state} in namespace ${namespace} beyond the ${uids.size} known pod UIDs`);
        }
      }
    }
  }

  // Cross-check with what the node holds on disk.
  const disk = await diskOf(hints);
  if (needsProof && !disk.known) {
    reasons.push(disk.unknownReason ?? NO_DISK);
    if (refusedParts.length > 0) {
      reasons.push({ code: 'part-too-large', count: refusedParts.length, message: `${refusedParts.length} part${refusedParts.length === 1 ? '' : 's'} of the list could not be fetched by any split (${refusedParts.slice(0, 2).join('; ')}${refusedParts.length > 2 ? '; …' : ''})` });
    }
  }
  const known = new Set(found.map((s) => s.id));
  // IDs of unknown kind (CRI-O's storage holds infra and app containers alike) are looked up as sandboxes only when
  // a split list needs the proof; those the runtime does not know as sandboxes are containers, not leftovers.
  const unclassified = new Set(needsProof ? disk.unclassified ?? [] : []);
  const missing = [...new Set([...disk.ids, ...unclassified])].filter((id) => !known.has(id));
  const bound = Math.max(0, hints.maxIdLookups ?? DEFAULT_MAX_ID_LOOKUPS);
  const looked = await lookUp(missing.slice(0, bound), async (id) => sandboxOfStatus(await cri.podSandboxStatus(id, { ...options, verbose: false })), options.signal);
  const outcome = { ...looked, gone: looked.gone.filter((id) => !unclassified.has(id)) };
  found.push(...outcome.found);
  account('sandbox', outcome, reasons, notes);
  if (missing.length > bound) reasons.push(boundReason('sandbox', missing.length, bound));
  if (outcome.found.length > 0 && strategy !== 'stream' && strategy !== 'single-list') strategy = 'by-id';
  if (outcome.found.length > 0 && (strategy === 'stream' || strategy === 'single-list')) {
    notes.push(`${outcome.found.length} sandbox${outcome.found.length === 1 ? '' : 'es'} appeared after the list (found on disk, looked up)`);
  }
  return {
    items: dedupe(found), strategy, complete: reasons.length === 0, reasons, notes, stream: streamed.use,
    lookups: Math.min(missing.length, bound), unknownToRuntime: outcome.gone, ...(sendCap ? { sendCap } : {}),
  };
}

/**
 * Every container: streamed or in one answer when it fits, otherwise split by state, then by sandbox ID (the listed
 * sandboxes and those on disk); then container IDs on disk that no answer held are looked up one by one, which is how
 * orphans (their sandbox is gone) are found past the cap.
 */
export async function listAllContainers(cri: CriRuntime, sandboxIds: Lazy<readonly string[]>, options: CallOptions & { disk?: Lazy<DiskIds>; maxIdLookups?: number } = {}): Promise<Listed<Container>> {
  const notes: string[] = [];
  const reasons: IncompleteReason[] = [];
  const found: Container[] = [];
  let strategy: ListStrategy;
  let needsProof = false;
  const refusedParts: string[] = [];
  const call: CallOptions = { signal: options.signal, timeoutMs: options.timeoutMs };
  const streamed = await tryStream('StreamContainers', cri.streamContainers && (() => (cri.streamContainers as NonNullable<CriRuntime['streamContainers']>)(undefined, call)), notes);
  let refusal = '';
  let sendCap: number | undefined;
  const single = streamed.items ?? await attempt(() => cri.listContainers(undefined, call), (e) => { refusal = e.details; sendCap = e.sizeLimit?.limit; });
  const disk = (): Promise<DiskIds> => resolve(options.disk, { ids: [], known: false });
  if (single) {
    found.push(...single);
    strategy = streamed.items ? 'stream' : 'single-list';
  } else {
    notes.push(`ListContainers refused: ${refusal}; split by state`);
    const tooBig: ContainerState[] = [];
    for (const state of CONTAINER_STATES) {
      throwIfAborted(call.signal);
      const part = await attempt(() => cri.listContainers({ state }, call));
      if (part) found.push(...part);
      else tooBig.push(state);
    }
    strategy = 'by-state';
    if (tooBig.length > 0) {
      strategy = 'by-id';
      needsProof = true; // containers of a sandbox no source names (orphans) are not reached by a sandbox split
      // With the container IDs on disk known, each missing one is looked up by ID below: one call per container
      // instead of one per sandbox (most hold none), and exact. Otherwise split by the sandboxes that are known.
      const known = (await disk()).known;
      const ids = new Set(known ? [] : [...await resolve(sandboxIds, []), ...(await disk()).ids]);
      if (known) notes.push(`${tooBig.join(', ')} too large; containers on disk looked up by ID`);
      for (const state of tooBig) {
        for (const podSandboxId of ids) {
          throwIfAborted(call.signal);
          const part = await attempt(() => cri.listContainers({ state, podSandboxId }, call));
          if (part) found.push(...part);
          else refusedParts.push(`${state} containers of sandbox ${podSandboxId.slice(0, 13)}`);
        }
      }
      if (!known) notes.push(`split ${tooBig.join(', ')} by sandbox ID (${ids.size} listed or on disk)`);
    }
  }
  const onDisk = await disk();
  if (needsProof && !onDisk.known) reasons.push(onDisk.unknownReason ?? { ...NO_DISK, message: 'the container list had to be split and no container IDs from the runtime\'s directories were available: orphans may be missing' });
  if (refusedParts.length > 0 && !onDisk.known) {
    reasons.push({ code: 'part-too-large', count: refusedParts.length, message: `${refusedParts.length} part${refusedParts.length === 1 ? '' : 's'} of the container list could not be fetched (${refusedParts.slice(0, 2).join('; ')})` });
  }
  const known = new Set(found.map((c) => c.id));
  // IDs of unknown kind (CRI-O) that the sandbox list holds are sandboxes, not containers.
  const sandboxSet = new Set(await resolve(sandboxIds, []));
  const missing = [...new Set([...onDisk.ids, ...[...(onDisk.unclassified ?? [])].filter((id) => !sandboxSet.has(id))])].filter((id) => !known.has(id));
  const bound = Math.max(0, options.maxIdLookups ?? DEFAULT_MAX_ID_LOOKUPS);
  // ContainerStatus finds a container by ID in O(1) (every filtered ListContainers walks all of the runtime's
  // containers), but names its sandbox only in the verbose info, which holds the whole OCI spec (~10 KB) and can
  // itself pass a very low cap: then ListContainers filtered by that ID, one small answer with the sandbox ID.
  const outcome = await lookUp(missing.slice(0, bound), async (id): Promise<Container> => {
    try {
      const s = await cri.containerStatus(id, call);
      if (s.podSandboxId) {
        return {
          id: s.id, podSandboxId: s.podSandboxId, name: s.name, attempt: s.attempt, image: s.image, state: s.state, createdAtMs: s.createdAtMs,
          labels: s.labels, annotations: s.annotations,
        };
      }
    } catch (error) {
      if (!isSendLimitError(error)) throw error;
    }
    const [container] = await cri.listContainers({ id }, call);
    if (!container) throw new CriError('ListContainers', GrpcCode.NOT_FOUND, `container "${id}" not found`);
    return container;
  }, call.signal);
  found.push(...outcome.found);
  account('container', outcome, reasons, notes);
  if (missing.length > bound) reasons.push(boundReason('container', missing.length, bound));
  if (outcome.found.length > 0 && strategy !== 'stream' && strategy !== 'single-list') strategy = 'by-id';
  return {
    items: dedupe(found), strategy, complete: reasons.length === 0, reasons, notes, stream: streamed.use,
    lookups: Math.min(missing.length, bound), unknownToRuntime: outcome.gone, ...(sendCap ? { sendCap } : {}),
  };
}

