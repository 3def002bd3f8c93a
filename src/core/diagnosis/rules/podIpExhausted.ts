import { hexIdAfter } from '../extract';
import type { Extracted, Rule } from '../types';

/** The IPAM plugin has no free address left for new sandboxes. */
export const podIpExhaustedRule: Rule = {
  id: 'pod-ip-exhausted',
  category: 'pod-ip-exhausted',
  severity: 'error',
  title: 'Pod IP range exhausted',
  literals: ['no IP addresses available', 'range is full'],
  pattern: /no IP addresses available in range set: ([0-9a-fA-F.:/-]{3,100})|postIpamFailure {1,4}range is full/,
  keyFields: ['ipRange'],
  extract(match, line): Extracted | undefined {
    const extracted: Extracted = { ipRange: match[1] ?? 'range is full', method: 'RunPodSandbox' };
    const sandboxId = hexIdAfter(line.text, 'for sandbox');
    if (sandboxId !== undefined) {
      extracted.sandboxId = sandboxId;
    }
    return extracted;
  },
  explanation: [
    'New sandboxes cannot get an IP address: the node\'s pod range is used up. With `host-local` IPAM each allocation',
    'is a file under `/var/lib/cni/networks/<network>/<ip>` holding the owning sandbox ID; addresses are released only',
    'when the sandbox\'s network is deleted. Sandboxes whose teardown keeps failing (for example an empty CNI result',
    'cache) or that were removed without a CNI DEL **leak their address**, until the range is exhausted.',
    '',
    'Compare the allocation files with the sandboxes the runtime still has; fix the failing teardowns, or release',
    'the leaked addresses by running the plugin DEL for them.',
  ].join('\n'),
  fixCommands(): string[] {
    return ['ls /var/lib/cni/networks/*/ | wc -l', 'crictl pods --state notready', 'grep -r -h -o "^[0-9a-f]\\{64\\}" /var/lib/cni/networks/ | sort -u'];
  },
  repair: 'release-leaked-ips',
  references: [
    { title: 'canonical/microk8s#1147: no IP addresses available in range set', url: 'https://github.com/canonical/microk8s/issues/1147' },
    { title: 'rancher/rancher#14504: failed to allocate for range 0', url: 'https://github.com/rancher/rancher/issues/14504' },
    { title: 'kubernetes/test-infra#13039: build cluster failing to start jobs (IP exhaustion)', url: 'https://github.com/kubernetes/test-infra/issues/13039' },
  ],
};
