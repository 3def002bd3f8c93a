/** The structured envelopes of a log line (JSON, journald JSON, logfmt) and the level and time fields they share. */

/** A line's severity, from its envelope. */
export type LogLevel = 'fatal' | 'error' | 'warning' | 'info' | 'debug';

/** The envelope a line came in (the outermost format the parser recognised inside any syslog/journald prefix). */
export type LogFormat = 'plain' | 'klog' | 'json' | 'journald-json' | 'logfmt' | 'logrus' | 'event-describe' | 'event-get' | 'syslog';


/** The message of a journald record, with its own prefixes parsed. */
export interface Header {
  readonly text: string;
  readonly timestamp?: string;
  readonly level?: LogLevel;
}

/** Longest value kept from one JSON/logfmt field. */
export const MAX_FIELD_LENGTH = 16 * 1024;


/** An ISO 8601 timestamp as logs print it (space or T, comma or dot, optional zone). */
export const ISO = '\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}:\\d{2}(?:[.,]\\d{1,9})?(?:Z|[+-]\\d{2}:?\\d{2})?';
const ISO_ONLY = new RegExp(`^${ISO}$`);

export function normaliseIso(value: string): string {
  return value.replace(' ', 'T').replace(',', '.');
}

/** A level word of any envelope (`ERRO`, `warning`, `crit`, …). */
export function levelOf(value: string | undefined): LogLevel | undefined {
  if (value === undefined) {
    return undefined;
  }
  const v = value.toLowerCase();
  if (v.startsWith('fata') || v.startsWith('pani') || v === 'crit' || v === 'critical') {
    return 'fatal';
  }
  if (v.startsWith('err')) {
    return 'error';
  }
  if (v.startsWith('warn')) {
    return 'warning';
  }
  if (v.startsWith('info') || v === 'notice') {
    return 'info';
  }
  if (v.startsWith('debu') || v.startsWith('trac')) {
    return 'debug';
  }
  return undefined;
}

/** Parses `key=value key="quoted \"value\""` pairs with a single linear scan. */
export function parseLogfmt(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  const n = text.length;
  let i = 0;
  while (i < n) {
    while (i < n && text.charCodeAt(i) === 0x20) {
      i += 1;
    }
    const keyStart = i;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x3d /* = */ || c === 0x20) {
        break;
      }
      i += 1;
    }
    const key = text.slice(keyStart, i);
    if (i >= n || text.charCodeAt(i) !== 0x3d) {
      i += 1;
      continue;
    }
    i += 1; // '='
    let value = '';
    if (i < n && text.charCodeAt(i) === 0x22) {
      i += 1;
      let chunkStart = i;
      while (i < n) {
        const c = text.charCodeAt(i);
        if (c === 0x5c && i + 1 < n) {
          value += text.slice(chunkStart, i);
          const next = text[i + 1];
          value += next === 'n' ? '\n' : next === 't' ? '\t' : next;
          i += 2;
          chunkStart = i;
        } else if (c === 0x22) {
          break;
        } else {
          i += 1;
        }
      }
      value += text.slice(chunkStart, i);
      i += 1; // closing quote
      if (i < n && text.charCodeAt(i) !== 0x20) {
        // Unescaped quotes inside a value (journald showed the line without its escaping): not logfmt after all.
        fields.set('\u0000broken', '');
      }
    } else {
      const valueStart = i;
      while (i < n && text.charCodeAt(i) !== 0x20) {
        i += 1;
      }
      value = text.slice(valueStart, i);
    }
    if (key.length > 0 && !fields.has(key)) {
      fields.set(key, value.length > MAX_FIELD_LENGTH ? value.slice(0, MAX_FIELD_LENGTH) : value);
    }
  }
  return fields;
}

function timestampFromJson(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
    // kubelet's JSON format writes milliseconds since the epoch; some loggers write seconds.
    const ms = value < 1e11 ? value * 1000 : value > 1e14 ? value / 1000 : value;
    const date = new Date(ms);
    return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
  }
  if (typeof value === 'string') {
    if (/^\d{16}$/.test(value)) {
      return new Date(Number(value) / 1000).toISOString(); // journald __REALTIME_TIMESTAMP, microseconds
    }
    if (ISO_ONLY.test(value)) {
      return normaliseIso(value);
    }
  }
  return undefined;
}

const JSON_SKIPPED_KEYS = new Set(['ts', 'time', 'timestamp', '@timestamp', 'caller', 'v', 'level', 'msg', 'message', 'MESSAGE', 'logger']);

