import type { Rule } from '../types';
import { causeDepth, extractedOf, matched } from './support';

const NO_SANDBOX = /no Pod[sS]and[bB]ox found/;

/** kubelet found a container whose sandbox the runtime no longer lists (the container map at start-up). */
export const noPodSandboxFoundRule: Rule = {
  id: 'no-podsandbox-found',
  category: 'runtime-object-missing',
  severity: 'error',
  title: 'Container without its sandbox',
  summary: 'kubelet finding a container whose sandbox the runtime no longer lists (`no PodsandBox found with Id …`, `no PodSandBox found for the container`).',
  literals: ['andBox found', 'andbox found'],
  keyFields: ['sandboxId'],
  match(event) {
    const depth = causeDepth(event, NO_SANDBOX);
    if (depth < 0) return undefined;
    const extracted = extractedOf(event);
    const id = /no Pod[sS]and[bB]ox found with Id '([0-9a-f]{64})'|podSandboxId="?([0-9a-f]{64})/.exec(event.text);
    if (id) extracted.sandboxId = id[1] ?? id[2];
    if (extracted.sandboxId === undefined) return undefined;
    const container = /container with ID "?([0-9a-f]{64})|containerId="?([0-9a-f]{64})/.exec(event.text);
    if (container) extracted.containerId = container[1] ?? container[2];
    return matched(depth, extracted);
  },
};
