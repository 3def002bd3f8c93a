import { catalogLiterals, RULES } from './catalog';
import { MultiLiteralScanner } from './literalScanner';
import { parseLogLine } from './parse';
import type { ParseOptions } from './parse';
import type { DiagnosisReport, Extracted, LogFinding, LogLine, Rule } from './types';

/**
 * Streaming log diagnosis. Feed it raw bytes (`pushChunk`) or lines (`pushLine`), then `finish()`.
 *
 * Memory stays constant whatever the input size: a line longer than `maxLineBytes` is scanned over its first
 * `maxLineBytes` bytes only, each finding keeps at most `maxEvidenceLines` line numbers (its `count` stays exact),
 * and at most `maxFindings` distinct findings are kept.
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
}

const SEVERITY_ORDER: Readonly<Record<string, number>> = { error: 0, warning: 1, info: 2 };
// eslint-disable-next-line no-control-regex -- ANSI colour codes
const ANSI = /\x1b\[[0-9;?]{0,32}[A-Za-z]|\x1b/g;
const NEWLINE = 10;

interface Group {
  readonly finding: LogFinding;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function countNewlines(buf: Buffer, from: number, to: number): number {
  let count = 0;
  let at = buf.indexOf(NEWLINE, from);
  while (at >= 0 && at < to) {
    count += 1;
    at = buf.indexOf(NEWLINE, at + 1);
  }
  return count;
}

export class LogDiagnoser {
  private readonly rules: readonly Rule[];
  private readonly maxEvidenceLines: number;
  private readonly maxLineBytes: number;
  private readonly maxFindings: number;
  private readonly parseOptions: ParseOptions;
  /** Multi-literal search over raw bytes, for block scans. */
  private readonly scanner: MultiLiteralScanner;
  /** A regex over every literal, for single lines. */
  private readonly prefilterOne: RegExp;
  private readonly groups = new Map<string, Group>();

  private linesScanned = 0;
  private bytesScanned = 0;
  private binaryLines = 0;
  private longLines = 0;
  private droppedFindings = 0;

  /** The head (at most maxLineBytes) of an incomplete line carried over from the previous chunk. */
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private pendingOverflow = false;
  private pendingStarted = false;
  private finished = false;

  constructor(options: LogDiagnoserOptions = {}) {
    this.rules = options.rules ?? RULES;
    this.maxEvidenceLines = Math.max(0, options.maxEvidenceLines ?? 1000);
    this.maxLineBytes = Math.max(256, options.maxLineBytes ?? 64 * 1024);
    this.maxFindings = Math.max(1, options.maxFindings ?? 10_000);
    this.parseOptions = options.year !== undefined ? { year: options.year } : { now: Date.now() };
    const literals = catalogLiterals(this.rules);
    this.scanner = new MultiLiteralScanner(literals);
    this.prefilterOne = new RegExp(literals.map(escapeRegExp).join('|'));
  }

  /**
   * Scans one line (without its newline); at most `maxLineBytes` characters of it. Counts its UTF-8 length plus one
   * newline towards `bytesScanned`.
   */
  pushLine(raw: string): void {
    this.assertOpen();
    this.bytesScanned += Buffer.byteLength(raw) + 1;
    this.linesScanned += 1;
    let text = raw.length > this.maxLineBytes ? raw.slice(0, this.maxLineBytes) : raw;
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
    text = text.endsWith('\r') ? text.slice(0, -1) : text;
    this.diagnoseLine(text, this.linesScanned);
  }

  /** Scans raw bytes; lines may span chunks. */
  pushChunk(chunk: Uint8Array): void {
    this.assertOpen();
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (buf.length === 0) {
      return;
    }
    this.bytesScanned += buf.length;
    let start = 0;
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
    const findings = [...this.groups.values()].map((g) => ({ ...g.finding, lines: [...g.finding.lines] }));
    findings.sort((a, b) => (SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]) || ((a.lines[0] ?? 0) - (b.lines[0] ?? 0)));
    return { findings, linesScanned: this.linesScanned, bytesScanned: this.bytesScanned };
  }

  stats(): DiagnoserStats {
    return { binaryLines: this.binaryLines, longLines: this.longLines, droppedFindings: this.droppedFindings };
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
    let text = buf.toString('utf8', from, to);
    if (text.endsWith('\r')) {
      text = text.slice(0, -1);
    }
    return text;
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
    const line = parseLogLine(raw, lineNumber, this.parseOptions);
    for (const rule of this.rules) {
      if (!rule.literals.some((literal) => line.text.includes(literal))) {
        continue;
      }
      rule.pattern.lastIndex = 0;
      const match = rule.pattern.exec(line.text);
      if (match === null) {
        continue;
      }
      const extracted = rule.extract(match, line);
      if (extracted === undefined) {
        continue;
      }
      this.record(rule, extracted, line);
      return;
    }
  }

  private record(rule: Rule, extracted: Extracted, line: LogLine): void {
    let key = rule.id;
    for (const field of rule.keyFields) {
      key += `\u0000${extracted[field] ?? ''}`;
    }
    let group = this.groups.get(key);
    if (group === undefined) {
      if (this.groups.size >= this.maxFindings) {
        this.droppedFindings += 1;
        return;
      }
      const finding: LogFinding = { ...extracted, category: rule.category, rule: rule.id, severity: rule.severity, title: rule.title, count: 0, lines: [] };
      group = { finding };
      this.groups.set(key, group);
    }
    const finding = group.finding;
    finding.count += line.repeat;
    if (finding.lines.length < this.maxEvidenceLines) {
      finding.lines.push(line.lineNumber);
    }
    mergeExtracted(finding, extracted);
    if (line.timestamp !== undefined) {
      if (finding.firstSeen === undefined || line.timestamp < finding.firstSeen) {
        finding.firstSeen = line.timestamp;
      }
      if (finding.lastSeen === undefined || line.timestamp > finding.lastSeen) {
        finding.lastSeen = line.timestamp;
      }
    }
  }
}

/** Fills fields the finding does not have yet; sizes keep their maximum. */
function mergeExtracted(finding: LogFinding, extracted: Extracted): void {
  const target = finding as unknown as Record<string, unknown>;
  const source = extracted as unknown as Record<string, unknown>;
  for (const field in source) {
    const value = source[field];
    if (value === undefined) {
      continue;
    }
    if (field === 'size') {
      finding.size = Math.max(finding.size ?? 0, value as number);
    } else if (target[field] === undefined) {
      target[field] = value;
    }
  }
}

/** Diagnoses a whole text at once (an editor document, a pasted log). */
export function diagnoseText(text: string, options: LogDiagnoserOptions = {}): DiagnosisReport {
  const diagnoser = new LogDiagnoser(options);
  diagnoser.pushChunk(Buffer.from(text, 'utf8'));
  return diagnoser.finish();
}
