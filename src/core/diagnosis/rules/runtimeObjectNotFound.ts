import type { Rule } from '../types';
import { causeDepth, extractedOf, isOperation, matched } from './support';

const MISSING = /an error occurred when try to find (?:sandbox|container)|(?:container|sandbox|pod sandbox|task|ID|process) "?[0-9a-f]{12,64}"?:? (?:not found|does not exist)|could not find (?:container|sandbox|pod sandbox|pod) "?[0-9a-f]{12,64}|No such container|no such (?:sandbox|container|task|pod sandbox)|ID does not exist|(?:sandbox|container) not found|not found: not found|PodSandbox "?[0-9a-f]{64}"? not found|(?:container|sandbox) (?:with ID|id) "?[0-9a-f]{12,64}"? (?:not found|does not exist)|container is not found|does not exist: not found|task [0-9a-f]{64} not found|: not found$/;
const CRI_WORDS = /rpc error|kuberuntime|PodSandbox|ContainerStatus|No such container|no PodSandBox|runtime service|an error occurred when try to find|crictl|does not exist|code = NotFound/;
const NOT_OBJECTS = /image|reference|manifest|snapshot|plugin|executable file|secret|configmap|namespace|volume|mount|node "|\bfile\b|in \$PATH/i;

/** The runtime answered NotFound for a sandbox or container kubelet still refers to. */
export const runtimeObjectNotFoundRule: Rule = {
  id: 'runtime-object-not-found',
  category: 'runtime-object-missing',
  severity: 'warning',
  title: 'Sandbox or container no longer exists',
  summary: 'A runtime call about a sandbox or container that answers NotFound (`an error occurred when try to find sandbox`, `… does not exist`, `No such container`, `code = NotFound`).',
  literals: ['not found', 'NotFound', 'does not exist', 'No such container', 'no such ', 'could not find', 'code = 5 desc'],
  keyFields: ['sandboxId', 'containerId'],
  match(event) {
    // A probe racing a container that just exited, or docker's own network sandboxes (libnetwork): not CRI objects.
    if (isOperation(event, 'exec') || (event.operation === undefined && !CRI_WORDS.test(event.text))) return undefined;
    let depth = causeDepth(event, MISSING);
    if (depth < 0 && event.code === 'NotFound' && event.operation !== undefined && !isOperation(event, 'image-pull', 'list-images')) {
      depth = Math.max(0, causeDepth(event, /not found|NotFound/));
    }
    if (depth < 0) return undefined;
    const deepest = event.causes[depth - 1] ?? '';
    if (NOT_OBJECTS.test(deepest) && !/container|sandbox/i.test(deepest)) return undefined;
    const extracted = extractedOf(event);
    if (extracted.sandboxId === undefined && extracted.containerId === undefined) {
      if (/sandbox/i.test(deepest) || isOperation(event, 'sandbox-stop', 'sandbox-remove', 'sandbox-status')) extracted.reason = 'sandbox not found (no ID in the message)';
      else if (/container/i.test(deepest) || isOperation(event, 'container-stop', 'container-remove', 'container-status', 'container-start', 'exec')) extracted.reason = 'container not found (no ID in the message)';
      else return undefined;
    }
    return matched(depth, extracted);
  },
};
