// Fleet pieces of the API stand-in (TESTS ONLY): server-side label selectors on the node list, node-problem-detector's
// NodeConditions, and the kubelet's node log endpoint behind the API server's node proxy.
//
// Formats reproduced:
// - Label selectors: `k8s.io/apimachinery/pkg/labels/selector.go` (`=`, `==`, `!=`, `in`, `notin`, `key`, `!key`);
//   a malformed selector is a 400 `BadRequest` Status, as the API server answers.
// - NodeConditions as node-problem-detector writes them (`pkg/exporters/k8sexporter/condition`): type, status
//   True/False/Unknown, reason, message, lastHeartbeatTime, lastTransitionTime.
// - Node log query (KEP-2258, kubelet `/logs/` with `?query=`), through `GET /api/v1/nodes/<node>/proxy/logs/`: the API
//   server relays the kubelet's status and body. `served`: text/plain lines (journal short format), `tailLines` honoured;
//   `handler-off` (enableSystemLogHandler false): the kubelet's plain-text 404; `query-off` (enableSystemLogQuery false):
//   the handler is a file server of /var/log that ignores `?query=` and lists the directory as HTML. RBAC on
//   `nodes/proxy` is the API server's 403 Status.
type Json = Record<string, unknown>;

export type NodeLogBehaviour =
  | { readonly mode: 'served'; readonly logs: Readonly<Record<string, string>> }
  | { readonly mode: 'handler-off' }
  | { readonly mode: 'query-off' };

type Requirement =
  | { op: 'exists' | '!exists'; key: string }
  | { op: '=' | '!='; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] };

/** Parses a label selector as the API server does; undefined when it is malformed. */
export function parseLabelSelector(selector: string): Requirement[] | undefined {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i += 1) {
    if (selector[i] === '(') depth += 1;
    else if (selector[i] === ')') depth -= 1;
    else if (selector[i] === ',' && depth === 0) { parts.push(selector.slice(start, i)); start = i + 1; }
  }
  parts.push(selector.slice(start));
  const requirements: Requirement[] = [];
  for (const raw of parts) {
    const part = raw.trim();
    if (part === '') { if (parts.length === 1) return []; return undefined; }
    let m = /^!\s*([\w./-]+)$/.exec(part);
    if (m) { requirements.push({ op: '!exists', key: m[1] }); continue; }
    m = /^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/.exec(part);
    if (m) { requirements.push({ op: m[2] === '!=' ? '!=' : '=', key: m[1], value: m[3] }); continue; }
    m = /^([\w./-]+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(part);
    if (m) { requirements.push({ op: m[2] as 'in' | 'notin', key: m[1], values: m[3].split(',').map((v) => v.trim()) }); continue; }
    m = /^([\w./-]+)$/.exec(part);
    if (m) { requirements.push({ op: 'exists', key: m[1] }); continue; }
    return undefined;
  }
  return requirements;
}

export function matchesLabels(requirements: readonly Requirement[], labels: Readonly<Record<string, string>>): boolean {
  return requirements.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    switch (r.op) {
      case 'exists': return has;
      case '!exists': return !has;
      case '=': return has && labels[r.key] === r.value;
      case '!=': return !has || labels[r.key] !== r.value;
      case 'in': return has && r.values.includes(labels[r.key]);
      case 'notin': return !has || !r.values.includes(labels[r.key]);
    }
  });
}

/** A NodeCondition as NPD writes it. */
export function npdCondition(type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string, at: string): Json {
  return { type, status, lastHeartbeatTime: at, lastTransitionTime: at, reason, message };
}

/** What the kubelet answers to `/logs/?query=...` (status, content type, body). */
export function kubeletLogAnswer(behaviour: NodeLogBehaviour | undefined, url: URL): { code: number; type: string; body: string } {
  if (!behaviour || behaviour.mode === 'handler-off') return { code: 404, type: 'text/plain; charset=utf-8', body: '404 page not found\n' };
  if (behaviour.mode === 'query-off') {
    return { code: 200, type: 'text/html; charset=utf-8', body: '<pre>\n<a href="apt/">apt/</a>\n<a href="containers/">containers/</a>\n<a href="journal/">journal/</a>\n<a href="pods/">pods/</a>\n</pre>\n' };
  }
  const service = url.searchParams.get('query') ?? '';
  const text = behaviour.logs[service];
  if (text === undefined) return { code: 200, type: 'text/plain; charset=utf-8', body: '-- No entries --\n' };
  const tail = Number(url.searchParams.get('tailLines') ?? 0);
  const lines = text.split(/(?<=\n)/);
  return { code: 200, type: 'text/plain; charset=utf-8', body: tail > 0 ? lines.slice(-tail).join('') : text };
}
