/**
 * libcni's result cache files: `<cacheDir>/results/<network>-<64-hex container ID>-<ifname>`, written on ADD and
 * read back on DEL (for cniVersion >= 0.4.0) to hand the plugins their `prevResult`. An empty or corrupt file makes
 * every DEL fail, which is the stuck-sandbox problem this tool exists for.
 */
import type { FileEntry } from '../node/nodeAccess';

/** What the bytes of a cache file are. Only `valid` and `not-cache-v1` parse as JSON. */
export type CacheFileState = 'valid' | 'empty' | 'whitespace' | 'truncated' | 'nul-bytes' | 'garbage' | 'not-cache-v1';

/** Whether libcni will read the file when the sandbox's network is torn down. */
export type TeardownRead = 'yes' | 'no' | 'assumed';

export interface CacheFileName {
  readonly network: string;
  /** The sandbox ID the name carries (libcni's container ID is the sandbox ID for pod networks). */
  readonly sandboxId: string;
  readonly containerId: string;
  readonly ifName: string;
}

export interface CacheFileAnalysis extends CacheFileName {
  readonly name: string;
  /** Node-absolute path. */
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly state: CacheFileState;
  readonly jsonValid: boolean;
  readonly kind?: string;
  /** What the file itself records (may disagree with its name in a corrupt or copied file). */
  readonly recordedContainerId?: string;
  readonly recordedNetworkName?: string;
  readonly recordedIfName?: string;
  /** cniVersion of the cached result, and of the cached network configuration. */
  readonly resultCniVersion?: string;
  readonly configCniVersion?: string;
  /** Addresses with prefix, e.g. `10.244.0.5/24`. */
  readonly ips: readonly string[];
  readonly netnsPath?: string;
  readonly podName?: string;
  readonly podNamespace?: string;
  readonly podUid?: string;
  readonly readOnTeardown: TeardownRead;
  /** Why `readOnTeardown` is what it is, in one sentence. */
  readonly readReason: string;
}

/** The parsed content of a valid `cniCacheV1` file, as far as the DEL needs it. */
export interface CacheContent {
  readonly kind: string;
  readonly containerId?: string;
  readonly config?: string;
  readonly ifName?: string;
  readonly networkName?: string;
  readonly cniArgs?: readonly (readonly [string, string])[];
  readonly capabilityArgs?: Readonly<Record<string, unknown>>;
  readonly result?: CachedResult;
}

export interface CachedResult {
  readonly cniVersion?: string;
  readonly interfaces?: readonly { readonly name?: string; readonly sandbox?: string }[];
  readonly ips?: readonly { readonly address?: string; readonly interface?: number }[];
}

/** containerd's built-in loopback network: its conf is cniVersion 0.3.1, so libcni never reads its cache on DEL. */
export const LOOPBACK_NETWORK = 'cni-loopback';
export const LOOPBACK_CNI_VERSION = '0.3.1';

const NAME = /^(.+)-([0-9a-f]{64})-([^-]+)$/;

/** Splits a cache file name, anchored on the 64-hex ID (network names may contain `-`). */
export function parseCacheFileName(name: string): CacheFileName | undefined {
  const match = NAME.exec(name);
  if (!match) {
    return undefined;
  }
  return { network: match[1], sandboxId: match[2], containerId: match[2], ifName: match[3] };
}

/** libcni reads the cached result on DEL only when the network's cniVersion is 0.4.0 or later. */
export function cniVersionReadsCache(version: string): boolean {
  const parts = /^(\d{1,4})\.(\d{1,4})(?:\.(\d{1,4}))?/.exec(version.trim());
  if (!parts) {
    return true; // unknown spelling: assume the newer behaviour, which is the one that fails
  }
  const major = Number(parts[1]);
  const minor = Number(parts[2]);
  return major > 0 || minor >= 4;
}

