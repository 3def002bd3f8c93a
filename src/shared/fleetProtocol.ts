/**
 * The fleet report webview's data (node × category counts of a cluster scan) and its typed message protocol. Crosses the
 * webview boundary: plain data only, no Node built-ins, no `vscode`. Sorting and filtering are pure functions here, so
 * the webview and the unit tests use the same ones.
 */
export type FleetRowStatus = 'findings' | 'clean' | 'failed' | 'cancelled';

export interface FleetRow {
  readonly node: string;
  readonly status: FleetRowStatus;
  /** Findings per category (only categories with a count). */
  readonly counts: Readonly<Record<string, number>>;
  readonly total: number;
  /** Failed nodes: one sentence (why the inspection failed); cancelled: why it did not run. */
  readonly error?: string;
  /** Inventory not proven complete: the reason (counts are what was listed). */
  readonly incomplete?: string;
  /** Milliseconds the node's inspection took (undefined when it did not run). */
  readonly ms?: number;
}

export interface FleetModel {
  readonly context: string;
  /** How the nodes were chosen, e.g. `all nodes`, `NotReady nodes`, `label selector pool=gpu`. */
  readonly selection: string;
  readonly generatedAt: string;
  /** Categories that occur in any row, sorted: the table's columns. */
  readonly categories: readonly string[];
  readonly rows: readonly FleetRow[];
  readonly concurrency: number;
  readonly wallMs: number;
  readonly cancelled: boolean;
  /** Bridge pods left after the scan: `0`, or the names (with why), or unknown with the reason. */
  readonly podsLeft: { readonly count: number | undefined; readonly names: readonly string[]; readonly detail?: string };
}

export type FleetSortKey = 'node' | 'status' | 'total' | `category:${string}`;

export interface FleetView {
  readonly sort: FleetSortKey;
  readonly descending: boolean;
  /** Case-insensitive substring of the node name, the status, a category with a count, or the error. */
  readonly filter: string;
}

const STATUS_ORDER: Readonly<Record<FleetRowStatus, number>> = { failed: 0, findings: 1, cancelled: 2, clean: 3 };

/** Rows matching the filter: the node name, the status, a category present on the row, or the error text. */
export function filterRows(rows: readonly FleetRow[], filter: string): FleetRow[] {
  const needle = filter.trim().toLowerCase();
  if (!needle) return [...rows];
  return rows.filter((r) => r.node.toLowerCase().includes(needle) || r.status.includes(needle)
    || Object.keys(r.counts).some((c) => c.includes(needle)) || (r.error ?? '').toLowerCase().includes(needle));
}

/** A stable sort by the key; ties by node name (ascending), so the order never depends on the scan's finishing order. */
export function sortRows(rows: readonly FleetRow[], key: FleetSortKey, descending: boolean): FleetRow[] {
  const value = (r: FleetRow): number | string => {
    if (key === 'node') return r.node;
    if (key === 'status') return STATUS_ORDER[r.status];
    if (key === 'total') return r.total;
    return r.counts[key.slice('category:'.length)] ?? 0;
  };
  const sign = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    const primary = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb), 'en');
    return primary !== 0 ? sign * primary : a.node.localeCompare(b.node, 'en');
  });
}

export function viewRows(model: FleetModel, view: FleetView): FleetRow[] {
  return sortRows(filterRows(model.rows, view.filter), view.sort, view.descending);
}

export function isFleetSortKey(value: unknown): value is FleetSortKey {
  return value === 'node' || value === 'status' || value === 'total' || (typeof value === 'string' && value.startsWith('category:'));
}

/** Messages from the webview to the extension. */
export type FleetWebviewMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'openNode'; readonly node: string }
  | { readonly type: 'export'; readonly format: 'csv' | 'markdown'; readonly view: FleetView };

/** Messages from the extension to the webview. */
export type FleetHostMessage =
  | { readonly type: 'model'; readonly model: FleetModel }
  | { readonly type: 'notice'; readonly text: string };

function isView(value: unknown): value is FleetView {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return isFleetSortKey(v.sort) && typeof v.descending === 'boolean' && typeof v.filter === 'string' && v.filter.length <= 1000;
}

export function isFleetWebviewMessage(value: unknown): value is FleetWebviewMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
      return true;
    case 'openNode':
      return typeof m.node === 'string' && m.node.length > 0 && m.node.length <= 253;
    case 'export':
      return (m.format === 'csv' || m.format === 'markdown') && isView(m.view);
    default:
      return false;
  }
}
