import * as vscode from 'vscode';
import { LogDiagnoser } from '../../core/diagnosis/logDiagnoser';
import type { DiagnosisReport, LogFinding } from '../../core/diagnosis/types';
import { readLogDiagnosisSettings } from '../config';

export type Analysis =
  | { readonly kind: 'diagnosed'; readonly report: DiagnosisReport; readonly binaryLines: number; readonly byLine: ReadonlyMap<number, readonly LogFinding[]> }
  | { readonly kind: 'too-large'; readonly bytes: number; readonly limit: number };

const LOG_LANGUAGES = new Set(['log', 'plaintext']);

/**
 * Diagnoses log documents for the lenses, hovers and Problems entries, once per document version: the providers
 * all read the same cached analysis, and edits are picked up after a short pause so typing never waits on it.
 */
export class LogAnalysisService implements vscode.Disposable {
  private readonly cache = new Map<string, { version: number; analysis: Analysis }>();
  private readonly forced = new Set<string>();
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri | undefined>();
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Fires when an analysis may have changed (after an edit pause, a setting change or a forced diagnosis). */
  readonly onDidChange = this.changed.event;

  constructor(private readonly log: vscode.LogOutputChannel, private readonly debounceMs = 300) {
    this.subscriptions.push(
      vscode.workspace.onDidChangeTextDocument((event) => this.schedule(event.document)),
      vscode.workspace.onDidCloseTextDocument((document) => this.forget(document.uri)),
    );
  }

  /** Whether the document is diagnosed without being asked (its language, untitled, or "all documents"). */
  isEligible(document: vscode.TextDocument): boolean {
    if (this.forced.has(document.uri.toString())) return true;
    if (readLogDiagnosisSettings().documents === 'all') return true;
    return LOG_LANGUAGES.has(document.languageId) || document.isUntitled;
  }

  /** Diagnose this document from now on, whatever its language (the "Diagnose Active Editor" command). */
  force(document: vscode.TextDocument): void {
    this.forced.add(document.uri.toString());
    this.cache.delete(document.uri.toString());
    this.changed.fire(document.uri);
  }

  /** The analysis of the document's current version, computed on first use. */
  analyze(document: vscode.TextDocument): Analysis {
    const key = document.uri.toString();
    const cached = this.cache.get(key);
    if (cached && cached.version === document.version) return cached.analysis;
    const analysis = this.compute(document);
    this.cache.set(key, { version: document.version, analysis });
    return analysis;
  }

  private compute(document: vscode.TextDocument): Analysis {
    const limit = readLogDiagnosisSettings().maxDocumentBytes;
    const text = document.getText();
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > limit) return { kind: 'too-large', bytes, limit };
    const started = Date.now();
    const diagnoser = new LogDiagnoser();
    // Document line i is evidence line i + 1: feed every line, the last one included even when empty.
    for (const line of text.split('\n')) diagnoser.pushLine(line);
    const report = diagnoser.finish();
    const byLine = new Map<number, LogFinding[]>();
    for (const finding of report.findings) {
      for (const line of finding.lines) {
        const list = byLine.get(line) ?? [];
        list.push(finding);
        byLine.set(line, list);
      }
    }
    this.log.debug(`diagnosed ${document.uri.toString(true)} v${document.version}: ${report.linesScanned} lines, ${report.findings.length} findings in ${Date.now() - started} ms`);
    return { kind: 'diagnosed', report, binaryLines: diagnoser.stats().binaryLines, byLine };
  }

  private schedule(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    if (!this.isEligible(document)) return;
    clearTimeout(this.pending.get(key));
    this.pending.set(key, setTimeout(() => {
      this.pending.delete(key);
      this.changed.fire(document.uri);
    }, this.debounceMs));
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    this.cache.delete(key);
    this.forced.delete(key);
    clearTimeout(this.pending.get(key));
    this.pending.delete(key);
    this.changed.fire(uri);
  }

  /** Re-evaluate everything (settings changed). */
  refreshAll(): void {
    this.cache.clear();
    this.changed.fire(undefined);
  }

  dispose(): void {
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.changed.dispose();
    vscode.Disposable.from(...this.subscriptions).dispose();
  }
}
