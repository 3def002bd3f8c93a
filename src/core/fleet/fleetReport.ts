import type { FleetModel, FleetRow, FleetView } from '../../shared/fleetProtocol';
import { viewRows } from '../../shared/fleetProtocol';
import { markdownText } from '../model/markdown';
import { plural } from '../model/plural';
import type { ScanOutcome } from './scan';

/** The fleet report's model from a scan: one row per selected node, one column per category found anywhere. */
export function fleetModel(context: string, selection: string, outcome: ScanOutcome, now: Date = new Date()): FleetModel {
  const rows: FleetRow[] = outcome.results.map((r): FleetRow => {
    if (r.status === 'failed') return { node: r.node, status: 'failed', counts: {}, total: 0, error: r.error, ms: r.ms };
    if (r.status === 'cancelled') return { node: r.node, status: 'cancelled', counts: {}, total: 0, error: 'not inspected: the scan was cancelled' };
    const counts: Record<string, number> = {};
    for (const f of r.findings) counts[f.category] = (counts[f.category] ?? 0) + 1;
    const total = r.findings.length;
    return { node: r.node, status: total > 0 ? 'findings' : 'clean', counts, total, ms: r.ms, ...(r.incomplete ? { incomplete: r.incomplete } : {}) };
  });
  const categories = [...new Set(rows.flatMap((r) => Object.keys(r.counts)))].sort();
  const left = outcome.podsLeft;
  return {
    context, selection, generatedAt: now.toISOString(), categories, rows, concurrency: outcome.concurrency, wallMs: outcome.wallMs, cancelled: outcome.cancelled,
    podsLeft: { count: left.count, names: left.pods.map((p) => p.name), ...(left.detail ? { detail: left.detail } : {}) },
  };
}

/** One line: `200 nodes scanned in 41.2 s at concurrency 8: 12 with findings, 1 failed; bridge pods left: 0`. */
export function fleetSummary(model: FleetModel): string {
  const count = (status: FleetRow['status']): number => model.rows.filter((r) => r.status === status).length;
  const parts = [`${plural(count('findings'), 'node')} with findings`, `${count('clean')} clean`];
  if (count('failed') > 0) parts.push(`${count('failed')} failed`);
  if (count('cancelled') > 0) parts.push(`${count('cancelled')} not scanned (cancelled)`);
  const left = model.podsLeft.count === undefined ? `unknown (${model.podsLeft.detail ?? 'not checked'})` : String(model.podsLeft.count);
  return `${plural(model.rows.length, 'node')} (${model.selection}) ${model.cancelled ? 'partly scanned' : 'scanned'} in ${(model.wallMs / 1000).toFixed(1)} s at concurrency ${model.concurrency}: ${parts.join(', ')}; bridge pods left: ${left}`;
}

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote, CR or LF, quotes doubled. A text cell that a spreadsheet
 * would run as a formula (first character `=`, `+`, `-`, `@`, or a tab/CR that some strip first) gets a leading `'`.
 */
export function csvCell(value: string | number): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function header(model: FleetModel): string[] {
  return ['node', 'status', 'total', ...model.categories, 'error', 'incomplete'];
}

function cells(model: FleetModel, row: FleetRow): (string | number)[] {
  return [row.node, row.status, row.total, ...model.categories.map((c) => row.counts[c] ?? 0), row.error ?? '', row.incomplete ?? ''];
}

/** The rows in the view's order and filter, as CSV (CRLF line ends, as RFC 4180 and spreadsheets expect). */
export function fleetCsv(model: FleetModel, view: FleetView): string {
  const lines = [header(model), ...viewRows(model, view).map((r) => cells(model, r))].map((row) => row.map(csvCell).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** The same rows as a Markdown table, with the scan's summary line above it; data cells are escaped as text. */
export function fleetMarkdown(model: FleetModel, view: FleetView): string {
  const head = header(model);
  const rows = viewRows(model, view).map((r) => cells(model, r).map((v) => (typeof v === 'number' ? String(v) : markdownText(v))));
  const lines = [
    `# Fleet report: ${markdownText(model.context)}`,
    '',
    markdownText(fleetSummary(model)),
    '',
    `Generated ${model.generatedAt}${view.filter ? `; filter ${markdownText(view.filter)}` : ''}; sorted by ${markdownText(view.sort)}${view.descending ? ' (descending)' : ''}.`,
    '',
    `| ${head.map(markdownText).join(' | ')} |`,
    `| ${head.map((h) => (h === 'node' || h === 'status' || h === 'error' || h === 'incomplete' ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
  return `${lines.join('\n')}\n`;
}
