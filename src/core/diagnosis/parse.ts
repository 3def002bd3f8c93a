import { ANSI, stripTrailingCr } from './lineBytes';
import { ISO, levelOf, normaliseIso, parseJsonLine, parseLogfmtLine } from './structuredLine';
import type { LogFormat, LogLevel } from './structuredLine';
import type { LogLine } from './types';

/**
 * Turns one raw log line, whatever its source, into a `LogLine`: the message text with prefixes, ANSI codes and
 * quote escaping normalised away, the timestamp when the line carries one, and the repeat count of
 * `kubectl describe` event rows.
 *
 * Every pattern here is anchored or bounded (no nested quantifiers), and escaping is undone by linear scans,
 * so a hostile line costs time proportional to its length.
 */

export interface ParseOptions {
  /** Year for formats that carry none (klog, BSD syslog). Defaults to the current UTC year (the previous one for dates ahead). */
  readonly year?: number;
  /** Reference time (ms since the epoch) for that inference; defaults to `Date.now()`. */
  readonly now?: number;
}

/** A parsed line plus what the parser learned on the way; `LogLine` is the stable part. */
export interface ParsedLogLine extends LogLine {
  readonly level?: LogLevel;
  readonly format?: LogFormat;
  /** True when the line was cut short (journald/less `>` marker, `…`): trailing IDs may be incomplete. */
  readonly truncated?: boolean;
}

/** JSON lines longer than this are treated as plain text (JSON.parse on megabytes is not worth it). */
const MAX_JSON_LENGTH = 256 * 1024;
/** Month abbreviations as syslog/journald print them, English and the common localised ones (lower case, no dot). */
const MONTHS: Readonly<Record<string, string>> = (() => {
  const table: Record<string, string> = {};
  const names: readonly (readonly string[])[] = [
    ['jan', 'janv', 'ene', 'gen', 'janu', 'sty', 'oca', 'янв', 'led'],
    ['feb', 'fév', 'févr', 'fev', 'fevr', 'lut', 'şub', 'фев', 'úno'],
    ['mar', 'mär', 'mrz', 'mars', 'mrt', 'мар', 'bře'],
    ['apr', 'avr', 'abr', 'kwi', 'nis', 'апр', 'dub'],
    ['may', 'mai', 'mei', 'mag', 'maj', 'мая', 'май', 'kvě'],
    ['jun', 'juin', 'giu', 'cze', 'haz', 'июн', 'čvn'],
    ['jul', 'juil', 'lug', 'lip', 'tem', 'июл', 'čvc'],
    ['aug', 'août', 'ago', 'sie', 'ağu', 'авг', 'srp'],
    ['sep', 'sept', 'set', 'wrz', 'eyl', 'сен', 'зář', 'zář'],
    ['oct', 'okt', 'ott', 'out', 'paź', 'eki', 'окт', 'říj'],
    ['nov', 'lis', 'kas', 'ноя', 'noi'],
    ['dec', 'dez', 'déc', 'dic', 'gru', 'ara', 'дек', 'pro'],
  ];
  names.forEach((list, index) => {
    for (const name of list) {
      table[name] = String(index + 1).padStart(2, '0');
    }
  });
  return table;
})();

function monthNumber(name: string): string | undefined {
  const key = name.toLowerCase().replace(/\.$/, '');
  const cjk = /^(\d{1,2})月$/.exec(key);
  if (cjk) {
    return Number(cjk[1]) >= 1 && Number(cjk[1]) <= 12 ? cjk[1].padStart(2, '0') : undefined;
  }
  return MONTHS[key];
}

