import { hexIdAfterAny, shellWord } from '../extract';
import type { Extracted, Rule } from '../types';

/** Multus could not read its own per-sandbox cache on DEL (an empty or truncated file after a reboot or crash). */
export const multusCacheInvalidRule: Rule = {
  id: 'multus-cache-invalid',
  category: 'cni-cache-corrupt',
  severity: 'error',
  title: 'Empty or invalid Multus delegate cache',
  literals: ['Multus: failed to load netconf'],
  pattern: /Multus: failed to load netconf: (unexpected end of JSON input|invalid character [^\n]{1,60})/,
  keyFields: ['sandboxId'],
  extract(_match, line): Extracted | undefined {
    // Only on delete: on ADD the same words mean a broken Multus configuration, not a broken cache file.
    if (!/Error deleting|destroy network|teardown|StopPodSandbox|KillPodSandbox|CmdDel/.test(line.text)) {
      return undefined;
    }
    const extracted: Extracted = { network: 'multus', method: 'StopPodSandbox' };
    const sandboxId = hexIdAfterAny(line.text, ['Error deleting', 'destroy network for sandbox', 'sandbox']);
    if (sandboxId !== undefined) {
      extracted.sandboxId = sandboxId;
      extracted.path = `/var/lib/cni/multus/${sandboxId}`;
    }
    return extracted;
  },
  explanation: [
    'Multus keeps its own cache of the delegate networks of each sandbox, in `/var/lib/cni/multus/<sandbox-id>`,',
    'and reads it back on DEL. A file left empty or truncated by a reboot or crash during the write makes every DEL',
    'fail with `Multus: failed to load netconf: unexpected end of JSON input`, so the sandbox can never be stopped',
    'and kubelet retries forever, exactly like an empty libcni result cache.',
    '',
    'Delete the broken Multus cache file; the next stop goes through (the delegates\' own DEL then runs from their',
    'libcni caches, or best effort without them).',
  ].join('\n'),
  fixCommands(f): string[] {
    const id = shellWord(f.sandboxId ?? '<sandbox-id>');
    return [`ls -l /var/lib/cni/multus/${id}`, `rm -f /var/lib/cni/multus/${id}`, `crictl stopp ${id}`, `crictl rmp ${id}`];
  },
  repair: 'remove-cache-file-and-sandbox',
  references: [
    { title: 'k8snetworkplumbingwg/multus-cni#948: Pod status error after reboot node cause multus cache file damaged', url: 'https://github.com/k8snetworkplumbingwg/multus-cni/issues/948' },
    { title: 'k8snetworkplumbingwg/multus-cni#1446: failed to get the cached delegates file', url: 'https://github.com/k8snetworkplumbingwg/multus-cni/issues/1446' },
  ],
};
