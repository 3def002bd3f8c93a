import { RULES } from './catalog';
import { eventOf } from './event';
import { detach, FindingCollector } from './findingCollector';
import type { MultiLiteralScanner } from './literalScanner';
import { classify, prefilterFor } from './rulePrefilter';
import type { Decision, Prefilter } from './rulePrefilter';
import { ANSI, countNewlines, CR, crToNewline, NEWLINE, stripTrailingCr } from './lineBytes';
import { parseLogLine } from './parse';
import type { ParseOptions } from './parse';
import type { DiagnosisReport, LogLine, Rule } from './types';

/**
 * Streaming log diagnosis. Feed it raw bytes (`pushChunk`) or lines (`pushLine`), then `finish()`.
 *
 * Memory stays bounded whatever the input: a line longer than `maxLineBytes` is scanned over its first
 * `maxLineBytes` bytes only, each finding keeps at most `maxEvidenceLines` line numbers and all findings together at
 * most `maxEvidenceTotal` (their `count` stays exact), at most `maxFindings` distinct findings are kept, and a kept
 * finding holds copies of its (capped) fields, never a slice of the line it came from.
 *
 * Lines end at `\n`, `\r\n` or a lone `\r` (old Mac / progress-bar output).
 *
 * Speed comes from a pre-filter: a block of complete lines is searched once, as raw bytes, for any literal of the
 * catalog (`MultiLiteralScanner`), and only lines holding one are decoded, parsed and handed to the rules.
 */

export interface LogDiagnoserOptions {
  /** Line numbers kept per finding (default 1,000). `count` is exact either way. */
  readonly maxEvidenceLines?: number;
  /** Bytes of one line that are scanned (default 64 KiB). */
  readonly maxLineBytes?: number;
  /** Distinct findings kept (default 10,000); further objects are counted in `stats().droppedFindings`. */
  readonly maxFindings?: number;
  /** Line numbers kept over all findings (default 200,000); `stats().droppedEvidence` counts the rest. */
  readonly maxEvidenceTotal?: number;
  /** Year for timestamps of formats that carry none (klog, syslog). Defaults to the current UTC year. */
  readonly year?: number;
  /** The catalog to use (default: all rules). */
  readonly rules?: readonly Rule[];
}

/** What the scan noticed besides findings; the CLI prints these as notes. */
export interface DiagnoserStats {
  /** Lines that contained NUL bytes (binary data, or a log file with a hole after a crash). */
  readonly binaryLines: number;
  /**
   * Lines longer than `maxLineBytes` whose head was scanned: those holding a catalog literal, and any that spanned
   * chunks. (Long lines without a literal are skipped by the pre-filter and not counted.)
   */
  readonly longLines: number;
  /** Findings not kept because `maxFindings` was reached. */
  readonly droppedFindings: number;
  /** Evidence line numbers not kept because `maxEvidenceTotal` was reached (counts stay exact). */
  readonly droppedEvidence: number;
  /** Lines the parser could not handle (they are skipped; the run goes on). */
  readonly unparsedLines: number;
}

/** A klog or syslog header inside a line: two log lines merged into one (a lost newline, a paste). */
const EMBEDDED_HEADER = /\s(?=[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d{6} {1,20}\d{1,10} [\w.-]{1,100}:\d{1,7}\] |[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} [\w.-]{1,64} [\w.-]{1,64}\[\d{1,10}\]: )/g;
const MAX_SEGMENTS = 8;
/** The first half of a wrapped message: an operation's error announced, its chain on the next line. */
const WRAPPED_HEAD = /(?:Error|[Ee]rror|failed|rpc error):\s*$/;
/** A continuation: no envelope of its own, and the error chain itself. */
const CONTINUATION = /^\s*"?(?:rpc error|code = |[a-z][\w -]{0,60}: )/;

/** Lines up to this long have their classification remembered (so the cache pins at most MAX_DECISIONS × this). */
const MAX_CACHED_LINE = 4096;
const MAX_DECISIONS = 512;

