import type { Article } from './articleModel';
import { id, NETWORK_CHECKS, runtimeUnit, versionAtLeast } from './articleModel';
import { shellWord } from '../model/shell';

/** The articles of the CNI result cache and pod network setup/teardown categories, in catalog order. */
export const NETWORK_ARTICLES: readonly Article[] = [
  {
    category: 'cni-cache-corrupt',
    title: 'Empty or corrupt CNI cache file',
    explanation: [
      'When a pod sandbox is stopped, the runtime asks libcni to delete its network. For CNI configurations with',
      '`cniVersion` 0.4.0 or later, libcni first reads the result it cached when the network was added, from',
      '`/var/lib/cni/results/<network>-<sandbox-id>-<ifname>` (Multus keeps its own per-sandbox cache in',
      '`/var/lib/cni/multus/<sandbox-id>`). If that file is empty (a crash or power loss during the write, a full disk)',
      'or not JSON, decoding fails with `unexpected end of JSON input` or `invalid character ...`, the delete is',
      'aborted, and **StopPodSandbox fails every time kubelet retries**: the sandbox stays `NotReady`, its network',
      'namespace and IP stay allocated, the pod may hang in `Terminating`, and the same error repeats hundreds of times',
      'an hour for a handful of sandboxes.',
      '',
      'Deleting the broken cache file lets the next StopPodSandbox go through; kubelet (or `crictl rmp`) then removes the',
      'sandbox and releases the IP.',
    ].join('\n'),
    fixCommands(f): string[] {
      const sandbox = id(f.sandboxId, '<sandbox-id>');
      if (f.network === 'multus' || (f.path !== undefined && f.path.startsWith('/var/lib/cni/multus/'))) {
        const file = f.path !== undefined ? shellWord(f.path) : `/var/lib/cni/multus/${sandbox}`;
        return [`ls -l ${file}`, `rm -f ${file}`, `crictl stopp ${sandbox}`, `crictl rmp ${sandbox}`];
      }
      const file = f.network !== undefined || f.path === undefined ? `/var/lib/cni/results/${id(f.network, '<network>')}-${sandbox}-eth0` : shellWord(f.path);
      return [`ls -l /var/lib/cni/results/ | grep -F ${sandbox}`, `rm -f ${file}`, `crictl stopp ${sandbox}`, `crictl rmp ${sandbox}`];
    },
    repair: 'remove-cache-file-and-sandbox',
    references: [
      { title: 'containerd/containerd#8197: Empty cache files causes "KillPodSandbox" errors when deleting pods', url: 'https://github.com/containerd/containerd/issues/8197' },
      { title: 'containernetworking/cni#1055: Failed to destroy the network because of empty cached cni result', url: 'https://github.com/containernetworking/cni/issues/1055' },
      { title: 'containernetworking/cni#1072: tolerate invalid cni caches for deletion (the libcni fix)', url: 'https://github.com/containernetworking/cni/pull/1072' },
      { title: 'k8snetworkplumbingwg/multus-cni#948: Pod status error after reboot node cause multus cache file damaged', url: 'https://github.com/k8snetworkplumbingwg/multus-cni/issues/948' },
      { title: 'awslabs/amazon-eks-ami#1912: reset CNI cache on boot (mitigation)', url: 'https://github.com/awslabs/amazon-eks-ami/pull/1912' },
      { title: 'bottlerocket-os/bottlerocket#3792: clean up CNI results cache on boot (mitigation)', url: 'https://github.com/bottlerocket-os/bottlerocket/pull/3792' },
    ],
    versionNotes: [
      { component: 'libcni', versions: '>= 1.2.0', note: 'DEL ignores a cached result it cannot read and deletes the file (containernetworking/cni#1072), so runtimes built with it no longer fail here.' },
      {
        component: 'containerd', versions: '>= 2.0', note: 'Vendors libcni >= 1.2.0 and tolerates the broken file; containerd 1.6/1.7 (libcni 1.1.x) need the manual fix.',
        appliesTo: (runtime, version) => (runtime === 'containerd' ? versionAtLeast(version, '2.0') : undefined),
      },
      { component: 'CNI config', versions: 'cniVersion < 0.4.0', note: 'libcni does not read the cached result on DEL at all, so this error cannot occur with such configurations.' },
    ],
  },
  {
    category: 'cni-cache-orphaned',
    title: 'CNI cache file of a vanished sandbox',
    explanation: [
      'A CNI result cache file names a sandbox the runtime no longer has: the sandbox was removed without a successful',
      'CNI DEL (forced removal, a runtime that lost its state). Its IP reservation, network namespace and veth leak',
      'until the plugins\' DEL runs for it; with `host-local` IPAM the leaked addresses eventually exhaust the range.',
    ].join('\n'),
    fixCommands(f): string[] {
      const file = f.path !== undefined ? shellWord(f.path) : '/var/lib/cni/results/<file>';
      return [`cat ${file}`, 'ls /var/lib/cni/networks/*/', `crictl inspectp ${id(f.sandboxId, '<sandbox-id>')}`];
    },
    repair: 'release-leaked-ips',
    references: [
      { title: 'containernetworking/plugins#498: host-local leaks IPs when DEL never runs', url: 'https://github.com/containernetworking/plugins/issues/498' },
    ],
  },
  {
    category: 'cni-teardown-failed',
    title: 'CNI network teardown failed',
    explanation: [
      'StopPodSandbox must delete the sandbox\'s network through the CNI plugins before the sandbox can be removed.',
      'Here the delete itself failed: typically the CNI configuration or plugin binary is missing (`cni plugin not',
      'initialized`, `failed to find plugin`), or the plugin cannot reach its own control plane (Calico, Cilium, the AWS',
      'VPC CNI talk to an API or a local agent during DEL). kubelet retries forever, the sandbox stays `NotReady`, and the',
      'pod may hang in `Terminating`. While the runtime reports `NetworkReady=false` (no usable configuration) no sandbox',
      'can get or lose a network at all; a short burst of that while a node boots is normal.',
      '',
      'Fix the plugin first (is the CNI daemonset pod on this node running? are `/etc/cni/net.d` and the plugin',
      'binaries present?); kubelet\'s next retry then succeeds. Force-removing the sandbox without a successful DEL',
      'leaks its IP address and veth.',
    ].join('\n'),
    fixCommands(f): string[] {
      if (f.sandboxId === undefined) {
        const unit = runtimeUnit(f.runtime);
        return [...NETWORK_CHECKS, `journalctl -u ${unit} -n 200 --no-pager`, `systemctl restart ${unit}`];
      }
      const sandbox = shellWord(f.sandboxId);
      return [...NETWORK_CHECKS, `crictl inspectp ${sandbox}`, `crictl stopp ${sandbox}`, `crictl rmp ${sandbox}`];
    },
    repair: 'retry-sandbox-stop',
    references: [
      { title: 'containerd/containerd#8197 (cni plugin not initialized on delete, in the containerd log)', url: 'https://github.com/containerd/containerd/issues/8197' },
      { title: 'containernetworking/plugins#210: DEL should be best effort', url: 'https://github.com/containernetworking/plugins/issues/210' },
      { title: 'CNI specification: DEL must tolerate missing resources', url: 'https://www.cni.dev/docs/spec/#del-remove-container-from-network-or-un-apply-modifications' },
      { title: 'kubernetes/kubernetes#71692: NetworkPluginNotReady: cni config uninitialized', url: 'https://github.com/kubernetes/kubernetes/issues/71692' },
    ],
  },
  {
    category: 'cni-setup-failed',
    title: 'CNI network setup failed',
    explanation: [
      'RunPodSandbox created the sandbox but the CNI ADD failed, so the runtime tears the sandbox down again and',
      'kubelet retries with a new sandbox (`FailedCreatePodSandBox` events; a new sandbox ID on every attempt). The text',
      'after the colon is the plugin\'s own error: its daemon or API is unreachable, its configuration is wrong, or the',
      'node ran out of a resource (file descriptors, addresses, interfaces).',
    ].join('\n'),
    fixCommands(f): string[] {
      return [...NETWORK_CHECKS, `journalctl -u ${runtimeUnit(f.runtime)} -n 200 --no-pager | grep -F 'network for sandbox'`];
    },
    references: [
      { title: 'Azure/aks-engine#4435: failed to setup network for sandbox', url: 'https://github.com/Azure/aks-engine/issues/4435' },
      { title: 'cilium/cilium#10627: networkPlugin cni failed to set up pod network', url: 'https://github.com/cilium/cilium/issues/10627' },
    ],
  },
];
