import type { ApiError, ApiRequest, RawAnswer } from '../cluster/kubeApi';
import { requireValidName } from '../cluster/names';
import { NodeDoctorError } from '../errors';
import { redact } from '../redact';

/**
 * A node's service logs through the API server's node proxy and the kubelet's log query (KEP-2258 "Node log query",
 * feature gate `NodeLogQuery`, beta and on by default from Kubernetes 1.30; kubelet config `enableSystemLogHandler` and
 * `enableSystemLogQuery` both true): `GET /api/v1/nodes/<node>/proxy/logs/?query=<service>`, answered as plain text
 * (journald on systemd nodes). RBAC: `get` on `nodes/proxy`.
 */
export const NODE_LOG_SERVICES = ['kubelet', 'containerd', 'crio', 'docker'] as const;
export type NodeLogService = (typeof NODE_LOG_SERVICES)[number];

export const DEFAULT_NODE_LOG_BYTES = 8 * 1024 * 1024;
export const DEFAULT_NODE_LOG_LINES = 20_000;

/** What a node log query needs of an API client (`KubeApi`). */
export interface RawRequester {
  readonly context: string;
  requestRaw(req: ApiRequest & { readonly maxBytes: number }): Promise<RawAnswer>;
  errorFor(answer: RawAnswer, req: ApiRequest): ApiError;
}

export interface NodeLog {
  readonly node: string;
  readonly service: NodeLogService;
  readonly text: string;
  /** The kubelet sent more than `maxBytes`: `text` ends at the last whole line within the bound. */
  readonly truncated: boolean;
  /** The query as sent, for the document's header: `/api/v1/nodes/n1/proxy/logs/?query=kubelet&tailLines=20000`. */
  readonly request: string;
}

export interface NodeLogOptions {
  /** Lines from the end of the log (`tailLines`; default 20,000). */
  readonly tailLines?: number;
  /** RFC 3339: only entries since (`sinceTime`). */
  readonly sinceTime?: string;
  /** Most bytes kept (default 8 MiB). */
  readonly maxBytes?: number;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** The kubelet settings that turn the query on, for the message when a node does not serve it. */
export const NODE_LOG_QUERY_SETTINGS =
  'On the node, set enableSystemLogHandler: true and enableSystemLogQuery: true in the kubelet configuration and make sure the NodeLogQuery feature gate is on (featureGates: {NodeLogQuery: true}; on by default from Kubernetes 1.30), then restart the kubelet.';

/** The kubelet answered without the query feature: 404 (no log handler), 403 or a "not enabled" text (query off), or the /var/log listing it serves when the query is off. */
function notServed(node: string, service: string, why: string): NodeDoctorError {
  return new NodeDoctorError('not-found', `Node ${node} does not serve its ${service} log through the API (${why}).`, { node, hint: NODE_LOG_QUERY_SETTINGS });
}

/** An `ApiError`-shaped body from the API server itself (JSON `Status`), as opposed to the kubelet's text answer through the proxy. */
function apiStatusOf(answer: RawAnswer): { reason?: string; message?: string; details?: { kind?: string } } | undefined {
  try {
    const parsed = JSON.parse(answer.text) as { kind?: string; reason?: string; message?: string; details?: { kind?: string } };
    return parsed && typeof parsed === 'object' && parsed.kind === 'Status' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Cuts a bounded body at its last newline, so no half line (or half UTF-8 character) ends the document. */
function wholeLines(text: string): string {
  const end = text.lastIndexOf('\n');
  return end >= 0 ? text.slice(0, end + 1) : '';
}

export async function queryNodeLog(api: RawRequester, node: string, service: NodeLogService, options: NodeLogOptions = {}): Promise<NodeLog> {
  requireValidName('node', node);
  if (!(NODE_LOG_SERVICES as readonly string[]).includes(service)) throw new NodeDoctorError('bad-input', `Unknown node service ${JSON.stringify(service)}.`);
  const tailLines = Math.max(1, Math.floor(options.tailLines ?? DEFAULT_NODE_LOG_LINES));
  const maxBytes = Math.max(1024, Math.floor(options.maxBytes ?? DEFAULT_NODE_LOG_BYTES));
  const path = `/api/v1/nodes/${encodeURIComponent(node)}/proxy/logs/`;
  const query = { query: service, tailLines, sinceTime: options.sinceTime };
  const req: ApiRequest & { maxBytes: number } = { method: 'GET', path, query, maxBytes, timeoutMs: options.timeoutMs ?? 30_000, signal: options.signal };
  const answer = await api.requestRaw(req);
  const shown = `${path}?${new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]): [string, string] => [k, String(v)])).toString()}`;
  const status = apiStatusOf(answer);
  if (answer.statusCode === 404) {
    // The API server's own 404 names the node ("nodes \"x\" not found"); the kubelet's is a plain-text 404 page.
    if (status?.details?.kind === 'nodes') throw api.errorFor(answer, req);
    throw notServed(node, service, 'the kubelet answered 404: its system log handler is off');
  }
  if (answer.statusCode === 403) {
    // RBAC (the API server's Status, kind nodes): the user may not use nodes/proxy. Otherwise the kubelet refused the query.
    if (status) {
      throw new NodeDoctorError('forbidden', `Reading node logs through the API is forbidden in context "${api.context}": ${redact(status.message ?? 'Forbidden')}`, {
        node, cluster: api.context, hint: 'Ask for get on nodes/proxy (e.g. a ClusterRole with resources: ["nodes/proxy"], verbs: ["get"]).',
      });
    }
    throw notServed(node, service, `the kubelet answered 403: ${redact(answer.text.trim().slice(0, 200)) || 'log query not enabled'}`);
  }
  if (answer.statusCode < 200 || answer.statusCode >= 300) {
    if (!status && /not enabled|feature gate/i.test(answer.text)) throw notServed(node, service, redact(answer.text.trim().slice(0, 200)));
    throw api.errorFor(answer, req);
  }
  // With the query off but the handler on, the kubelet ignores ?query= and serves the /var/log directory listing (HTML).
  if (/^text\/html/i.test(answer.contentType) || /^\s*<pre>\s*<a href=/i.test(answer.text)) {
    throw notServed(node, service, 'the kubelet listed /var/log instead: enableSystemLogQuery or the NodeLogQuery feature gate is off');
  }
  return { node, service, text: answer.truncated ? wholeLines(answer.text) : answer.text, truncated: answer.truncated, request: shown };
}
