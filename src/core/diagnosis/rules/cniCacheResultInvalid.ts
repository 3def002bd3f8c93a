import { hexIdAfterAny, shellWord, uuidAfter } from '../extract';
import type { Extracted, Rule } from '../types';

/** libcni could not decode the cached result of a network on DEL: the file under /var/lib/cni/results is empty or corrupt. */
export const cniCacheResultInvalidRule: Rule = {
  id: 'cni-cache-result-invalid',
  category: 'cni-cache-corrupt',
  severity: 'error',
  title: 'Empty or invalid CNI result cache',
  literals: ['cached result', 'failed to unmarshal cached network'],
  pattern: /failed to (?:get network "([^"\s]{1,253})" cached result|unmarshal cached network "([^"\s]{1,253})" config): ([^"]{1,200})/,
  keyFields: ['sandboxId', 'network'],
  extract(match, line): Extracted | undefined {
    const network = match[1] ?? match[2];
    if (network === undefined) {
      return undefined;
    }
    const sandboxId = hexIdAfterAny(line.text, ['destroy network for sandbox', 'sandbox', 'StopPodSandbox', 'RemovePodSandbox', 'rmp']);
    const podUid = uuidAfter(line.text, 'KillPodSandbox" for');
    const extracted: Extracted = { network, method: /RemovePodSandbox|forcibly stop/.test(line.text) ? 'RemovePodSandbox' : 'StopPodSandbox' };
    if (sandboxId !== undefined) {
      extracted.sandboxId = sandboxId;
      extracted.path = `/var/lib/cni/results/${network}-${sandboxId}-eth0`;
    }
    if (podUid !== undefined) {
      extracted.podUid = podUid;
    }
    return extracted;
  },
  explanation: [
    'When a pod sandbox is stopped, the runtime asks libcni to delete its network. For CNI configurations with',
    '`cniVersion` 0.4.0 or later, libcni first reads the result it cached when the network was added, from',
    '`/var/lib/cni/results/<network>-<sandbox-id>-<ifname>`. If that file is empty (a crash or power loss during the',
    'write, a full disk) or not JSON, decoding fails with `unexpected end of JSON input` or `invalid character ...`,',
    'the delete is aborted, and **StopPodSandbox fails every time kubelet retries**: the sandbox stays `NotReady`,',
    'its network namespace and IP stay allocated, the pod may hang in `Terminating`, and the same error repeats',
    'hundreds of times an hour for a handful of sandboxes.',
    '',
    'Deleting the broken cache file lets the next StopPodSandbox go through; kubelet (or `crictl rmp`) then removes the',
    'sandbox and releases the IP.',
  ].join('\n'),
  fixCommands(f): string[] {
    const id = shellWord(f.sandboxId ?? '<sandbox-id>');
    const net = shellWord(f.network ?? '<network>');
    return [
      `ls -l /var/lib/cni/results/ | grep -F ${id}`,
      `rm -f /var/lib/cni/results/${net}-${id}-eth0`,
      `crictl stopp ${id}`,
      `crictl rmp ${id}`,
    ];
  },
  repair: 'remove-cache-file-and-sandbox',
  references: [
    { title: 'containerd/containerd#8197: Empty cache files causes "KillPodSandbox" errors when deleting pods', url: 'https://github.com/containerd/containerd/issues/8197' },
    { title: 'containernetworking/cni#1055: Failed to destroy the network because of empty cached cni result', url: 'https://github.com/containernetworking/cni/issues/1055' },
    { title: 'containernetworking/cni#1072: tolerate invalid cni caches for deletion (the libcni fix)', url: 'https://github.com/containernetworking/cni/pull/1072' },
    { title: 'awslabs/amazon-eks-ami#1912: reset CNI cache on boot (mitigation)', url: 'https://github.com/awslabs/amazon-eks-ami/pull/1912' },
    { title: 'bottlerocket-os/bottlerocket#3792: clean up CNI results cache on boot (mitigation)', url: 'https://github.com/bottlerocket-os/bottlerocket/pull/3792' },
  ],
  versionNotes: [
    { component: 'libcni', versions: '>= 1.2.0', note: 'DEL ignores a cached result it cannot read and deletes the file (containernetworking/cni#1072), so runtimes built with it no longer fail here.' },
    { component: 'containerd', versions: '2.x', note: 'Vendors libcni >= 1.2.0 and tolerates the broken file; containerd 1.6/1.7 (libcni 1.1.x) need the manual fix.' },
    { component: 'CNI config', versions: 'cniVersion < 0.4.0', note: 'libcni does not read the cached result on DEL at all, so this error cannot occur with such configurations.' },
  ],
};
