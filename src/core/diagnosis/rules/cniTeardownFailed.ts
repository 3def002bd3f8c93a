import type { Rule } from '../types';
import { causeDepth, deepestReason, extractedOf, isOperation, matched } from './support';

const TEARDOWN = /failed to destroy network for (?:pod )?(?:sandbox|container)|failed to teardown pod|[Ee]rror deleting (?:pod )?\S{1,300} from (?:cni )?network|[Ee]rror deleting network|[Ff]ailed to delete endpoint|cannot properly delete|NetworkPlugin cni failed to teardown|plugin type="[\w.-]{1,64}"(?: name="[^"]{1,253}")? failed \(delete\)|failed to (?:delete|remove) (?:pod )?network|CNI network "[^"]{1,253}" ?\(type=[\w.-]{1,64}\) DEL failed|TearDownPod/;

const NETWORK_CAUSE = /\bCNI\b|\bcni\b|network plugin|NetworkPlugin|plugin type=|netns|network namespace/;

/** Any other failure to delete a sandbox's network: plugin missing, plugin cannot reach its API. */
export const cniTeardownFailedRule: Rule = {
  id: 'cni-teardown-failed',
  category: 'cni-teardown-failed',
  severity: 'error',
  title: 'CNI network teardown failed',
  summary: 'A sandbox teardown whose cause is the CNI DEL failing (`failed to destroy network for sandbox`, `failed to teardown pod … network`, dockershim `Error deleting … from network`, `plugin type=… failed (delete)`), where no deeper cause is claimed by another rule.',
  literals: ['destroy network', 'teardown', 'rror deleting', 'failed (delete)', 'TearDownPod'],
  gate: ['destroy network', 'teardown', 'rror deleting', 'failed (delete)', 'TearDownPod', 'to delete endpoint', 'properly delete', 'cni', 'CNI', 'etwork plugin', 'etworkPlugin', 'plugin type=', 'netns', 'network namespace'],
  keyFields: ['sandboxId', 'reason'],
  match(event) {
    let depth = causeDepth(event, TEARDOWN);
    if (depth < 0 && isOperation(event, 'sandbox-stop', 'sandbox-remove')) {
      // A stop or removal whose chain blames the network (a CNI plugin, its daemon, `cni config uninitialized`).
      depth = causeDepth(event, NETWORK_CAUSE);
    }
    if (depth < 0) return undefined;
    if (isOperation(event, 'sandbox-setup') && (/failed to clean ?up/.test(event.text) || !/\bdelete\)|destroy|teardown|Error deleting/.test(event.text))) {
      // A setup whose clean-up failed too (`[failed to set up …, failed to clean up … teardown …]`) is a setup failure.
      return undefined;
    }
    const extracted = extractedOf(event);
    extracted.method = 'StopPodSandbox';
    const reason = deepestReason(event);
    if (reason !== undefined) extracted.reason = reason;
    delete extracted.containerId;
    return matched(depth, extracted);
  },
};
