import { NodeDoctorError } from '../errors';
import { decodeConfig, parseConfList } from './cacheFile';
import type { CacheContent } from './cacheFile';

/** One plugin invocation of a CNI DEL: the binary, its environment and the JSON it reads on stdin. */
export interface PluginDel {
  readonly type: string;
  /** Node-absolute path of the plugin binary. */
  readonly binary: string;
  readonly env: Readonly<Record<string, string>>;
  readonly stdin: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The DEL of a whole network from a cache file's own contents, the way libcni runs it: each plugin of the cached
 * conflist in reverse order, with the network name and cniVersion injected, the cached result as `prevResult`,
 * the capability args a plugin declares as `runtimeConfig`, and CNI_ARGS from the recorded `cniArgs`.
 * `netns` is left empty when the namespace no longer exists (plugins then only release their state, e.g. the IP).
 */
export function buildCniDel(content: CacheContent, options: { binDir: string; netns: string }): PluginDel[] {
  const conf = decodeConfig(content.config);
  const list = conf ? parseConfList(JSON.stringify(conf)) : undefined;
  if (!list || list.plugins.length === 0) return [];
  const args = (content.cniArgs ?? []).map(([k, v]) => `${k}=${v}`).join(';');
  const binDir = options.binDir.replace(/\/+$/, '');
  const capabilityArgs = content.capabilityArgs ?? {};
  return [...list.plugins].reverse().map((plugin) => {
    const declared = isRecord(plugin.raw.capabilities) ? plugin.raw.capabilities : {};
    const runtimeConfig: Record<string, unknown> = {};
    for (const [key, wanted] of Object.entries(declared)) {
      if (wanted === true && key in capabilityArgs) runtimeConfig[key] = capabilityArgs[key];
    }
    const pluginConf: Record<string, unknown> = { ...plugin.raw, name: list.name, cniVersion: list.cniVersion };
    if (Object.keys(runtimeConfig).length > 0) pluginConf.runtimeConfig = runtimeConfig;
    if (content.result) pluginConf.prevResult = content.result;
    const type = plugin.type;
    if (!/^[A-Za-z0-9._-]+$/.test(type)) throw new NodeDoctorError('bad-input', `Refusing CNI plugin type "${type.slice(0, 60)}" from the cache file.`);
    return {
      type,
      binary: `${binDir}/${type}`,
      env: {
        CNI_COMMAND: 'DEL',
        CNI_CONTAINERID: content.containerId ?? '',
        CNI_NETNS: options.netns,
        CNI_IFNAME: content.ifName ?? '',
        CNI_ARGS: args,
        CNI_PATH: binDir,
      },
      stdin: JSON.stringify(pluginConf),
    };
  });
}