/** `grep -n` / `grep -r` style `file:123:` prefixes and talosctl's `10.0.0.1: ` node prefix. */
const GREP_PREFIX = /^(?:[\w.\-/]{1,256}:\d{1,9}:|\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}: )/;
const ISO_SYSLOG = new RegExp(`^(${ISO}) (\\S{1,255}) ([\\w.\\-@/]{1,64})(?:\\[(\\d{1,10})\\])?: `);
const BSD_SYSLOG = /^(\p{L}{3,5}\.?|\d{1,2}月) {1,2}(\d{1,2})日? (\d{2}:\d{2}:\d{2})(?:\.\d{1,9})? (\S{1,255}) ([\w.\-@/]{1,64})(?:\[(\d{1,10})\])?: /u;
/** logrus text output (`ERRO[0005] msg`, crictl's `FATA[0000] …`). */
const LOGRUS = /^(INFO|WARN|WARNING|ERRO|ERROR|FATA|FATAL|DEBU|TRAC|PANI)\[[^\]]{0,40}\] {1,4}/;
/** Talos and multi-node tools: `host: {json}` or `host: level=…`. */
const HOST_PREFIX = /^[\w.-]{1,253}: (?=\{|time=|level=)/;
const COMBINED = /^\(combined from similar events\): /;
const TIME_SYSLOG = /^(\d{2}:\d{2}:\d{2}) (\S{1,255}) ([\w.\-@/]{1,64})\[(\d{1,10})\]: /;
const CRI_LOG = new RegExp(`^(${ISO}) (?:stdout|stderr) [FP] `);
const ISO_PREFIX = new RegExp(`^(${ISO})\\s{1,8}`);
const KLOG = /^([IWEF])(\d{2})(\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?) {1,20}\d{1,10} [^\]\s]{1,256}:\d{1,7}\] /;
const EVENT_ROW = /^(?:\S{1,32} {1,40})?(Warning|Normal) {1,40}([A-Za-z]{1,64}) {1,40}/;
const EVENT_AGE = /^(\S{1,32})(?: \(x(\d{1,9}) over \S{1,32}\))? {1,40}/;

const BACKSLASH_RUN = /\\+/g;
const CURLY_TEST = /[\u201c-\u201f\u2033\u2036\u2018\u2019]/;
const CURLY_DOUBLE = /[\u201c-\u201f\u2033\u2036]/g;
const CURLY_SINGLE = /[\u2018\u2019]/g;
/** Only this much of a line is parsed: diagnosis looks at a line's head, and the cost per line stays bounded. */
export const MAX_LINE_CHARS = 64 * 1024;

const KLOG_LEVELS: Readonly<Record<string, LogLevel>> = { I: 'info', W: 'warning', E: 'error', F: 'fatal' };

let memoTime = Number.NaN;
let memoYear = 0;

function utcYear(time: number): number {
  if (time !== memoTime) {
    memoTime = time;
    memoYear = new Date(time).getUTCFullYear();
  }
  return memoYear;
}

/**
 * The year for a month/day timestamp: the given one, else the current UTC year, or the previous year when that
 * would put the date more than two days in the future (a December log read in January).
 */
function yearFor(options: ParseOptions, month: string, day: string): number {
  if (options.year !== undefined) {
    return options.year;
  }
  const now = options.now ?? Date.now();
  const year = utcYear(now);
  const candidate = Date.UTC(year, Number(month) - 1, Number(day));
  return candidate > now + 2 * 86_400_000 ? year - 1 : year;
}

function pad2(value: string): string {
  return value.length === 1 ? `0${value}` : value;
}

/**
 * Normalises every level of quote escaping to a plain `"`: `\"`, `\\\"`, `\\\\\\\"` and curly quotes all become `"`.
 * Backslashes not followed by a quote are kept. Linear in the length of the text.
 */
export function normaliseQuotes(text: string): string {
  let out = text;
  if (out.includes('\\')) {
    // Each maximal run of backslashes is matched once (linear); it is dropped only when a quote follows it.
    out = out.replace(BACKSLASH_RUN, (run: string, offset: number, whole: string) => (whole.charCodeAt(offset + run.length) === 0x22 ? '' : run));
  }
  if (CURLY_TEST.test(out)) {
    out = out.replace(CURLY_DOUBLE, '"').replace(CURLY_SINGLE, "'");
  }
  return out;
}

interface Header {
  text: string;
  timestamp?: string;
  source?: string;
  level?: LogLevel;
  format?: LogFormat;
}

