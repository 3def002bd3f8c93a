import { shortReason } from '../extract';
import type { Extracted, Rule } from '../types';

/** The runtime reports its network as not ready: no CNI configuration loaded, so no sandbox can be set up or torn down. */
export const cniNotReadyRule: Rule = {
  id: 'cni-not-ready',
  category: 'cni-teardown-failed',
  severity: 'warning',
  title: 'CNI plugin not initialized',
  literals: ['NetworkPluginNotReady', 'cni plugin not initialized', 'cni config uninitialized'],
  pattern: /NetworkReady=false reason:NetworkPluginNotReady message:([^"]{1,200})|(cni plugin not initialized|cni config uninitialized)/,
  keyFields: ['reason'],
  extract(match): Extracted | undefined {
    return { reason: shortReason(match[1] ?? match[2]) };
  },
  explanation: [
    'The container runtime found no usable CNI network configuration, so it reports `NetworkReady=false` and the node',
    'stays `NotReady`. Until it is fixed, new sandboxes cannot get a network and **sandboxes cannot be stopped**',
    '(`failed to destroy network for sandbox ...: cni plugin not initialized`).',
    '',
    'A short burst while a node boots and the CNI daemonset writes its configuration is normal. If it persists, check',
    'that the CNI pod on this node is running and that `/etc/cni/net.d` holds a configuration whose plugins exist in',
    'the runtime\'s CNI `bin_dir`. containerd re-reads the directory on changes; some versions only on restart.',
  ].join('\n'),
  fixCommands(): string[] {
    return ['ls -l /etc/cni/net.d/ /opt/cni/bin/', 'crictl info', 'journalctl -u containerd -n 200 --no-pager', 'systemctl restart containerd'];
  },
  references: [
    { title: 'containerd/containerd#8419: Node is still not ready after starting cni', url: 'https://github.com/containerd/containerd/issues/8419' },
    { title: 'kubernetes/kubernetes#71692: NetworkPluginNotReady: cni config uninitialized', url: 'https://github.com/kubernetes/kubernetes/issues/71692' },
  ],
};
