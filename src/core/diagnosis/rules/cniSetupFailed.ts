import type { Rule } from '../types';
import { causeDepth, deepestReason, extractedOf, isOperation, matched } from './support';

const SETUP = /failed to setup network for (?:sandbox|pod)|[Ee]rror while adding to cni network|[Ff]ailed to open netns|SetupNetworkError|failed to get network status for pod sandbox|[Ee]rror adding network|failed to set up sandbox container "?[0-9a-f]{0,64}"? network|failed to set up pod "?[^"\s]{1,253}"? network|NetworkPlugin cni failed to set up|[Ee]rror adding (?:pod )?\S{1,300} to (?:cni )?network|plugin type="[\w.-]{1,64}"(?: name="[^"]{1,253}")? failed \(add\)|failed to (?:create|set up|setup) (?:pod )?network|cni plugin not initialized|NetworkPluginNotReady|network is not ready/;

/** A caller asking for one specific address that is taken (podman `--ip`, a static-IP annotation): not the node's problem. */
const STATIC_IP = /requested IP address \S{1,64} is not available/;
const NETWORK_CAUSE = /\bCNI\b|\bcni\b|network plugin|NetworkPlugin|plugin type=|IPAM|ipam/;

/** Setting up a new sandbox's network failed (other than IP exhaustion). */
export const cniSetupFailedRule: Rule = {
  id: 'cni-setup-failed',
  category: 'cni-setup-failed',
  severity: 'error',
  title: 'CNI network setup failed',
  summary: 'A sandbox setup (RunPodSandbox, `FailedCreatePodSandBox`, dockershim `Error adding … to network`) whose cause is the CNI ADD failing.',
  literals: ['setup network', 'to set up', 'rror adding', 'adding to cni', 'failed (add)', 'pod network', 'to open netns'],
  gate: ['setup network', 'set up', 'rror adding', 'adding to cni', 'failed (add)', 'pod network', 'open netns', 'cni', 'CNI', 'etwork plugin', 'etworkPlugin', 'IPAM', 'ipam', 'SetupNetwork', 'network status', 'network is not ready'],
  keyFields: ['reason'],
  match(event) {
    let depth = causeDepth(event, SETUP);
    if (depth < 0 && isOperation(event, 'sandbox-setup')) {
      depth = causeDepth(event, NETWORK_CAUSE);
    }
    if (depth < 0 || STATIC_IP.test(event.text)) return undefined;
    if (!isOperation(event, 'sandbox-setup') && !/setup network|set up|add\)|adding|network status|netns/i.test(event.text)) return undefined;
    const extracted = extractedOf(event);
    extracted.method = 'RunPodSandbox';
    extracted.reason = deepestReason(event) ?? 'network setup failed';
    delete extracted.containerId;
    return matched(depth, extracted);
  },
};
