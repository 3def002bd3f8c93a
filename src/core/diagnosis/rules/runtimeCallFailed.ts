import type { Rule } from '../types';
import { deepestReason, extractedOf, isOperation, isOtherGrpcService } from './support';

/** A probe racing a container that just exited (`NotFound … container is not created or running`). */
const PROBE_RACE = /not created or running|container process not found|container not running/;

/** Benign start-up transients and successes that look like failures. */
const BENIGN = /may not have completed yet|has yet to be successful|failed once\. Stats initialization|returns successfully|succeeded|CrashLoopBackOff|[Bb]ack-off \d|[Bb]ack-off pulling|container factory failed/;
/** A runtime's own error chain (not an API server's, not an exporter's): gRPC framing or runtime words. */
const RUNTIME_CHAIN = /rpc error|\bcode ?= ?\w|runtime service|OCI runtime|\bshim\b|containerd|cri-o|crio|runc|dockershim|docker|with \w{1,40}Error: /;
const RUNTIME_OBJECT = /\bcontainer\b|\bsandbox\b|\btask\b/;
const ERROR_WORDS = /rpc error|\bcode ?= ?[A-Z]|\berr(?:or)?="|\b[Ee]rror\b|\bfailed\b|\bFailed\b/;

/**
 * The catch-all: a runtime call that failed with an error chain no other rule claims still becomes a finding with
 * its operation, code and deepest cause, so nothing with an error chain is dropped silently.
 */
export const runtimeCallFailedRule: Rule = {
  id: 'runtime-call-failed',
  category: 'runtime-call-failed',
  severity: 'warning',
  title: 'Container runtime call failed',
  summary: 'Any other CRI or runtime call (a named or implied operation) that failed with an error chain: the finding names the operation, the gRPC code and the deepest cause. Claimed last; image pulls are left out.',
  literals: ['rpc error', 'level=error', 'level=fatal', 'failed to ', 'Failed to ', ' failed: '],
  gate: ['rpc error', 'code =', 'rror', 'ailed', 'err='],
  keyFields: ['method', 'code', 'cause'],
  match(event) {
    if (isOperation(event, 'exec') && (event.code === 'NotFound' || PROBE_RACE.test(event.text))) return undefined;
    // A call the caller cancelled (a pod deleted during its image pull) is not a runtime failure; nor another service's.
    if (event.code === 'Canceled' || isOtherGrpcService(event)) return undefined;
    if (event.operation === undefined && !(event.text.includes('rpc error') && RUNTIME_OBJECT.test(event.text))) return undefined;
    if (!RUNTIME_CHAIN.test(event.text) && event.runtime === undefined) return undefined;
    if (event.line.level === 'info' || event.line.level === 'debug') {
      if (event.code === undefined) return undefined;
    }
    if (!ERROR_WORDS.test(event.text) || BENIGN.test(event.text)) return undefined;
    // A chain cut after its `…Error:` (the rest wrapped onto the next line) states no cause yet.
    if (/:\s*$/.test(event.text)) return undefined;
    if (event.causes.length < 2 && event.code === undefined) return undefined;
    const extracted = extractedOf(event);
    const cause = deepestReason(event);
    if (cause !== undefined) extracted.cause = cause;
    // Below every specific rule, whatever their depth.
    return { depth: -1, extracted };
  },
};
