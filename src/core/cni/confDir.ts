import { throwIfAborted } from '../errors';
import type { NodeAccess } from '../node/nodeAccess';
import { CONTAINERD_LOOPBACK, parseConfList } from './cacheFile';
import type { NetConfList } from './cacheFile';

export interface NetworkConfig {
  /** Node-absolute path of the file it came from; `built-in` for containerd's loopback. */
  readonly source: string;
  readonly conf: NetConfList;
}

const CONF_FILE = /\.(conflist|conf|json)$/;
const MAX_CONF_BYTES = 1024 * 1024;

/**
 * The networks configured in the CNI conf dir, by name. The runtime uses the *current* configuration's cniVersion on
 * DEL to decide whether to read the cached result, so this, not the cache file, says whether a bad file breaks teardown.
 * containerd's built-in loopback (cniVersion 0.3.1) is always present.
 */
export async function readNetworkConfigs(access: NodeAccess, confDir: string | undefined, signal?: AbortSignal): Promise<Map<string, NetworkConfig>> {
  const networks = new Map<string, NetworkConfig>();
  networks.set(CONTAINERD_LOOPBACK.network, {
    source: 'built-in',
    conf: { name: CONTAINERD_LOOPBACK.network, cniVersion: CONTAINERD_LOOPBACK.cniVersion, plugins: [{ type: 'loopback', raw: { type: 'loopback' } }] },
  });
  if (!confDir) return networks;
  const entries = (await access.listDir(confDir, signal)) ?? [];
  // libcni sorts file names and the runtime uses the first valid one; keep the first per network name.
  for (const entry of entries.filter((e) => e.isFile && CONF_FILE.test(e.name))) {
    throwIfAborted(signal);
    if (entry.size > MAX_CONF_BYTES) continue;
    const conf = parseConfList((await access.readFile(entry.path, MAX_CONF_BYTES, signal)).toString('utf8'));
    if (conf && !networks.has(conf.name)) networks.set(conf.name, { source: entry.path, conf });
  }
  return networks;
}

/** host-local keeps one file per reserved IP under `<dataDir>/<network>` (default dataDir `/var/lib/cni/networks`). */
export function hostLocalDir(conf: NetConfList): string | undefined {
  for (const plugin of conf.plugins) {
    const ipam = plugin.raw.ipam;
    if (typeof ipam === 'object' && ipam !== null && (ipam as { type?: unknown }).type === 'host-local') {
      const dataDir = (ipam as { dataDir?: unknown }).dataDir;
      return `${typeof dataDir === 'string' && dataDir.startsWith('/') ? dataDir.replace(/\/+$/, '') : '/var/lib/cni/networks'}/${conf.name}`;
    }
  }
  return undefined;
}