/** Classifies the raw bytes; `content` is set for JSON objects with `kind: cniCacheV1`. */
export function classifyCacheBytes(bytes: Buffer): { state: CacheFileState; jsonValid: boolean; content?: CacheContent; json?: unknown } {
  if (bytes.length === 0) {
    return { state: 'empty', jsonValid: false };
  }
  if (bytes.includes(0)) {
    return { state: 'nul-bytes', jsonValid: false };
  }
  const text = bytes.toString('utf8');
  if (text.trim() === '') {
    return { state: 'whitespace', jsonValid: false };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // A JSON document cut short starts like one; anything else is garbage.
    return { state: /^\s*[[{]/.test(text) ? 'truncated' : 'garbage', jsonValid: false };
  }
  if (typeof json === 'object' && json !== null && !Array.isArray(json) && (json as { kind?: unknown }).kind === 'cniCacheV1') {
    return { state: 'valid', jsonValid: true, content: json as CacheContent, json };
  }
  return { state: 'not-cache-v1', jsonValid: true, json };
}

/** True for states that make libcni's decode fail when the file is read. */
export function isUnreadable(state: CacheFileState): boolean {
  return state === 'empty' || state === 'whitespace' || state === 'truncated' || state === 'nul-bytes' || state === 'garbage';
}

/** The `cniVersion` of a base64 network configuration (conf or conflist), if it decodes. */
export function decodeConfig(config: string | undefined): Record<string, unknown> | undefined {
  if (!config) {
    return undefined;
  }
  try {
    const parsed = JSON.parse(Buffer.from(config, 'base64').toString('utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The cniVersion of each distinct base64 configuration seen, for one pass over a cache directory: every file of a
 * network caches the same configuration, so it is decoded once rather than once per file.
 */
export type ConfigVersionMemo = Map<string, string | undefined>;

const MEMO_LIMIT = 1024;

function cachedConfigVersion(config: unknown, memo: ConfigVersionMemo | undefined): string | undefined {
  if (typeof config !== 'string' || config === '') {
    return undefined;
  }
  if (memo?.has(config)) {
    return memo.get(config);
  }
  const decoded = decodeConfig(config);
  const version = typeof decoded?.cniVersion === 'string' ? decoded.cniVersion : undefined;
  if (memo && memo.size < MEMO_LIMIT) {
    memo.set(config, version);
  }
  return version;
}

function argValue(args: CacheContent['cniArgs'], key: string): string | undefined {
  if (!Array.isArray(args)) {
    return undefined;
  }
  const pair = args.find((a) => Array.isArray(a) && a[0] === key);
  return typeof pair?.[1] === 'string' ? pair[1] : undefined;
}

/**
 * Analyses one cache file. `confVersions` maps network names to the cniVersion of their configuration in the CNI
 * conf dir (when it could be read); it decides whether an unparseable file will be read on teardown. Pass the same
 * `memo` for all files of one directory pass.
 */
export function analyseCacheFile(
  entry: FileEntry, bytes: Buffer, confVersions?: ReadonlyMap<string, string>, memo?: ConfigVersionMemo,
): CacheFileAnalysis | undefined {
  const parsedName = parseCacheFileName(entry.name);
  if (!parsedName) {
    return undefined;
  }
  const { state, jsonValid, content } = classifyCacheBytes(bytes);
  const configCniVersion = cachedConfigVersion(content?.config, memo);
  const result = content?.result;
  const ips = (result?.ips ?? []).map((ip) => ip.address).filter((a): a is string => typeof a === 'string');
  const netnsPath = (result?.interfaces ?? []).map((i) => i.sandbox).find((s): s is string => typeof s === 'string' && s !== '');

  let readOnTeardown: TeardownRead;
  let readReason: string;
  const confVersion = confVersions?.get(parsedName.network);
  const version = configCniVersion ?? confVersion ?? (parsedName.network === LOOPBACK_NETWORK ? LOOPBACK_CNI_VERSION : undefined);
  const source = configCniVersion ? 'the cached configuration' : confVersion ? 'the network configuration in the CNI conf dir'
    : version ? "containerd's built-in loopback configuration" : undefined;
  if (state === 'not-cache-v1') {
    readOnTeardown = 'no';
    readReason = 'valid JSON without kind "cniCacheV1": libcni treats it as no cached result and the DEL goes ahead';
  } else if (version === undefined) {
    readOnTeardown = 'assumed';
    readReason = `the cniVersion of network "${parsedName.network}" is unknown (no configuration found): assuming libcni reads it (>= 0.4.0)`;
  } else if (cniVersionReadsCache(version)) {
    readOnTeardown = 'yes';
    readReason = `cniVersion ${version} (from ${source}) >= 0.4.0: libcni reads the cached result on DEL`;
  } else {
    readOnTeardown = 'no';
    readReason = `cniVersion ${version} (from ${source}) < 0.4.0: libcni does not read the cached result on DEL`;
  }

  // Properties spelled out: an object spread followed by twenty more properties takes V8's slow path (~18 µs an
  // object, most of the analysis time of a 10k-file directory).
  return {
    network: parsedName.network,
    sandboxId: parsedName.sandboxId,
    containerId: parsedName.containerId,
    ifName: parsedName.ifName,
    name: entry.name,
    path: entry.path,
    size: entry.size,
    mtimeMs: entry.mtimeMs,
    state,
    jsonValid,
    kind: content?.kind,
    recordedContainerId: typeof content?.containerId === 'string' ? content.containerId : undefined,
    recordedNetworkName: typeof content?.networkName === 'string' ? content.networkName : undefined,
    recordedIfName: typeof content?.ifName === 'string' ? content.ifName : undefined,
    resultCniVersion: typeof result?.cniVersion === 'string' ? result.cniVersion : undefined,
    configCniVersion,
    ips,
    netnsPath,
    podName: argValue(content?.cniArgs, 'K8S_POD_NAME'),
    podNamespace: argValue(content?.cniArgs, 'K8S_POD_NAMESPACE'),
    podUid: argValue(content?.cniArgs, 'K8S_POD_UID'),
    readOnTeardown,
    readReason,
  };
}

/** containerd's built-in loopback network (never in the conf dir). */
export const CONTAINERD_LOOPBACK = { network: LOOPBACK_NETWORK, cniVersion: LOOPBACK_CNI_VERSION } as const;

export interface NetConfPlugin {
  readonly type: string;
  readonly raw: Readonly<Record<string, unknown>>;
}

export interface NetConfList {
  readonly name: string;
  readonly cniVersion: string;
  readonly plugins: readonly NetConfPlugin[];
}

/** Parses a `.conflist` (or a single-plugin `.conf`, wrapped as a list of one) from its text; undefined when unusable. */
export function parseConfList(text: string): NetConfList | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return undefined;
  }
  const doc = parsed as Record<string, unknown>;
  if (typeof doc.name !== 'string') {
    return undefined;
  }
  const cniVersion = typeof doc.cniVersion === 'string' ? doc.cniVersion : '';
  const rawPlugins = Array.isArray(doc.plugins) ? (doc.plugins as unknown[]) : typeof doc.type === 'string' ? [doc] : [];
  const plugins: NetConfPlugin[] = [];
  for (const p of rawPlugins) {
    if (typeof p === 'object' && p !== null && typeof (p as { type?: unknown }).type === 'string') {
      plugins.push({ type: (p as { type: string }).type, raw: p as Record<string, unknown> });
    }
  }
  return { name: doc.name, cniVersion, plugins };
}

/** Classifies the bytes and pulls the addresses and the netns path out of a valid file. */
export function classifyCacheContent(bytes: Buffer): { state: CacheFileState; content?: CacheContent; ips: string[]; netns?: string } {
  const { state, content } = classifyCacheBytes(bytes);
  const ips = (content?.result?.ips ?? []).map((ip) => ip.address).filter((a): a is string => typeof a === 'string');
  const netns = (content?.result?.interfaces ?? []).map((i) => i.sandbox).find((s): s is string => typeof s === 'string' && s !== '');
  return { state, content, ips, netns };
}
