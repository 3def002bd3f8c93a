import { shellWord } from '../extract';
import type { Extracted, Rule } from '../types';

const UID_IN_NAME = /_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})_\d{1,6}$/;

/** A sandbox or container name is still held by an earlier object (leaked, or a create still in progress). */
export const nameReservedRule: Rule = {
  id: 'name-reserved',
  category: 'name-reserved',
  severity: 'warning',
  title: 'Name reserved by another sandbox or container',
  literals: ['is reserved for', 'name is reserved'],
  pattern: /failed to reserve (sandbox|container) name "([^"\s]{1,512})": name "[^"\s]{1,512}" is reserved for "([0-9a-f]{64})"|error reserving (pod|ctr) name (\S{1,512}) for id ([0-9a-f]{64}): name is reserved/,
  keyFields: ['name', 'sandboxId', 'containerId'],
  extract(match): Extracted | undefined {
    const kind = match[1] ?? (match[4] === 'pod' ? 'sandbox' : 'container');
    const name = match[2] ?? match[5];
    const holder = match[3] ?? match[6];
    const extracted: Extracted = kind === 'sandbox'
      ? { name, sandboxId: holder, method: 'RunPodSandbox' }
      : { name, containerId: holder, method: 'CreateContainer' };
    const uid = UID_IN_NAME.exec(name);
    if (uid) {
      extracted.podUid = uid[1];
    }
    return extracted;
  },
  explanation: [
    'The runtime keeps a name index: a sandbox or container name (`<name>_<namespace>_<uid>_<attempt>`) can be held by',
    'one object at a time. kubelet retried a create whose first attempt is still running (slow disk, a hung mount, an',
    'image unpack) or whose object leaked after a failure, so every retry fails with the same holder ID.',
    '',
    'If it clears within minutes, the first create finished. If it persists, the holder is stuck or leaked: inspect',
    'it, and remove it so the name is released.',
  ].join('\n'),
  fixCommands(f): string[] {
    if (f.sandboxId !== undefined) {
      const id = shellWord(f.sandboxId);
      return [`crictl inspectp ${id}`, `crictl stopp ${id}`, `crictl rmp ${id}`];
    }
    const id = shellWord(f.containerId ?? '<container-id>');
    return [`crictl inspect ${id}`, `crictl rm --force ${id}`];
  },
  repair: 'remove-name-holder',
  references: [
    { title: 'containerd/containerd#4604: failed to reserve container name', url: 'https://github.com/containerd/containerd/issues/4604' },
    { title: 'kubernetes/kubernetes#107561: failed to reserve sandbox name', url: 'https://github.com/kubernetes/kubernetes/issues/107561' },
    { title: 'containerd/containerd#9545: kube-apiserver pod stuck in CreateContainerError', url: 'https://github.com/containerd/containerd/issues/9545' },
  ],
};
