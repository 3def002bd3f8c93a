import { hexIdAfter, podRef, shortReason } from '../extract';
import type { Extracted, Rule } from '../types';

/** Setting up a new sandbox's network failed (other than IP exhaustion). */
export const cniSetupFailedRule: Rule = {
  id: 'cni-setup-failed',
  category: 'cni-setup-failed',
  severity: 'error',
  title: 'CNI network setup failed',
  literals: ['failed to setup network for sandbox', 'failed to set up sandbox container', 'failed to set up pod'],
  pattern: /failed to setup network for sandbox "([0-9a-f]{64})": ?([^"]{1,300})|failed to set up (?:sandbox container "([0-9a-f]{64})" network for pod "[^"\s]{1,253}"|pod "[^"\s]{1,253}" network): ?([^"]{1,300})/,
  keyFields: ['reason'],
  extract(match, line): Extracted | undefined {
    const reasonText = match[2] ?? match[4];
    const extracted: Extracted = { reason: shortReason(reasonText), method: 'RunPodSandbox' };
    const sandboxId = match[1] ?? match[3] ?? hexIdAfter(line.text, 'sandbox');
    if (sandboxId !== undefined) {
      extracted.sandboxId = sandboxId;
    }
    const plugin = /plugin type="([\w.-]{1,64})"/.exec(reasonText);
    if (plugin) {
      extracted.network = plugin[1];
    }
    const pod = podRef(line.text);
    if (pod) {
      extracted.podName = pod.podName;
      extracted.podNamespace = pod.podNamespace;
    }
    return extracted;
  },
  explanation: [
    'RunPodSandbox created the sandbox but the CNI ADD failed, so the runtime tears the sandbox down again and',
    'kubelet retries with a new sandbox (`FailedCreatePodSandBox` events; a new sandbox ID on every attempt). The text',
    'after the colon is the plugin\'s own error: its daemon or API is unreachable, its configuration is wrong, or the',
    'node ran out of a resource (file descriptors, addresses, interfaces).',
  ].join('\n'),
  fixCommands(): string[] {
    return ['ls -l /etc/cni/net.d/ /opt/cni/bin/', 'crictl info', 'journalctl -u containerd -n 200 --no-pager | grep -F "failed to setup network"'];
  },
  references: [
    { title: 'Azure/aks-engine#4435: failed to setup network for sandbox', url: 'https://github.com/Azure/aks-engine/issues/4435' },
    { title: 'cilium/cilium#10627: networkPlugin cni failed to set up pod network', url: 'https://github.com/cilium/cilium/issues/10627' },
  ],
};
