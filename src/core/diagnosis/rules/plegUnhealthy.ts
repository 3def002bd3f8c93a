import type { Extracted, Rule } from '../types';

/** kubelet's pod lifecycle event generator has not completed a relist within its threshold. */
export const plegUnhealthyRule: Rule = {
  id: 'pleg-unhealthy',
  category: 'pleg-unhealthy',
  severity: 'error',
  title: 'PLEG is not healthy',
  literals: ['PLEG is not healthy'],
  // "pleg has yet to be successful" right after kubelet starts is normal and deliberately not matched.
  pattern: /PLEG is not healthy: pleg was last seen active ([0-9hmsµu.]{1,40}) ago; threshold is ([0-9hms.]{1,20})/,
  keyFields: [],
  extract(match): Extracted | undefined {
    return { reason: `last seen active ${match[1]} ago (threshold ${match[2]})` };
  },
  explanation: [
    'The pod lifecycle event generator (PLEG) relists all sandboxes and containers from the runtime every second.',
    'When a relist has not completed within the threshold (3 minutes), kubelet marks the node `NotReady` and stops',
    'syncing pods. The runtime is slow or stuck answering `ListPodSandbox`/`ListContainers`/status calls: too many',
    'dead objects (see CRI message limits), a hung shim or sandbox stop, I/O stalls, or a runtime that is down.',
    '',
    'Look for the runtime errors around the same time (often `context deadline exceeded` on list calls) and count',
    'the objects the runtime holds.',
  ].join('\n'),
  fixCommands(): string[] {
    return ['time crictl pods -q | wc -l', 'time crictl ps -a -q | wc -l', 'systemctl status containerd', 'journalctl -u containerd --since "-15 min" --no-pager | tail -n 100'];
  },
  references: [
    { title: 'kubernetes/kubernetes#45419: PLEG is not healthy', url: 'https://github.com/kubernetes/kubernetes/issues/45419' },
    { title: 'kubernetes/kubernetes#61117: PLEG is not healthy', url: 'https://github.com/kubernetes/kubernetes/issues/61117' },
    { title: 'Kubernetes docs: Switching from polling to CRI event-based updates (Evented PLEG)', url: 'https://kubernetes.io/docs/tasks/administer-cluster/switch-to-evented-pleg/' },
  ],
};
