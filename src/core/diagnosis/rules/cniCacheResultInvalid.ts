import type { Extracted, Rule } from '../types';
import { causeDepth, extractedOf, isOperation, matched } from './support';

const CACHE = /failed to get network "[^"\s]{1,253}" cached result|failed to unmarshal cached network|cached result[^\n]{0,200}?(?:unexpected end of JSON input|invalid character|EOF)|failed to read cached network (?:config|result)/;
const DECODE = /unexpected end of JSON input|invalid character|decoding version from network config/;
/** A plugin reading its own per-sandbox cache on DEL (flannel's `/var/lib/cni/flannel/<id>`): the same failure, one level down. */
const PLUGIN_CACHE = /failed to (?:parse|load|read) (?:netconf|cache|cached|the cache|config file)[^:]{0,60}: (?:unexpected end of JSON input|invalid character)/;
const NOT_A_CACHE = /diagnostic message|plugin output|result from plugin|netplugin failed/;

/** libcni could not decode the cached result of a network on DEL: the file under /var/lib/cni/results is empty or corrupt. */
export const cniCacheResultInvalidRule: Rule = {
  id: 'cni-cache-result-invalid',
  category: 'cni-cache-corrupt',
  severity: 'error',
  title: 'Empty or invalid CNI result cache',
  summary: 'A sandbox teardown (StopPodSandbox, KillPodSandbox, RemovePodSandbox, CNI DEL) whose cause is libcni failing to read a network\'s cached result.',
  literals: ['cached result', 'cached network', 'unexpected end of JSON', 'invalid character'],
  keyFields: ['sandboxId', 'network'],
  match(event) {
    let depth = event.text.includes('cached') ? causeDepth(event, CACHE) : -1;
    if (depth < 0 && isOperation(event, 'sandbox-stop', 'sandbox-remove') && !NOT_A_CACHE.test(event.text)) {
      depth = causeDepth(event, PLUGIN_CACHE);
    }
    if (depth < 0) return undefined;
    const decode = causeDepth(event, DECODE);
    // A teardown, or at least a decode error after the words: a query or a quote of the message is not a failure.
    if (!isOperation(event, 'sandbox-stop', 'sandbox-remove') && decode < 0) return undefined;
    depth = Math.max(depth, decode);
    const extracted: Extracted = extractedOf(event);
    extracted.method = isOperation(event, 'sandbox-remove') ? 'RemovePodSandbox' : 'StopPodSandbox';
    const network = /network "([^"\s]{1,253})" cached result|cached network "([^"\s]{1,253})"/.exec(event.text);
    if (network) extracted.network = network[1] ?? network[2];
    if (extracted.sandboxId !== undefined && extracted.network !== undefined && network) {
      extracted.path = `/var/lib/cni/results/${extracted.network}-${extracted.sandboxId}-eth0`;
    } else if (extracted.sandboxId !== undefined && extracted.pluginType === 'flannel') {
      extracted.path = `/var/lib/cni/flannel/${extracted.sandboxId}`;
    }
    return matched(depth, extracted);
  },
};
