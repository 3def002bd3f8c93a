// The node report webview. Browser-only: renders the ReportModel the extension posts, with the VS Code
// webview UI toolkit, and posts typed messages back. Data is only ever inserted as text, never as HTML.
import {
  provideVSCodeDesignSystem, vsCodeBadge, vsCodeButton, vsCodeCheckbox, vsCodeDivider, vsCodeDropdown, vsCodeOption, vsCodeTag,
} from '@vscode/webview-ui-toolkit';
import type { HostMessage, ReportFinding, ReportModel, WebviewMessage } from '../src/shared/reportProtocol';
import { GRPC_LIMITS, formatBytes } from '../src/shared/reportProtocol';

provideVSCodeDesignSystem().register(vsCodeBadge(), vsCodeButton(), vsCodeCheckbox(), vsCodeDivider(), vsCodeDropdown(), vsCodeOption(), vsCodeTag());

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): ReportModel | undefined;
  setState(state: ReportModel): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function button(label: string, message: WebviewMessage, appearance: 'primary' | 'secondary' = 'secondary', testId?: string): HTMLElement {
  const b = document.createElement('vscode-button');
  b.setAttribute('appearance', appearance);
  b.textContent = label;
  if (testId) b.dataset.testid = testId;
  b.addEventListener('click', () => vscode.postMessage(message));
  return b;
}

function renderSummary(model: ReportModel): HTMLElement {
  const section = el('section');
  section.append(el('h2', 'Summary'));
  const table = el('table', undefined, 'summary');
  for (const count of model.counts) {
    const row = el('tr');
    row.append(el('th', count.label), el('td', `${count.value.toLocaleString('en-US')}${count.detail ? ` (${count.detail})` : ''}`));
    table.append(row);
  }
  for (const [name, version] of Object.entries(model.versions)) {
    const row = el('tr');
    row.append(el('th', name), el('td', version));
    table.append(row);
  }
  section.append(table);
  if (model.listSizes.length > 0) {
    section.append(el('h3', 'CRI list sizes'));
    for (const size of model.listSizes) {
      const line = el('div', undefined, 'list-size');
      line.append(el('span', `${size.method}: ${formatBytes(size.bytes)}`));
      for (const limit of GRPC_LIMITS) {
        const pct = Math.round((100 * size.bytes) / limit.bytes);
        const meter = el('meter');
        meter.min = 0; meter.max = 100; meter.low = 50; meter.high = 80; meter.optimum = 0; meter.value = Math.min(pct, 100);
        meter.title = `${pct} % of the ${limit.label}`;
        line.append(meter, el('span', `${pct} % of ${limit.label}`, 'muted'));
      }
      section.append(line);
    }
  }
  section.append(el('p', `Listed with strategy "${model.listStrategy}" through ${model.access}; generated ${model.generatedAt}.`, 'muted'));
  return section;
}

function renderFinding(finding: ReportFinding): HTMLElement {
  const card = el('article', undefined, `finding ${finding.severity}`);
  card.dataset.findingId = finding.id;
  const head = el('header');
  const tag = document.createElement('vscode-tag');
  tag.textContent = finding.severity;
  head.append(tag, el('strong', ` ${finding.title}`), el('span', ` · ${finding.object}`, 'muted'));
  card.append(head, el('p', finding.explanation));
  if (finding.steps.length > 0) {
    const steps = el('ol');
    for (const step of finding.steps) {
      const item = el('li');
      item.append(el('span', `${step.title} `), el('span', `(risk: ${step.risk})`, `risk ${step.risk}`), el('pre', step.manualCommand));
      steps.append(item);
    }
    card.append(steps);
    const actions = el('div', undefined, 'actions');
    actions.append(
      button('Repair…', { type: 'repair', findingId: finding.id }, 'primary', 'repair'),
      button('Copy commands', { type: 'copyCommands', findingId: finding.id }),
    );
    card.append(actions);
  }
  // The plan's notes: why prune keeps what it keeps, why a Ready sandbox is left running (no steps: no Repair button).
  for (const note of finding.notes ?? []) card.append(el('p', note, 'muted note'));
  return card;
}

function renderPrevention(): HTMLElement {
  const section = el('section');
  section.append(el('h2', 'Prevention'), el('p', 'Turn on containerd metrics and alert on sandbox start/stop/remove failures and containers Kubernetes does not know.'));
  const dropdown = document.createElement('vscode-dropdown') as HTMLElement & { value: string };
  for (const [value, label] of [['prometheus', 'Prometheus'], ['victoriametrics', 'VictoriaMetrics']]) {
    const option = document.createElement('vscode-option');
    option.setAttribute('value', value);
    option.textContent = label;
    dropdown.append(option);
  }
  const talos = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
  talos.textContent = 'Talos Linux machine-config patch';
  const generate = document.createElement('vscode-button');
  generate.textContent = 'Generate files…';
  generate.addEventListener('click', () => {
    const monitoring = dropdown.value === 'victoriametrics' ? 'victoriametrics' : 'prometheus';
    vscode.postMessage({ type: 'generatePrevention', monitoring, talos: Boolean(talos.checked) });
  });
  const row = el('div', undefined, 'actions');
  row.append(dropdown, talos, generate);
  section.append(row);
  return section;
}

function render(model: ReportModel): void {
  const root = document.getElementById('root');
  if (!root) return;
  root.replaceChildren();
  const header = el('header', undefined, 'top');
  header.append(el('h1', `Node ${model.node}`), button('Export to Markdown', { type: 'exportMarkdown' }), button('Refresh', { type: 'refresh' }));
  root.append(header, renderSummary(model));
  const findings = el('section');
  const badge = document.createElement('vscode-badge');
  badge.textContent = String(model.findings.length);
  const title = el('h2', 'Findings ');
  title.append(badge);
  findings.append(title);
  if (model.findings.length === 0) findings.append(el('p', 'No problems found on this node.'));
  for (const finding of model.findings) findings.append(renderFinding(finding));
  root.append(findings, document.createElement('vscode-divider'), renderPrevention());
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
      vscode.setState(message.model);
      render(message.model);
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
if (saved) render(saved);
vscode.postMessage({ type: 'ready' });
