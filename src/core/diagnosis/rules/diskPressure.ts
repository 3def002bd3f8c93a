import type { Extracted, Rule } from '../types';

/** The node is short of disk: image garbage collection cannot free enough, evictions for disk, ENOSPC. */
export const diskPressureRule: Rule = {
  id: 'disk-pressure',
  category: 'disk-pressure',
  severity: 'warning',
  title: 'Node disk pressure',
  literals: ['garbage collect required amount of images', 'Image garbage collection failed', 'attempting to reclaim', 'no space left on device', 'FreeDiskSpaceFailed', 'ImageGCFailed', 'EvictionThresholdMet'],
  pattern: /failed to garbage collect required amount of images\. Wanted to free (\d{1,20}) bytes, but freed (\d{1,20}) bytes|Image garbage collection failed|(?:eviction manager: attempting to reclaim|Eviction manager: attempting to reclaim" resourceName=)"? ?(ephemeral-storage|nodefs|imagefs|nodefs\.inodesFree|imagefs\.inodesFree)|no space left on device|(FreeDiskSpaceFailed|ImageGCFailed)|EvictionThresholdMet [^\n]{0,80}?(ephemeral-storage|nodefs|imagefs)/,
  keyFields: ['reason'],
  extract(match, line): Extracted | undefined {
    if (match[3] !== undefined || match[5] !== undefined) {
      return { reason: `eviction to reclaim ${match[3] ?? match[5]}` };
    }
    if (line.text.includes('no space left on device')) {
      return { reason: 'no space left on device' };
    }
    const extracted: Extracted = { reason: 'image garbage collection cannot free enough space' };
    if (match[1] !== undefined) {
      extracted.size = Number(match[1]);
    }
    return extracted;
  },
  explanation: [
    'The node is running out of disk on the filesystem that holds images, container layers, logs or `emptyDir`',
    'volumes. kubelet first deletes unused images; when that cannot free enough it sets the `DiskPressure` condition',
    'and evicts pods. Writes that fail with `no space left on device` can also leave **empty or truncated state files**',
    '(CNI result caches, checkpoints) that break later operations.',
  ].join('\n'),
  fixCommands(): string[] {
    return ['df -h /var/lib/containerd /var/lib/kubelet /var/log', 'crictl imagefsinfo', 'crictl rmi --prune', 'du -xsh /var/log/pods /var/lib/containerd 2>/dev/null'];
  },
  references: [
    { title: 'kubernetes/kubernetes#71869: failed to garbage collect required amount of images', url: 'https://github.com/kubernetes/kubernetes/issues/71869' },
    { title: 'kubernetes/kubernetes#129616: eviction manager and image cleanup with imagefs', url: 'https://github.com/kubernetes/kubernetes/issues/129616' },
    { title: 'Kubernetes docs: Node-pressure eviction', url: 'https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/' },
  ],
};
