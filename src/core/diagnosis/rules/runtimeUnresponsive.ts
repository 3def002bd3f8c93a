import type { Rule } from '../types';
import { causeDepth, extractedOf, isOperation, isOtherGrpcService, matched } from './support';

const TIMEOUT = /context deadline exceeded|DeadlineExceeded|timed out|i\/o timeout|timeout/;
const DIAL_TIMEOUT = /(?:dial unix|Error while dialing|connect to|connection to|connect endpoint|validate service connection|dial)[^\n]{0,300}?(?:context deadline exceeded|i\/o timeout|timed out)|failed to (?:connect|dial)[^\n]{0,200}?(?:deadline exceeded|timeout)/;

/** The runtime does not answer list/status calls (or its socket) in time. */
export const runtimeUnresponsiveRule: Rule = {
  id: 'runtime-unresponsive',
  category: 'runtime-unresponsive',
  severity: 'error',
  title: 'Container runtime too slow to answer',
  summary: 'A list or status call (ListPodSandbox, ListContainers, a PLEG relist, Status, stats, ContainerStatus) that fails with `DeadlineExceeded`/`context deadline exceeded`, or a runtime socket dial that times out.',
  literals: ['deadline exceeded', 'DeadlineExceeded', 'timed out', 'timeout', 'code = 4 desc', 'Code:4'],
  keyFields: ['method'],
  match(event) {
    if (isOtherGrpcService(event)) return undefined;
    if (isOperation(event, 'list-sandboxes', 'list-containers', 'list-images', 'stats', 'runtime-status', 'sandbox-status', 'container-status', 'image-status')) {
      const depth = causeDepth(event, TIMEOUT);
      if (depth >= 0 || event.code === 'DeadlineExceeded') {
        return matched(Math.max(depth, 0), extractedOf(event));
      }
      return undefined;
    }
    if (!/(?:containerd|crio|docker|cri-dockerd|dockershim)[\w.-]{0,20}\.sock|\bruntime\b|\bCRI\b/.test(event.text)) return undefined;
    const depth = causeDepth(event, DIAL_TIMEOUT);
    if (depth < 0) return undefined;
    const extracted = extractedOf(event);
    if (event.objects.socket !== undefined) extracted.path = event.objects.socket;
    return matched(depth, extracted);
  },
};
