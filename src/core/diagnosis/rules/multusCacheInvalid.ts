import type { Rule } from '../types';
import { causeDepth, extractedOf, isOperation, matched } from './support';

const MULTUS = /Multus: failed to load netconf|failed to get the cached delegates file|Multus: \[[^\]]{1,300}\]: error reading the delegates|failed to read (?:the )?multus cache/;
const DECODE = /unexpected end of JSON input|invalid character|EOF/;
const ON_DELETE = /Error deleting|destroy network|teardown|StopPodSandbox|KillPodSandbox|RemovePodSandbox|CmdDel|DEL\b|delete\)/;

/** Multus could not read its own per-sandbox cache on DEL (an empty or truncated file after a reboot or crash). */
export const multusCacheInvalidRule: Rule = {
  id: 'multus-cache-invalid',
  category: 'cni-cache-corrupt',
  severity: 'error',
  title: 'Empty or invalid Multus delegate cache',
  summary: 'A sandbox teardown whose cause is Multus failing to load its own per-sandbox cache (`Multus: failed to load netconf: unexpected end of JSON input`); on ADD the same words mean a broken configuration and are not claimed.',
  literals: ['Multus: ', 'cached delegates'],
  keyFields: ['sandboxId'],
  match(event) {
    if (!event.text.includes('ultus') && !event.text.includes('cached delegates')) return undefined;
    const depth = causeDepth(event, MULTUS);
    if (depth < 0 || (!isOperation(event, 'sandbox-stop', 'sandbox-remove') && !ON_DELETE.test(event.text))) return undefined;
    // An unreadable cache (empty, truncated); a missing one is an ordinary teardown failure.
    if (!DECODE.test(event.text)) return undefined;
    const extracted = extractedOf(event);
    extracted.pluginType = 'multus';
    extracted.network ??= 'multus';
    extracted.method = 'StopPodSandbox';
    if (extracted.sandboxId !== undefined) extracted.path = `/var/lib/cni/multus/${extracted.sandboxId}`;
    return matched(Math.max(depth, causeDepth(event, DECODE)), extracted);
  },
};
