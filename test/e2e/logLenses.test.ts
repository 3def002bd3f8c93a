import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ARTIFACTS, REPO, Workbench } from './workbench';

const SEED_LOG = fs.readFileSync(path.join(REPO, 'test/fixtures/demo/logs/kubelet-talos-worker.log'), 'utf8');

describe('Kube Node Doctor in VS Code, installed from the .vsix', function () {
  this.timeout(180_000);
  let wb: Workbench;

  before(async () => {
    // Screenshots of an earlier run (failures included) would mislead: start from an empty folder.
    fs.rmSync(ARTIFACTS, { recursive: true, force: true });
    // No kubeconfig and no local runtime: the view shows its welcome content.
    wb = await Workbench.open({ 'kubeNodeDoctor.localNode.mode': 'off' });
  });
  after(async () => {
    await wb?.close();
  });
  afterEach(async function () {
    await wb?.screenshotIfFailed(this.currentTest);
  });

  it('shows the Node Doctor view with its no-kubeconfig welcome, a Choose Kubeconfig button and a Paste Log button', async () => {
    await wb.page.locator('.activitybar [aria-label^="Node Doctor"]').first().click();
    const welcome = wb.page.locator('.welcome-view-content');
    await welcome.filter({ hasText: 'No kubeconfig found' }).first().waitFor({ timeout: 30_000 });
    assert.ok(await welcome.getByRole('button', { name: 'Choose Kubeconfig File…' }).first().isVisible());
    assert.ok(await welcome.getByRole('button', { name: 'Paste Log for Diagnosis' }).first().isVisible());
    await wb.screenshot('01-welcome-view');
  });

  it('annotates a pasted kubelet log with one short lens per sandbox: category, sandbox, line count', async () => {
    await wb.setClipboard(SEED_LOG);
    await wb.runCommand('Node Doctor: Paste Log for Diagnosis');
    const lens = wb.page.locator('.codelens-decoration');
    await lens.filter({ hasText: 'Empty or corrupt CNI cache file · 055b221e44a2 · 120 lines' }).first().waitFor({ timeout: 30_000 });
    assert.equal(await lens.filter({ hasText: 'Explain' }).count(), 0, 'the actions are in the quick pick, not in the lens');
    await wb.screenshot('02-code-lenses');
  });

  it('shows the diagnosis in a hover on an evidence line', async () => {
    const line = wb.page.locator('.view-line', { hasText: 'StopPodSandbox from runtime service failed' }).first();
    await line.hover({ position: { x: 200, y: 5 } });
    const hover = wb.page.locator('.monaco-hover', { hasText: 'Empty or invalid CNI result cache' });
    await hover.first().waitFor({ timeout: 15_000 });
    assert.match(await hover.first().innerText(), /rm -f \/var\/lib\/cni\/results\/cbr0-/);
    await wb.screenshot('03-hover');
    await wb.page.keyboard.press('Escape');
  });

  it('opens the finding\'s actions from the lens, and the explanation with the exact manual fix from Explain', async () => {
    await wb.page.locator('.codelens-decoration a', { hasText: '055b221e44a2 · 120 lines' }).first().click();
    const pick = wb.page.locator('.quick-input-widget');
    await pick.waitFor({ state: 'visible', timeout: 15_000 });
    const rows = pick.locator('.monaco-list-row');
    await rows.filter({ hasText: 'Repair on Node…' }).first().waitFor({ timeout: 10_000 });
    // Each row: the label, then its detail line.
    assert.deepEqual((await rows.allInnerTexts()).map((t) => t.trim().split('\n')[0].trim()), ['Explain', 'Copy Fix Commands', 'Find on Node…', 'Repair on Node…']);
    await wb.screenshot('03b-finding-actions');
    await rows.filter({ hasText: 'Explain' }).first().click();
    // A read-only document (rendered as a Markdown preview where the workbench has the preview command).
    const tab = wb.page.locator('.tabs-container .tab', { hasText: 'cni-cache-result-invalid-055b221e44a2.md' });
    await tab.first().waitFor({ timeout: 30_000 });
    assert.ok(!(await tab.first().getAttribute('class'))?.includes('dirty'), 'nothing to save when it is closed');
    const editor = wb.page.locator('.editor-instance', { hasText: 'What it means' }).last();
    await editor.waitFor({ timeout: 10_000 });
    await editor.locator('.view-lines').click();
    await wb.page.keyboard.press('Control+F');
    await wb.page.keyboard.type('crictl rmp 055b');
    await wb.page.keyboard.press('Enter');
    await wb.page.locator('.view-lines', { hasText: 'crictl rmp' }).last().waitFor({ timeout: 10_000 });
    await wb.screenshot('04-explanation');
  });

  it('lists the three problems in the Problems panel', async () => {
    await wb.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
    const first = wb.page.locator('.markers-panel .monaco-list-row', { hasText: 'Empty or invalid CNI result cache · sandbox 055b221e44a2 · network cbr0 · 120 lines' });
    await first.first().waitFor({ timeout: 20_000 });
    const badge = wb.page.locator('.panel .composite-bar .badge-content').first();
    assert.equal((await badge.innerText()).trim(), '3', 'three problems counted in the Problems tab');
    await wb.screenshot('05-problems');
  });
});
