// The node report webview. Browser-only: renders the ReportModel the extension posts, with the VS Code
// webview UI toolkit, and posts typed messages back. Data is only ever inserted as text, never as HTML.
// Findings come sorted errors first; each is a collapsible card (a native <details>, so Enter/Space toggle it) whose
// IDs show short with the full value in a tooltip and a Copy ID button. Every control has an accessible name.
import {
  provideVSCodeDesignSystem, vsCodeBadge, vsCodeButton, vsCodeCheckbox, vsCodeDivider, vsCodeDropdown, vsCodeOption, vsCodeTag,
} from '@vscode/webview-ui-toolkit';
import type { HostMessage, ReportFinding, ReportModel, ReportSeverity, WebviewMessage } from '../src/shared/reportProtocol';
import { GRPC_LIMITS, formatBytes, idSegments } from '../src/shared/reportProtocol';

provideVSCodeDesignSystem().register(vsCodeBadge(), vsCodeButton(), vsCodeCheckbox(), vsCodeDivider(), vsCodeDropdown(), vsCodeOption(), vsCodeTag());

/** What survives the panel being hidden: the model, and which cards the user opened or closed. */
interface ViewState {
  readonly model: ReportModel;
  readonly open: Record<string, boolean>;
}

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): ViewState | undefined;
  setState(state: ViewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();

let state: ViewState | undefined;

const SEVERITY_LABEL: Readonly<Record<ReportSeverity, string>> = { error: 'Error', warning: 'Warning', info: 'Info' };

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

/** A toolkit button with a visible label and an accessible name that says what it acts on. */
function button(label: string, ariaLabel: string, onClick: () => void, appearance: 'primary' | 'secondary' = 'secondary', testId?: string): HTMLElement {
  const b = document.createElement('vscode-button');
  b.setAttribute('appearance', appearance);
  b.setAttribute('aria-label', ariaLabel);
  b.title = ariaLabel;
  b.textContent = label;
  if (testId) b.dataset.testid = testId;
  b.addEventListener('click', (event) => {
    event.stopPropagation();
    onClick();
  });
  return b;
}

function post(message: WebviewMessage): () => void {
  return () => vscode.postMessage(message);
}

/** Text in which every 64-hex ID shows short; the full ID is the tooltip of its short form. */
function withShortIds(tag: 'p' | 'span' | 'li', text: string, className?: string): HTMLElement {
  const node = el(tag, undefined, className);
  for (const segment of idSegments(text)) {
    if (!segment.fullId) {
      node.append(segment.text);
      continue;
    }
    const id = el('abbr', segment.text, 'id');
    id.title = segment.fullId;
    node.append(id);
  }
  return node;
}

function save(): void {
  if (state) vscode.setState(state);
}

function severityCounts(findings: readonly ReportFinding[]): string {
  const parts: string[] = [];
  for (const severity of ['error', 'warning', 'info'] as const) {
    const n = findings.filter((f) => f.severity === severity).length;
    if (n > 0) parts.push(`${n} ${severity === 'info' ? 'info' : n === 1 ? severity : `${severity}s`}`);
  }
  return parts.join(', ');
}

/** A bar that is empty at 0 % in every theme: a transparent track with a border, filled with theme colours. */
function sizeBar(percent: number, label: string): HTMLElement {
  const bar = el('div', undefined, 'bar');
  bar.setAttribute('role', 'meter');
  bar.setAttribute('aria-valuemin', '0');
  bar.setAttribute('aria-valuemax', '100');
  bar.setAttribute('aria-valuenow', String(Math.min(percent, 100)));
  bar.setAttribute('aria-label', label);
  bar.title = label;
  const fill = el('div', undefined, `fill${percent >= 80 ? ' high' : percent >= 50 ? ' medium' : ''}`);
  fill.style.width = `${Math.min(Math.max(percent, 0), 100)}%`;
  bar.append(fill);
  return bar;
}

function renderSummary(model: ReportModel): HTMLElement {
  const section = el('section');
  section.setAttribute('aria-labelledby', 'summary-heading');
  const heading = el('h2', 'Summary');
  heading.id = 'summary-heading';
  section.append(heading);
  const table = el('table', undefined, 'summary');
  table.setAttribute('aria-labelledby', 'summary-heading');
  for (const count of model.counts) {
    const row = el('tr');
    row.append(el('th', count.label), el('td', `${count.value.toLocaleString('en-US')}${count.detail ? ` (${count.detail})` : ''}`));
    row.firstElementChild?.setAttribute('scope', 'row');
    table.append(row);
  }
  for (const [name, version] of Object.entries(model.versions)) {
    const row = el('tr');
    row.append(el('th', name), el('td', version));
    row.firstElementChild?.setAttribute('scope', 'row');
    table.append(row);
  }
  section.append(table);
  if (model.listSizes.length > 0) {
    section.append(el('h3', 'CRI list sizes'));
    const list = el('ul', undefined, 'list-sizes');
    for (const size of model.listSizes) {
      const item = el('li');
      item.append(el('span', `${size.method}: ${formatBytes(size.bytes)}`, 'size-name'));
      for (const limit of GRPC_LIMITS) {
        const pct = Math.round((100 * size.bytes) / limit.bytes);
        const text = `${pct} % of the ${limit.label}`;
        const cell = el('span', undefined, 'size-limit');
        cell.append(sizeBar(pct, `${size.method}: ${text}`), el('span', text, 'muted'));
        item.append(cell);
      }
      list.append(item);
    }
    section.append(list);
  }
  section.append(el('p', `Listed with strategy "${model.listStrategy}" through ${model.access}.`, 'muted'));
  return section;
}

function renderFinding(finding: ReportFinding, index: number): HTMLElement {
  const card = el('article', undefined, `finding ${finding.severity}`);
  card.dataset.findingId = finding.id;
  const details = el('details');
  details.open = state?.open[finding.id] ?? finding.severity !== 'info';
  details.addEventListener('toggle', () => {
    if (!state) return;
    state = { ...state, open: { ...state.open, [finding.id]: details.open } };
    save();
  });
  const summary = el('summary');
  const heading = el('h3');
  heading.id = `finding-${index}`;
  const tag = document.createElement('vscode-tag');
  tag.textContent = SEVERITY_LABEL[finding.severity];
  tag.className = `severity ${finding.severity}`;
  heading.append(tag, ' ', withShortIds('span', finding.title, 'title'));
  summary.append(heading, withShortIds('span', finding.object, 'object muted'));
  details.append(summary);

  const body = el('div', undefined, 'body');
  body.append(withShortIds('p', finding.explanation));
  const ids = el('p', undefined, 'ids muted');
  const fullId = finding.objectId ?? finding.id;
  const shown = el('code', finding.objectId ? finding.objectId.slice(0, 12) : finding.id.replace(/[0-9a-f]{64}/g, (id) => id.slice(0, 12)));
  shown.title = fullId;
  ids.append(finding.objectId ? 'ID ' : 'Finding ', shown);
  body.append(ids);
  const name = `${SEVERITY_LABEL[finding.severity]}: ${idSegments(finding.object).map((s) => s.text).join('')}`;
  if (finding.steps.length > 0) {
    body.append(el('h4', 'Repair plan'));
    const steps = el('ol', undefined, 'steps');
    for (const step of finding.steps) {
      const item = withShortIds('li', `${step.title} `);
      item.append(el('span', `(risk: ${step.risk})`, `risk ${step.risk}`));
      const code = el('pre');
      code.append(el('code', step.manualCommand));
      item.append(code);
      steps.append(item);
    }
    body.append(steps);
  }
  // The plan's notes: why prune keeps what it keeps, why a Ready sandbox is left running (no steps: no Repair button).
  for (const note of finding.notes ?? []) body.append(withShortIds('p', note, 'muted note'));
  const actions = el('div', undefined, 'actions');
  if (finding.steps.length > 0) {
    actions.append(
      button('Repair…', `Repair ${name}…`, post({ type: 'repair', findingId: finding.id }), 'primary', 'repair'),
      button('Copy commands', `Copy the repair commands for ${name}`, post({ type: 'copyCommands', findingId: finding.id })),
    );
  }
  actions.append(button('Copy ID', `Copy the full ID ${fullId}`, post({ type: 'copyId', findingId: finding.id })));
  body.append(actions);
  details.append(body);
  card.setAttribute('aria-labelledby', heading.id);
  card.append(details);
  return card;
}

function renderFindings(model: ReportModel): HTMLElement {
  const section = el('section');
  section.setAttribute('aria-labelledby', 'findings-heading');
  const title = el('h2', 'Findings ');
  title.id = 'findings-heading';
  const badge = document.createElement('vscode-badge');
  badge.textContent = String(model.findings.length);
  badge.setAttribute('aria-label', `${model.findings.length} findings`);
  title.append(badge);
  const head = el('div', undefined, 'section-head');
  head.append(title);
  if (model.findings.length > 0) {
    const setAll = (open: boolean) => () => {
      for (const d of document.querySelectorAll<HTMLDetailsElement>('article.finding details')) d.open = open;
    };
    head.append(el('span', severityCounts(model.findings), 'muted'),
      button('Expand all', 'Expand all findings', setAll(true)), button('Collapse all', 'Collapse all findings', setAll(false)));
  }
  section.append(head);
  if (model.findings.length === 0) section.append(el('p', 'No problems found on this node.'));
  model.findings.forEach((finding, i) => section.append(renderFinding(finding, i)));
  return section;
}

function renderPrevention(): HTMLElement {
  const section = el('section');
  section.setAttribute('aria-labelledby', 'prevention-heading');
  const heading = el('h2', 'Prevention');
  heading.id = 'prevention-heading';
  section.append(heading, el('p', 'Turn on containerd metrics and alert on sandbox start/stop/remove failures and containers Kubernetes does not know.'));
  const dropdown = document.createElement('vscode-dropdown') as HTMLElement & { value: string };
  dropdown.setAttribute('aria-label', 'Monitoring system for the alert rules');
  for (const [value, label] of [['prometheus', 'Prometheus'], ['victoriametrics', 'VictoriaMetrics']]) {
    const option = document.createElement('vscode-option');
    option.setAttribute('value', value);
    option.textContent = label;
    dropdown.append(option);
  }
  const talos = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
  talos.textContent = 'Talos Linux machine-config patch';
  talos.setAttribute('aria-label', 'Talos Linux machine-config patch');
  const generate = button('Generate files…', 'Generate the prevention files', () => {
    const monitoring = dropdown.value === 'victoriametrics' ? 'victoriametrics' : 'prometheus';
    vscode.postMessage({ type: 'generatePrevention', monitoring, talos: Boolean(talos.checked) });
  });
  const row = el('div', undefined, 'actions');
  row.append(dropdown, talos, generate);
  section.append(row);
  return section;
}

function renderStale(text: string | undefined): void {
  const banner = document.getElementById('stale');
  if (!banner) return;
  banner.hidden = text === undefined;
  banner.replaceChildren();
  if (text === undefined) return;
  banner.append(el('span', text), button('Refresh', 'Refresh the report from the node', post({ type: 'refresh' }), 'primary', 'stale-refresh'));
}

function render(model: ReportModel): void {
  const root = document.getElementById('root');
  if (!root) return;
  root.removeAttribute('aria-busy');
  root.replaceChildren();
  const header = el('header', undefined, 'top');
  const read = new Date(model.readAt);
  const time = el('time', read.toLocaleString());
  time.dateTime = read.toISOString();
  time.title = read.toISOString();
  const meta = el('p', 'Read ', 'muted meta');
  meta.append(time, ` through ${model.access}`);
  const titles = el('div', undefined, 'titles');
  titles.append(el('h1', `Node report: ${model.node}`), meta);
  const toolbar = el('div', undefined, 'toolbar');
  toolbar.setAttribute('role', 'toolbar');
  toolbar.setAttribute('aria-label', 'Report actions');
  toolbar.append(
    button('Export to Markdown…', 'Export this report to a Markdown file', post({ type: 'exportMarkdown' }), 'secondary', 'export'),
    button('Refresh', 'Refresh the report from the node', post({ type: 'refresh' }), 'secondary', 'refresh'),
  );
  header.append(titles, toolbar);
  const stale = el('div', undefined, 'stale');
  stale.id = 'stale';
  stale.setAttribute('role', 'status');
  root.append(header, stale);
  if (model.incomplete) root.append(el('p', `${model.incomplete} (the counts are what was listed, not all the node holds)`, 'incomplete'));
  root.append(renderFindings(model), renderSummary(model), document.createElement('vscode-divider'), renderPrevention());
  renderStale(model.stale);
}

function setBusy(findingId: string, busy: boolean): void {
  for (const card of document.querySelectorAll<HTMLElement>('article.finding')) {
    if (card.dataset.findingId !== findingId) continue;
    for (const b of card.querySelectorAll('vscode-button')) {
      if (busy) b.setAttribute('disabled', ''); else b.removeAttribute('disabled');
    }
  }
}

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  switch (message.type) {
    case 'model':
      // Cards keep the open/closed state the user gave them, for findings still present.
      state = { model: message.model, open: Object.fromEntries(Object.entries(state?.open ?? {}).filter(([id]) => message.model.findings.some((f) => f.id === id))) };
      save();
      render(message.model);
      break;
    case 'stale':
      if (state) {
        const { stale: _previous, ...rest } = state.model;
        state = { ...state, model: message.text ? { ...rest, stale: message.text } : rest };
        save();
      }
      renderStale(message.text);
      break;
    case 'busy':
      setBusy(message.findingId, message.busy);
      break;
    case 'notice': {
      const notice = document.getElementById('notice');
      if (notice) notice.textContent = message.text;
      break;
    }
  }
});

const saved = vscode.getState();
if (saved && 'model' in saved) {
  state = saved;
  render(saved.model);
}
vscode.postMessage({ type: 'ready' });
