import type { Rule } from '../types';
import { causeDepth, extractedOf, isOperation, matched } from './support';

const FAILURE = /context deadline exceeded|DeadlineExceeded|timed out|operation timeout|timeout waiting|timeout reached|timeout while waiting|failed to kill|termination failed after|is cancelled|termination failed with gracePeriod|unable to signal init|ttrpc: closed|did not stop|waiting for container [^\n]{1,120} to be killed/i;

/** Stopping or killing a container did not finish in time, or the process could not be killed. */
export const containerStopTimeoutRule: Rule = {
  id: 'container-stop-timeout',
  category: 'container-stop-timeout',
  severity: 'error',
  title: 'Container stop timed out',
  summary: 'A container stop/kill (StopContainer, KillContainer, `termination failed with gracePeriod`, `wait container … is cancelled`) whose cause is a deadline or a kill that failed.',
  literals: ['eadline exceeded', 'DeadlineExceeded', 'timed out', 'operation timeout', 'timeout waiting', 'timeout reached', 'timeout while waiting', 'failed to kill', 'is cancelled', 'gracePeriod', 'termination failed', 'unable to signal', 'ttrpc: closed', 'did not stop', 'to be killed', 'Failed to kill', 'Did not stop', 'Timed out'],
  keyFields: ['containerId'],
  match(event) {
    if (!isOperation(event, 'container-stop')) return undefined;
    // `Stopping container … (timeout: 30s)`, `StopContainer … with timeout 3600 (s)`: the grace period asked for, not a failure.
    if ((event.line.level === 'info' || event.line.level === 'debug') && event.code === undefined) return undefined;
    const depth = causeDepth(event, FAILURE);
    if (depth < 0) return undefined;
    const extracted = extractedOf(event);
    extracted.method = 'StopContainer';
    return matched(depth, extracted);
  },
};
