import type { Extracted, Rule } from '../types';
import { causeDepth, extractedOf, isOtherGrpcService, matched } from './support';

const REFUSED = /dial unix ([\w./@-]{1,200}\.sock): connect: (connection refused|no such file or directory|resource temporarily unavailable)|[cC]ontainer runtime is down|container runtime is not running|[Cc]annot connect to the Docker daemon|connect: connection refused"?\)?$|error reading from server: EOF|transport is closing|connection closed before server preface|\.sock: read: connection reset by peer|\.sock: connect: connection refused/;
/** cAdvisor probing runtimes that are not installed (`Registration of the crio container factory failed`): normal. */
const BENIGN = /container factory failed|2562047h47m16/;

/** kubelet (or a client) cannot reach the container runtime's socket. */
export const runtimeUnavailableRule: Rule = {
  id: 'runtime-unavailable',
  category: 'runtime-unavailable',
  severity: 'error',
  title: 'Container runtime unreachable',
  summary: 'Nothing answering on the runtime socket (`dial unix …containerd.sock: connect: connection refused`, `no such file or directory`), `container runtime is down`, or a CRI call cut off (`code = Unavailable`, `error reading from server: EOF`).',
  literals: ['.sock: connect:', '.sock: read:', 'runtime is down', 'runtime is not running', 'Cannot connect to the Docker daemon', 'Unavailable', 'reading from server', 'transport is closing', 'server preface', 'connection refused', 'connection reset', 'code = 14 desc'],
  keyFields: ['path'],
  match(event) {
    if (BENIGN.test(event.text) || isOtherGrpcService(event)) return undefined;
    // `skipping pod synchronization - [container runtime is down]` at info level: kubelet starting before its runtime.
    if (event.line.level === 'info' && /skipping pod synchronization/.test(event.text) && !/PLEG is not healthy: pleg was last seen/.test(event.text)) return undefined;
    let depth = causeDepth(event, REFUSED);
    if (depth < 0 && event.code === 'Unavailable' && event.operation !== undefined) depth = 0;
    if (depth < 0) return undefined;
    const socket = /dial unix ([\w./@-]{1,200}\.sock): connect: (connection refused|no such file or directory|resource temporarily unavailable)/.exec(event.text);
    const extracted: Extracted = extractedOf(event);
    delete extracted.sandboxId;
    delete extracted.containerId;
    delete extracted.podUid;
    if (socket) {
      if (!/cri|runtime|containerd|crio|docker/.test(socket[1])) return undefined; // a device plugin, a CSI driver
      extracted.path = socket[1];
      extracted.reason = socket[2];
    } else if (/connection refused|dial unix/.test(event.text) && !/\.sock|\bruntime\b|\bCRI\b|\bcri\b/.test(event.text)) {
      return undefined; // an API server or webhook refusing, not the runtime
    } else {
      extracted.reason = /runtime is down/i.test(event.text) ? 'container runtime is down' : 'connection to the runtime lost';
    }
    return matched(depth, extracted);
  },
};
