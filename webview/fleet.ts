// The fleet report webview. Browser-only: renders the FleetModel the extension posts as a node × category table that
// sorts on a header click and filters on the filter box, and posts typed messages back (open a node's report, export the
// rows as shown). Data is only ever inserted as text, never as HTML.
import type { FleetHostMessage, FleetModel, FleetRow, FleetSortKey, FleetView, FleetWebviewMessage } from '../src/shared/fleetProtocol';
import { viewRows } from '../src/shared/fleetProtocol';

interface State {
  readonly model?: FleetModel;
  readonly view: FleetView;
}
interface VsCodeApi {
  postMessage(message: FleetWebviewMessage): void;
  getState(): State | undefined;
  setState(state: State): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();

let state: State = vscode.getState() ?? { view: { sort: 'total', descending: true, filter: '' } };

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function save(next: Partial<State>): void {
  state = { ...state, ...next };
  vscode.setState(state);
}

function summaryLine(model: FleetModel): string {
  const count = (s: FleetRow['status']): number => model.rows.filter((r) => r.status === s).length;
  const left = model.podsLeft.count === undefined ? `unknown (${model.podsLeft.detail ?? 'not checked'})` : String(model.podsLeft.count);
  const parts = [`${count('findings')} with findings`, `${count('clean')} clean`];
  if (count('failed')) parts.push(`${count('failed')} failed`);
  if (count('cancelled')) parts.push(`${count('cancelled')} not scanned`);
  return `${model.rows.length} nodes (${model.selection}) ${model.cancelled ? 'partly scanned (cancelled)' : 'scanned'} in ${(model.wallMs / 1000).toFixed(1)} s at concurrency ${model.concurrency}: ${parts.join(', ')} · bridge pods left: ${left}`;
}

function header(label: string, key: FleetSortKey, numeric: boolean): HTMLTableCellElement {
  const th = el('th', undefined, numeric ? 'num' : '');
  const b = el('button', label, 'sort');
  b.type = 'button';
  b.dataset.sort = key;
  const active = state.view.sort === key;
  b.setAttribute('aria-sort', active ? (state.view.descending ? 'descending' : 'ascending') : 'none');
  if (active) b.textContent = `${label} ${state.view.descending ? '▼' : '▲'}`;
  b.addEventListener('click', () => {
    const descending = state.view.sort === key ? !state.view.descending : key !== 'node';
    save({ view: { ...state.view, sort: key, descending } });
    renderTable();
  });
  th.append(b);
  return th;
}

function renderTable(): void {
  const host = document.getElementById('table');
  const model = state.model;
  if (!host || !model) return;
  const rows = viewRows(model, state.view);
  const table = el('table', undefined, 'fleet');
  const head = el('tr');
  head.append(header('Node', 'node', false), header('Status', 'status', false), header('Findings', 'total', true));
  for (const c of model.categories) head.append(header(c, `category:${c}`, true));
  head.append(el('th', 'Detail'));
  const thead = el('thead');
  thead.append(head);
  const tbody = el('tbody');
  for (const r of rows) {
    const tr = el('tr', undefined, `status-${r.status}`);
    tr.dataset.node = r.node;
    const name = el('td');
    const open = el('button', r.node, 'link');
    open.type = 'button';
    open.title = `Open the node report of ${r.node}`;
    open.addEventListener('click', () => vscode.postMessage({ type: 'openNode', node: r.node }));
    name.append(open);
    tr.append(name, el('td', r.status, 'status'), el('td', String(r.total), 'num'));
    for (const c of model.categories) tr.append(el('td', r.counts[c] ? String(r.counts[c]) : '·', r.counts[c] ? 'num hit' : 'num'));
    const detail = el('td', r.error ?? r.incomplete ?? (r.ms !== undefined ? `${(r.ms / 1000).toFixed(1)} s` : ''), 'detail');
    detail.title = detail.textContent ?? '';
    tr.append(detail);
    tbody.append(tr);
  }
  table.append(thead, tbody);
  const count = el('p', `${rows.length} of ${model.rows.length} nodes shown`, 'count');
  host.replaceChildren(count, table);
}

function render(): void {
  const root = document.getElementById('root');
  const model = state.model;
  if (!root || !model) return;
  const title = el('h1', `Fleet report: ${model.context}`);
  const summary = el('p', summaryLine(model), 'summary');
  const tools = el('div', undefined, 'tools');
  const filter = el('input');
  filter.type = 'search';
  filter.placeholder = 'Filter: node, status, category or error';
  filter.value = state.view.filter;
  filter.setAttribute('aria-label', 'Filter rows');
  filter.id = 'filter';
  filter.addEventListener('input', () => { save({ view: { ...state.view, filter: filter.value } }); renderTable(); });
  const exportButton = (label: string, format: 'csv' | 'markdown'): HTMLButtonElement => {
    const b = el('button', label);
    b.type = 'button';
    b.dataset.export = format;
    b.addEventListener('click', () => vscode.postMessage({ type: 'export', format, view: state.view }));
    return b;
  };
  tools.append(filter, exportButton('Export CSV', 'csv'), exportButton('Export Markdown', 'markdown'));
  const table = el('div');
  table.id = 'table';
  root.replaceChildren(title, summary, tools, table);
  renderTable();
}

window.addEventListener('message', (event: MessageEvent<FleetHostMessage>) => {
  const message = event.data;
  if (message.type === 'model') {
    save({ model: message.model });
    render();
  } else if (message.type === 'notice') {
    const notice = document.getElementById('notice');
    if (notice) notice.textContent = message.text;
  }
});

if (state.model) render();
vscode.postMessage({ type: 'ready' });