function stripPrefixes(input: string, options: ParseOptions): Header {
  let text = input;
  let timestamp: string | undefined;
  let source: string | undefined;
  for (let round = 0; round < 4; round += 1) {
    const iso = ISO_SYSLOG.exec(text);
    if (iso) {
      timestamp = normaliseIso(iso[1]);
      source = iso[3];
      text = text.slice(iso[0].length);
      continue;
    }
    const bsd = BSD_SYSLOG.exec(text);
    const month = bsd ? monthNumber(bsd[1]) : undefined;
    if (bsd && month !== undefined) {
      timestamp = `${yearFor(options, month, bsd[2])}-${month}-${pad2(bsd[2])}T${bsd[3]}`;
      source = bsd[5];
      text = text.slice(bsd[0].length);
      continue;
    }
    const timeOnly = TIME_SYSLOG.exec(text);
    if (timeOnly) {
      source = timeOnly[3];
      text = text.slice(timeOnly[0].length);
      continue;
    }
    const cri = CRI_LOG.exec(text) ?? ISO_PREFIX.exec(text);
    if (cri) {
      timestamp = normaliseIso(cri[1]);
      text = text.slice(cri[0].length);
      continue;
    }
    const grep = GREP_PREFIX.exec(text) ?? HOST_PREFIX.exec(text);
    if (grep) {
      text = text.slice(grep[0].length).trimStart();
      continue;
    }
    break;
  }
  const logrus = LOGRUS.exec(text);
  if (logrus) {
    text = text.slice(logrus[0].length);
    return { text, timestamp, source, level: levelOf(logrus[1]), format: 'logrus' };
  }
  let level: LogLevel | undefined;
  const klog = KLOG.exec(text);
  if (klog) {
    level = KLOG_LEVELS[klog[1]];
    timestamp = `${yearFor(options, klog[2], klog[3])}-${klog[2]}-${klog[3]}T${klog[4]}`;
    text = text.slice(klog[0].length);
    return { text, timestamp, source, level, format: 'klog' };
  }
  return { text, timestamp, source, level };
}

export function parseLogLine(raw: string, lineNumber: number, options: ParseOptions = {}): ParsedLogLine {
  let text = raw.length > MAX_LINE_CHARS ? raw.slice(0, MAX_LINE_CHARS) : raw;
  text = stripTrailingCr(text);
  if (text.includes('\0')) {
    text = text.replace(/\0/g, '');
  }
  if (text.includes('\x1b')) {
    text = text.replace(ANSI, '');
  }
  if (text.includes('\r')) {
    text = text.replace(/\r/g, ' ');
  }
  text = text.trimStart();

  const header = stripPrefixes(text, options);
  text = header.text;
  let { timestamp, source, level, format } = header;
  let repeat = 1;

  const trimmed = text.charCodeAt(0) === 0x7b /* { */ ? text.trimEnd() : '';
  if (trimmed.endsWith('}') && trimmed.length <= MAX_JSON_LENGTH) {
    const body = parseJsonLine(trimmed, (message) => stripPrefixes(message, options));
    if (body) {
      text = body.text;
      timestamp = body.timestamp ?? timestamp;
      source = body.source ?? source;
      level = body.level ?? level;
      format = body.format;
    }
  } else if (text.includes('msg=') && (text.startsWith('time=') || text.startsWith('level=') || text.includes(' level='))) {
    const body = parseLogfmtLine(text);
    if (body) {
      text = body.text;
      timestamp = body.timestamp ?? timestamp;
      level = body.level ?? level;
      format = 'logfmt';
    }
  } else {
    const event = EVENT_ROW.exec(text);
    if (event) {
      const rest = text.slice(event[0].length);
      const age = EVENT_AGE.exec(rest);
      let afterAge = age ? rest.slice(age[0].length) : rest;
      if (age?.[2] !== undefined) {
        repeat = Math.max(1, Number(age[2]));
      }
      level = event[1] === 'Warning' ? 'warning' : 'info';
      format = event[0].startsWith('Warning') || event[0].startsWith('Normal') ? 'event-describe' : 'event-get';
      const from = /^(kubelet|containerd|default-scheduler)\b(?:, [\w.-]{1,253})? {1,40}/.exec(afterAge);
      if (from) {
        source = from[1];
        afterAge = afterAge.slice(from[0].length);
      }
      afterAge = afterAge.replace(COMBINED, '');
      text = `${event[2]}: ${afterAge}`;
    }
  }
  format ??= header.source !== undefined ? 'syslog' : 'plain';

  let truncated = false;
  const last = text.charCodeAt(text.length - 1);
  if (last === 0x3e /* > */ || last === 0x2026 /* … */) {
    // journald/less mark a cut line with `>`; other viewers with `…`. Keep the text, drop the marker.
    if (last === 0x2026 || (/[^-=<>]>$/.test(text.slice(-2)) && !/<[^<>\s]{0,40}>$/.test(text.slice(-48)))) {
      text = text.slice(0, -1);
      truncated = true;
    }
  }

  const line: { lineNumber: number; text: string; repeat: number; timestamp?: string; source?: string; level?: LogLevel; format?: LogFormat; truncated?: boolean } = {
    lineNumber, text: normaliseQuotes(text), repeat, format,
  };
  if (timestamp !== undefined) {
    line.timestamp = timestamp;
  }
  if (source !== undefined) {
    line.source = source;
  }
  if (level !== undefined) {
    line.level = level;
  }
  if (truncated) {
    line.truncated = true;
  }
  return line;
}