export class LogDiagnoser {
  private readonly prefilter: Prefilter;
  private readonly maxLineBytes: number;
  private readonly parseOptions: ParseOptions;
  /** Multi-literal search over raw bytes, for block scans. */
  private readonly scanner: MultiLiteralScanner;
  /** A regex over every literal, for single lines. */
  private readonly prefilterOne: RegExp;
  private readonly collector: FindingCollector;
  /** A line that ended like the first half of a wrapped message, waiting for its continuation on the next line. */
  private wrapped: { readonly raw: string; readonly lineNumber: number } | undefined;
  /** Recent message texts and their classification. */
  private readonly decisions = new Map<string, Decision>();

  private linesScanned = 0;
  private bytesScanned = 0;
  private binaryLines = 0;
  private longLines = 0;
  private unparsedLines = 0;
  private runtime: { name: string; version: string } | undefined;
  /** A chunk ended with `\r`: it ended a line unless the next chunk starts with `\n`. */
  private trailingCr = false;

  /** The head (at most maxLineBytes) of an incomplete line carried over from the previous chunk. */
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private pendingOverflow = false;
  private pendingStarted = false;
  private finished = false;

  constructor(options: LogDiagnoserOptions = {}) {
    this.maxLineBytes = Math.max(256, options.maxLineBytes ?? 64 * 1024);
    this.collector = new FindingCollector({
      maxFindings: Math.max(1, options.maxFindings ?? 10_000), maxEvidenceLines: Math.max(0, options.maxEvidenceLines ?? 1000),
      maxEvidenceTotal: Math.max(0, options.maxEvidenceTotal ?? 200_000),
    });
    this.parseOptions = options.year !== undefined ? { year: options.year } : { now: Date.now() };
    this.prefilter = prefilterFor(options.rules ?? RULES);
    this.scanner = this.prefilter.scanner;
    this.prefilterOne = this.prefilter.one;
  }

  /**
   * Scans one line (without its newline); at most `maxLineBytes` characters of it. Counts its UTF-8 length plus one
   * newline towards `bytesScanned`.
   */
  pushLine(raw: string): void {
    this.assertOpen();
    const body = stripTrailingCr(raw);
    const cr = body.indexOf('\r');
    if (cr >= 0) {
      // A lone carriage return ends a line too.
      this.bytesScanned += Buffer.byteLength(raw) - Buffer.byteLength(body);
      for (const part of body.split('\r')) {
        this.pushOneLine(part, 0);
      }
      return;
    }
    this.pushOneLine(body, Buffer.byteLength(raw) - Buffer.byteLength(body));
  }

  private pushOneLine(raw: string, extraBytes: number): void {
    this.bytesScanned += Buffer.byteLength(raw) + 1 + extraBytes;
    this.linesScanned += 1;
    const text = raw.length > this.maxLineBytes ? raw.slice(0, this.maxLineBytes) : raw;
    if (raw.length > this.maxLineBytes) {
      this.longLines += 1;
    }
    if (text.includes('\0')) {
      this.binaryLines += 1;
    }
    const clean = text.includes('\x1b') ? text.replace(ANSI, '') : text;
    if (!this.prefilterOne.test(clean)) {
      return;
    }
    this.diagnoseLine(text, this.linesScanned);
  }

  /** Scans raw bytes; lines may span chunks. */
  pushChunk(chunk: Uint8Array): void {
    this.assertOpen();
    let buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (buf.length === 0) {
      return;
    }
    this.bytesScanned += buf.length;
    let start = 0;
    if (this.trailingCr) {
      // The previous chunk's final `\r` was turned into a line end; a `\n` right after it belongs to it.
      this.trailingCr = false;
      if (buf[0] === NEWLINE) {
        start = 1;
      }
    }
    if (buf.indexOf(CR, start) >= 0) {
      // The chunk's last `\r` cannot see the next chunk: treat it as a line end and remember it.
      this.trailingCr = buf[buf.length - 1] === CR;
      buf = crToNewline(buf, false);
    }
    if (start > 0) {
      buf = buf.subarray(start);
      start = 0;
      if (buf.length === 0) {
        return;
      }
    }
    if (this.pendingStarted) {
      const nl = buf.indexOf(NEWLINE);
      if (nl < 0) {
        this.appendPending(buf, 0, buf.length);
        return;
      }
      this.appendPending(buf, 0, nl);
      this.flushPending();
      start = nl + 1;
    }
    const lastNl = buf.lastIndexOf(NEWLINE);
    if (lastNl >= start) {
      this.scanBlock(buf, start, lastNl + 1);
      start = lastNl + 1;
    }
    if (start < buf.length) {
      this.appendPending(buf, start, buf.length);
    }
  }

