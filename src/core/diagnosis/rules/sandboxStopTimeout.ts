import type { Rule } from '../types';
import { causeDepth, extractedOf, isOperation, matched } from './support';

const TIMEOUT = /context deadline exceeded|DeadlineExceeded|ttrpc: closed|timed out|timeout waiting|i\/o timeout|wait sandbox container "?[0-9a-f]{0,64}"?: context|failed to stop sandbox container(?: "?[0-9a-f]{64}"?)? in "?SANDBOX_READY"? state/;
const SANDBOX_STOP_WORDS = /failed to stop sandbox container|in "?SANDBOX_READY"? state|wait sandbox container/;

/** Stopping or killing a sandbox timed out, or the runtime lost the sandbox's shim. */
export const sandboxStopTimeoutRule: Rule = {
  id: 'sandbox-stop-timeout',
  category: 'sandbox-stop-timeout',
  severity: 'error',
  title: 'Sandbox stop timed out',
  summary: 'A sandbox stop/kill/remove (StopPodSandbox, KillPodSandbox, `Failed to stop sandbox`, RemovePodSandbox) whose deepest cause is a deadline (`DeadlineExceeded`, `context deadline exceeded`, `SANDBOX_READY` state) or a lost shim (`ttrpc: closed`).',
  literals: ['deadline exceeded', 'DeadlineExceeded', 'ttrpc: closed', 'SANDBOX_READY', 'timed out', 'i/o timeout', 'timeout waiting'],
  keyFields: ['sandboxId', 'podUid'],
  match(event) {
    const stopWords = SANDBOX_STOP_WORDS.test(event.text);
    if (!isOperation(event, 'sandbox-stop', 'sandbox-remove') && !(stopWords && (event.operation === undefined || isOperation(event, 'sandbox-setup')))) return undefined;
    if (isOperation(event, 'sandbox-remove') && !stopWords && !/stop|kill/i.test(event.causes.join(' '))) {
      // Removal that timed out without a stop in its chain is still a stuck sandbox: claim only deadlines.
      if (event.code !== 'DeadlineExceeded') return undefined;
    }
    const depth = causeDepth(event, TIMEOUT);
    if (depth < 0) return undefined;
    // A timeout inside a CNI plugin's own call (`networkPlugin cni failed to teardown pod …: dial tcp …: i/o timeout`)
    // is a teardown failure, unless the runtime call itself ran out of time.
    const network = causeDepth(event, /failed to destroy network|failed to teardown pod|[Ee]rror deleting|plugin type=|CNI|cni/);
    if (network > 0 && network < depth && event.code !== 'DeadlineExceeded' && !stopWords) return undefined;
    const extracted = extractedOf(event);
    extracted.method = isOperation(event, 'sandbox-remove') ? 'RemovePodSandbox' : 'StopPodSandbox';
    extracted.reason = event.text.includes('ttrpc: closed') ? 'shim connection lost (ttrpc: closed)' : 'context deadline exceeded';
    delete extracted.containerId;
    return matched(depth, extracted);
  },
};