/** Deepest nesting a JSON field is rendered to; deeper values become `…` (no recursion past it). */
const MAX_JSON_DEPTH = 16;

/** A bounded, iterative-depth rendering of a JSON value (JSON.stringify recurses without limit). */
function renderJson(value: unknown, depth: number, budget: { left: number }): string {
  if (budget.left <= 0) {
    return '…';
  }
  if (value === null || typeof value !== 'object') {
    const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
    budget.left -= text.length;
    return text;
  }
  if (depth >= MAX_JSON_DEPTH) {
    return '…';
  }
  const parts: string[] = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      parts.push(renderJson(item, depth + 1, budget));
      if (budget.left <= 0) break;
    }
    return `[${parts.join(',')}]`;
  }
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    parts.push(`${JSON.stringify(key)}:${renderJson(item, depth + 1, budget)}`);
    budget.left -= key.length;
    if (budget.left <= 0) break;
  }
  return `{${parts.join(',')}}`;
}

function fieldText(value: unknown): string {
  const text = typeof value === 'string' ? value : renderJson(value, 0, { left: MAX_FIELD_LENGTH });
  return text.length > MAX_FIELD_LENGTH ? text.slice(0, MAX_FIELD_LENGTH) : text;
}

/** A structured line's message and what its fields say. */
export interface Body {
  text: string;
  timestamp?: string;
  source?: string;
  level?: LogLevel;
  format?: LogFormat;
}

/**
 * A JSON line (`{"msg":…}`, or journald's `journalctl -o json` whose MESSAGE is itself a line: `header` parses that
 * line's own prefixes).
 */
export function parseJsonLine(text: string, header: (message: string) => Header): Body | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return undefined;
  }
  const record = value as Record<string, unknown>;
  // journald's `journalctl -o json`: the message is itself a (klog) line.
  if (typeof record.MESSAGE === 'string') {
    const inner = header(record.MESSAGE);
    const source = typeof record.SYSLOG_IDENTIFIER === 'string' ? record.SYSLOG_IDENTIFIER : typeof record._COMM === 'string' ? record._COMM : undefined;
    let innerText = inner.text;
    let innerLevel = inner.level;
    if (innerText.includes('msg=') && (innerText.startsWith('time=') || innerText.startsWith('level='))) {
      const body = parseLogfmtLine(innerText);
      if (body) {
        innerText = body.text;
        innerLevel = body.level ?? innerLevel;
      }
    }
    return { text: innerText, timestamp: inner.timestamp ?? timestampFromJson(record.__REALTIME_TIMESTAMP), source, level: innerLevel, format: 'journald-json' };
  }
  const msg = record.msg ?? record.message;
  if (msg === undefined) {
    return undefined;
  }
  let out = fieldText(msg);
  for (const key of Object.keys(record)) {
    if (!JSON_SKIPPED_KEYS.has(key)) {
      out += ` ${key}="${fieldText(record[key])}"`;
    }
  }
  const timestamp = timestampFromJson(record.ts) ?? timestampFromJson(record.time) ?? timestampFromJson(record.timestamp) ?? timestampFromJson(record['@timestamp']);
  const level = typeof record.level === 'string' ? levelOf(record.level) : record.err !== undefined || record.error !== undefined ? 'error' : undefined;
  return { text: out, timestamp, level, format: 'json' };
}

/** A logfmt line (`time=… level=… msg=…`); undefined when it has no `msg`. */
export function parseLogfmtLine(text: string): Body | undefined {
  const fields = parseLogfmt(text);
  const msg = fields.get('msg');
  if (fields.has('\u0000broken')) {
    // Keep the text as it is; still take the level and time.
    const time = fields.get('time');
    return { text, timestamp: time !== undefined && ISO_ONLY.test(time) ? normaliseIso(time) : undefined, level: levelOf(fields.get('level')), format: 'logfmt' };
  }
  if (msg === undefined) {
    return undefined;
  }
  let out = msg;
  for (const [key, value] of fields) {
    if (key !== 'time' && key !== 'level' && key !== 'msg') {
      out += ` ${key}="${value}"`;
    }
  }
  const time = fields.get('time');
  return { text: out, timestamp: time !== undefined && ISO_ONLY.test(time) ? normaliseIso(time) : undefined, level: levelOf(fields.get('level')), format: 'logfmt' };
}

/** Parses one raw line (without its newline); only its first `MAX_LINE_CHARS` characters. `lineNumber` is 1-based. */