  /** Ends the input (a last line without a newline counts) and returns the grouped findings. */
  finish(): DiagnosisReport {
    if (!this.finished) {
      if (this.pendingStarted) {
        this.flushPending();
      }
      this.finished = true;
    }
    const runtime = this.runtime;
    const findings = this.collector.findings(runtime);
    const report: DiagnosisReport = { findings, linesScanned: this.linesScanned, bytesScanned: this.bytesScanned };
    if (runtime !== undefined) {
      report.runtime = runtime;
    }
    return report;
  }

  stats(): DiagnoserStats {
    return {
      binaryLines: this.binaryLines, longLines: this.longLines, droppedFindings: this.collector.droppedFindings,
      droppedEvidence: this.collector.droppedEvidence, unparsedLines: this.unparsedLines,
    };
  }

  private assertOpen(): void {
    if (this.finished) {
      throw new Error('LogDiagnoser: input pushed after finish()');
    }
  }

  private appendPending(buf: Buffer, from: number, to: number): void {
    this.pendingStarted = true;
    const room = this.maxLineBytes - this.pendingLength;
    const take = Math.min(room, to - from);
    if (take > 0) {
      this.pending.push(Buffer.from(buf.subarray(from, from + take)));
      this.pendingLength += take;
    }
    if (to - from > take) {
      this.pendingOverflow = true;
    }
  }

