import { shellWord, shortReason, uuidAfter } from '../extract';
import type { Extracted, Rule } from '../types';

/** Any other failure to delete a sandbox's network: plugin missing, plugin cannot reach its API, CNI not initialized. */
export const cniTeardownFailedRule: Rule = {
  id: 'cni-teardown-failed',
  category: 'cni-teardown-failed',
  severity: 'error',
  title: 'CNI network teardown failed',
  literals: ['failed to destroy network for sandbox', 'failed to teardown pod'],
  pattern: /(?:failed to destroy network for sandbox "([0-9a-f]{64})"|failed to teardown pod "([^"\s]{1,253})" network): ?([^"]{1,300})/,
  keyFields: ['sandboxId', 'reason'],
  extract(match, line): Extracted | undefined {
    const reasonText = match[3];
    if (reasonText.includes('cached result')) {
      return undefined; // cni-cache-result-invalid
    }
    const extracted: Extracted = { reason: shortReason(reasonText), method: 'StopPodSandbox' };
    if (match[1] !== undefined) {
      extracted.sandboxId = match[1];
    }
    if (match[2] !== undefined) {
      extracted.podName = match[2];
    }
    const plugin = /plugin type="([\w.-]{1,64})"/.exec(reasonText);
    if (plugin) {
      extracted.network = plugin[1];
    }
    const podUid = uuidAfter(line.text, 'KillPodSandbox" for');
    if (podUid !== undefined) {
      extracted.podUid = podUid;
    }
    return extracted;
  },
  explanation: [
    'StopPodSandbox must delete the sandbox\'s network through the CNI plugins before the sandbox can be removed.',
    'Here the delete itself failed: typically the CNI configuration or plugin binary is missing (`cni plugin not',
    'initialized`, `failed to find plugin`), or the plugin cannot reach its own control plane (Calico, Cilium, the AWS',
    'VPC CNI talk to an API or a local agent during DEL). kubelet retries forever, the sandbox stays `NotReady`, and the',
    'pod may hang in `Terminating`.',
    '',
    'Fix the plugin first (is the CNI daemonset pod on this node running? are `/etc/cni/net.d` and the plugin',
    'binaries present?); kubelet\'s next retry then succeeds. Force-removing the sandbox without a successful DEL',
    'leaks its IP address and veth.',
  ].join('\n'),
  fixCommands(f): string[] {
    const id = shellWord(f.sandboxId ?? '<sandbox-id>');
    return [
      'ls -l /etc/cni/net.d/ /opt/cni/bin/',
      'crictl info',
      `crictl inspectp ${id}`,
      `crictl stopp ${id}`,
      `crictl rmp ${id}`,
    ];
  },
  repair: 'retry-sandbox-stop',
  references: [
    { title: 'containerd/containerd#8197 (cni plugin not initialized on delete, in the containerd log)', url: 'https://github.com/containerd/containerd/issues/8197' },
    { title: 'containernetworking/plugins#210: DEL should be best effort', url: 'https://github.com/containernetworking/plugins/issues/210' },
    { title: 'CNI specification: DEL must tolerate missing resources', url: 'https://www.cni.dev/docs/spec/#del-remove-container-from-network-or-un-apply-modifications' },
  ],
};
