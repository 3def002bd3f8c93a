import { shortReason } from '../event';
import type { LogEvent, OperationKind } from '../event';
import type { Extracted, RuleMatch } from '../types';

/**
 * How deep in the event's cause chain `pattern` matches: i + 1 for the deepest cause i from which on the chain
 * matches, 0 when it matches the line only outside the chain, -1 when it does not match at all. Rules with deeper
 * matches win, so `StopPodSandbox … failed to destroy network … cached result: unexpected end of JSON input` is a
 * cache finding, not a generic teardown one. `pattern` must not be global.
 */
export function causeDepth(event: LogEvent, pattern: RegExp): number {
  if (!pattern.test(event.text)) {
    return -1;
  }
  const causes = event.causes;
  let suffix = '';
  for (let i = causes.length - 1; i >= 0; i -= 1) {
    suffix = i === causes.length - 1 ? causes[i] : `${causes[i]}: ${suffix}`;
    if (pattern.test(suffix)) {
      return i + 1;
    }
  }
  return 0;
}

/** gRPC services that are not the container runtime: their errors are not runtime findings. */
const OTHER_GRPC = /device plugin|device-plugins|deviceplugin|listAndWatch|kubernetes\.io\/csi|csi\.sock|csi_attacher|\bCSI\b|etcd|otlp|[Ee]xporting failed/;

export function isOtherGrpcService(event: LogEvent): boolean {
  return OTHER_GRPC.test(event.text);
}

export function isOperation(event: LogEvent, ...kinds: OperationKind[]): boolean {
  return event.operation !== undefined && kinds.includes(event.operation.kind);
}

/** The deepest cause, ID-free, or undefined when the line has no error chain. */
export function deepestReason(event: LogEvent): string | undefined {
  const n = event.causes.length;
  const deepest = event.causes[n - 1];
  if (deepest === undefined) {
    return undefined;
  }
  // A terse last word (`closed` of `ttrpc: closed`, an ID) reads better with the cause that wraps it.
  const wrapper = n >= 2 ? event.causes[n - 2] : undefined;
  return shortReason(deepest.length < 24 && wrapper !== undefined && wrapper.length < 60 ? `${wrapper}: ${deepest}` : deepest);
}

/** Everything the event says about its objects, as finding fields. */
export function extractedOf(event: LogEvent): Extracted {
  const o = event.objects;
  const out: Extracted = {};
  if (o.sandboxId !== undefined) out.sandboxId = o.sandboxId;
  if (o.containerId !== undefined) out.containerId = o.containerId;
  if (o.podUid !== undefined) out.podUid = o.podUid;
  if (o.podName !== undefined) out.podName = o.podName;
  if (o.podNamespace !== undefined) out.podNamespace = o.podNamespace;
  if (o.network !== undefined) out.network = o.network;
  if (o.pluginType !== undefined) out.pluginType = o.pluginType;
  if (o.handler !== undefined) out.handler = o.handler;
  if (event.operation?.method !== undefined) out.method = event.operation.method;
  if (event.code !== undefined) out.code = event.code;
  if (event.runtime !== undefined) out.runtime = event.runtime;
  return out;
}

export function matched(depth: number, extracted: Extracted): RuleMatch | undefined {
  return depth < 0 ? undefined : { depth, extracted };
}