  private flushPending(): void {
    const line = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingLength);
    const overflow = this.pendingOverflow;
    this.pending = [];
    this.pendingLength = 0;
    this.pendingOverflow = false;
    this.pendingStarted = false;
    this.linesScanned += 1;
    if (overflow) {
      this.longLines += 1;
    }
    if (line.includes(0)) {
      this.binaryLines += 1;
    }
    const latin = line.toString('latin1');
    const clean = latin.includes('\x1b') ? latin.replace(ANSI, '') : latin;
    if (this.prefilterOne.test(clean)) {
      this.diagnoseLine(this.decode(line, 0, line.length), this.linesScanned);
    }
  }

  private decode(buf: Buffer, from: number, to: number): string {
    return stripTrailingCr(buf.toString('utf8', from, to));
  }

  /** Scans `buf[from, to)`, which holds complete lines (it ends with a newline). */
  private scanBlock(buf: Buffer, from: number, to: number): void {
    const nul = buf.indexOf(0, from);
    if (nul >= 0 && nul < to) {
      this.countBinaryLines(buf, nul, to);
    }
    const esc = buf.indexOf(0x1b, from);
    if (esc >= 0 && esc < to) {
      this.scanBlockLineByLine(buf, from, to);
      return;
    }
    const cap = this.maxLineBytes;
    let lineNo = this.linesScanned;
    let counted = from;
    let at = from;
    while (at < to) {
      const hit = this.scanner.find(buf, at, to);
      if (hit < 0) {
        break;
      }
      const lineStart = buf.lastIndexOf(NEWLINE, hit) + 1;
      const lineEnd = buf.indexOf(NEWLINE, hit);
      lineNo += countNewlines(buf, counted, lineStart);
      counted = lineStart;
      if (lineEnd - lineStart > cap) {
        this.longLines += 1;
      }
      if (hit - lineStart < cap) {
        this.diagnoseLine(this.decode(buf, lineStart, Math.min(lineEnd, lineStart + cap)), lineNo + 1);
      }
      at = lineEnd + 1;
    }
    lineNo += countNewlines(buf, counted, to);
    this.linesScanned = lineNo;
  }

  /** The slow path for blocks with ANSI escapes: literals may be split by colour codes, so strip them per line. */
  private scanBlockLineByLine(buf: Buffer, from: number, to: number): void {
    const cap = this.maxLineBytes;
    let lineStart = from;
    while (lineStart < to) {
      const lineEnd = buf.indexOf(NEWLINE, lineStart);
      this.linesScanned += 1;
      const end = Math.min(lineEnd, lineStart + cap);
      if (lineEnd - lineStart > cap) {
        this.longLines += 1;
      }
      const latin = buf.toString('latin1', lineStart, end);
      const clean = latin.includes('\x1b') ? latin.replace(ANSI, '') : latin;
      if (this.prefilterOne.test(clean)) {
        this.diagnoseLine(this.decode(buf, lineStart, end), this.linesScanned);
      }
      lineStart = lineEnd + 1;
    }
  }

  private countBinaryLines(buf: Buffer, first: number, to: number): void {
    let at = first;
    while (at >= 0 && at < to) {
      this.binaryLines += 1;
      const lineEnd = buf.indexOf(NEWLINE, at);
      at = lineEnd < 0 ? -1 : buf.indexOf(0, lineEnd + 1);
    }
  }

  private diagnoseLine(raw: string, lineNumber: number): void {
    EMBEDDED_HEADER.lastIndex = 0;
    let first = EMBEDDED_HEADER.exec(raw);
    if (first !== null && first.index < 8) {
      first = EMBEDDED_HEADER.exec(raw);
    }
    if (first === null) {
      const wrapped = this.wrapped;
      this.wrapped = undefined;
      if (wrapped !== undefined && wrapped.lineNumber === lineNumber - 1 && CONTINUATION.test(raw)) {
        // The second half of a message a terminal or an issue wrapped after its `…Error:` (no envelope of its own).
        this.diagnoseSegment(`${wrapped.raw} ${raw.trimStart()}`, wrapped.lineNumber, false);
        return;
      }
      this.diagnoseSegment(raw, lineNumber, true);
      return;
    }
    this.wrapped = undefined;
    // Merged lines: diagnose each log line on its own (same line number).
    let start = 0;
    let segments = 0;
    for (let m: RegExpExecArray | null = first; m !== null && segments < MAX_SEGMENTS - 1; m = EMBEDDED_HEADER.exec(raw), segments += 1) {
      this.diagnoseSegment(raw.slice(start, m.index), lineNumber, false);
      start = m.index + 1;
    }
    this.diagnoseSegment(raw.slice(start), lineNumber, false);
  }

  private diagnoseSegment(raw: string, lineNumber: number, mayWrap: boolean): void {
    let decision: Decision | undefined;
    let line: LogLine;
    try {
      const parsed = parseLogLine(raw, lineNumber, this.parseOptions);
      line = parsed;
      // The same message repeats (the same failure every few seconds): classify each distinct text once.
      // Level and source take part in the classification (an info line asking for a timeout is not a failure).
      const key = raw.length <= MAX_CACHED_LINE ? `${parsed.level ?? ''}\u0000${parsed.source ?? ''}\u0000${parsed.text}` : undefined;
      decision = key !== undefined ? this.decisions.get(key) : undefined;
      if (decision === undefined) {
        const event = eventOf(parsed);
        if (event.runtimeVersion !== undefined && this.runtime === undefined) {
          this.runtime = { name: detach(event.runtimeVersion.name), version: detach(event.runtimeVersion.version) };
        }
        decision = classify(this.prefilter, event);
        if (key !== undefined && event.runtimeVersion === undefined) {
          if (this.decisions.size >= MAX_DECISIONS) {
            this.decisions.clear();
          }
          this.decisions.set(key, decision);
        }
      }
    } catch {
      // A line the parser cannot handle (e.g. JSON nested past the engine's stack) must not end the run.
      this.unparsedLines += 1;
      return;
    }
    if (decision !== null) {
      this.collector.record(decision.rule, decision.extracted, line);
    } else if (mayWrap && WRAPPED_HEAD.test(line.text) && raw.length <= MAX_CACHED_LINE) {
      this.wrapped = { raw, lineNumber };
    }
  }

}

/** Diagnoses a whole text at once (an editor document, a pasted log). */
export function diagnoseText(text: string, options: LogDiagnoserOptions = {}): DiagnosisReport {
  const diagnoser = new LogDiagnoser(options);
  diagnoser.pushChunk(Buffer.from(text, 'utf8'));
  return diagnoser.finish();
}
