// The repair dialog, the repair history with Undo, and the dry-run toggle in a real VS Code (code-server in Chromium),
// on the demo node (a real containerd lab seeded with the field failures). Every change is asserted on the node itself.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Locator } from 'playwright-core';
import type { AuditEntry } from '../../src/core/repair/types';
import { importEsm, REPO, until, Workbench } from './workbench';

interface DemoSummary {
  readonly node: string;
  readonly seedBug: { readonly sandboxId: string; readonly cacheFile: string; readonly pod: string };
}
interface DemoNode { readonly workspace: string; readonly summary: DemoSummary; stop(): Promise<void> }

function auditEntries(wb: Workbench): AuditEntry[] {
  const file = path.join(wb.globalStorage, 'audit.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as AuditEntry);
}

/** The user settings of the throwaway profile (beside its globalStorage). */
function userSettings(wb: Workbench): Record<string, unknown> {
  const file = path.join(wb.globalStorage, '..', '..', 'settings.json');
  if (!fs.existsSync(file)) return {};
  const text = fs.readFileSync(file, 'utf8').replace(/^\s*\/\/.*$/gm, '');
  return text.trim() === '' ? {} : JSON.parse(text) as Record<string, unknown>;
}

/** The dialog and each of its buttons lie inside the window. */
async function assertWithinWindow(wb: Workbench, dialog: Locator): Promise<string[]> {
  const viewport = wb.page.viewportSize();
  assert.ok(viewport);
  const box = await dialog.boundingBox();
  assert.ok(box, 'the dialog is shown');
  assert.ok(box.y >= 0 && box.y + box.height <= viewport.height, `the dialog (${Math.round(box.height)} px tall at y ${Math.round(box.y)}) fits a ${viewport.height} px window`);
  const labels: string[] = [];
  for (const button of await dialog.locator('.monaco-button').all()) {
    const b = await button.boundingBox();
    const label = (await button.innerText()).trim();
    assert.ok(b && b.y >= 0 && b.y + b.height <= viewport.height && b.x >= 0 && b.x + b.width <= viewport.width, `the button "${label}" is visible`);
    labels.push(label);
  }
  return labels;
}

/** The label of the focused element (what Enter would press). */
async function focusedLabel(wb: Workbench): Promise<string> {
  return wb.page.evaluate(() => ((globalThis as unknown as { document: { activeElement: { textContent: string | null } | null } }).document.activeElement?.textContent ?? '').trim());
}

describe('the repair dialog, repair history and Undo, and the dry-run toggle, on a real containerd node', function () {
  this.timeout(300_000);
  let demo: DemoNode;
  let wb: Workbench;

  before(async () => {
    const harness = await importEsm<{ startDemoNode(o: object): Promise<DemoNode>; demoUserSettings(w: string): Record<string, unknown> }>(path.join(REPO, 'test/harness/demo/demoNode.mjs'));
    demo = await harness.startDemoNode({ labDir: '/tmp/knd-e2e-repair', bridge: 'knde2erep', subnet: '10.244.211.0/24' });
    wb = await Workbench.open(harness.demoUserSettings(demo.workspace), demo.workspace);
  });
  after(async () => {
    await wb?.close();
    await demo?.stop();
  });
  afterEach(async function () {
    await wb?.screenshotIfFailed(this.currentTest);
  });

  it('asks to repair every finding in a dialog that fits 1400×900 and 1024×700, "Show Full Plan" focused, the destructive button named', async () => {
    await wb.page.locator('.activitybar [aria-label^="Node Doctor"]').first().click();
    await wb.treeRow(demo.summary.node).waitFor({ timeout: 60_000 });
    await wb.treeRow(demo.summary.node).click();
    await wb.treeRow('Inspect node').click();
    await wb.treeRow('Findings').waitFor({ timeout: 90_000 });

    for (const [width, height] of [[1400, 900], [1024, 700]] as const) {
      await wb.page.setViewportSize({ width, height });
      await wb.contextMenu(wb.treeRow(demo.summary.node), 'Repair All Findings…');
      await wb.dialog.waitFor({ timeout: 30_000 });
      const labels = await assertWithinWindow(wb, wb.dialog);
      assert.ok(labels.includes('Show Full Plan') && labels.includes('Cancel'), labels.join(', '));
      assert.ok(labels.some((l) => /^(Remove|Release|Prune) /.test(l)), `an explicitly named repair button: ${labels.join(', ')}`);
      assert.equal(await focusedLabel(wb), 'Show Full Plan', 'Enter does not run the repair');
      assert.match(await wb.dialog.innerText(), /Risk: (low|medium|high)/);
      await wb.screenshot(`20-repair-dialog-${width}x${height}`);
      await wb.page.keyboard.press('Escape');
      await wb.dialog.waitFor({ state: 'hidden' });
    }
    await wb.page.setViewportSize({ width: 1400, height: 900 });
    assert.equal(auditEntries(wb).length, 0, 'nothing ran');
  });

  it('Enter opens the full plan, the dialog asks again, the named button repairs; Undo from the history restores the file after the notification is gone', async () => {
    const { cacheFile } = demo.summary.seedBug;
    await wb.contextMenu(wb.treeRow(demo.summary.node), 'Repair All Findings…');
    await wb.dialog.waitFor({ timeout: 30_000 });
    await wb.page.keyboard.press('Enter');
    await wb.page.locator('.tab', { hasText: /^plan-.*\.md/ }).first().waitFor({ timeout: 20_000 });
    await wb.dialog.waitFor({ timeout: 20_000 });
    await wb.screenshot('21-full-plan-and-dialog');
    await wb.dialog.locator('.monaco-button', { hasText: /^(Remove|Release|Prune) / }).first().click();
    await until('the seed cache file is gone', () => !fs.existsSync(cacheFile), 120_000);
    const toast = wb.page.locator('.notifications-toasts .notification-toast', { hasText: /Repaired|Repair on/ }).first();
    await toast.waitFor({ timeout: 60_000 });
    await wb.screenshot('22-repair-summary');

    // The notification (and its Undo button) goes away; Undo is still in the history.
    await wb.runCommand('Notifications: Clear All Notifications');
    await toast.waitFor({ state: 'hidden', timeout: 20_000 });
    await wb.runCommand('View: Close All Editors');
    // No tree tooltip over the picture: move away, and close a hover left from the tree's re-render.
    await wb.page.mouse.move(1100, 700);
    await wb.page.keyboard.press('Escape');
    await wb.page.locator('.monaco-hover').first().waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
    await wb.runCommand('Show Repair History');
    const run = wb.page.locator('.quick-input-list .monaco-list-row', { hasText: /Undo available/ }).first();
    await run.waitFor({ timeout: 20_000 });
    assert.match(await run.innerText(), /just now|min ago/);
    await wb.screenshot('23-repair-history');
    await run.click();
    await wb.dialog.waitFor({ timeout: 20_000 });
    await assertWithinWindow(wb, wb.dialog);
    const shortName = path.basename(cacheFile).replace(/[0-9a-f]{64}/, (id) => `${id.slice(0, 12)}…`);
    assert.ok((await wb.dialog.innerText()).includes(shortName), `the Undo dialog names the file ${shortName}`);
    await wb.screenshot('24-undo-confirmation');
    await wb.dialog.locator('.monaco-button', { hasText: /^Restore \d+ files?$/ }).click();
    await until('the seed cache file is back', () => fs.existsSync(cacheFile), 60_000);
    await until('the audit log records the restore', () => auditEntries(wb).some((e) => e.action === 'restore-file' && e.object === cacheFile && e.result === 'done'));
  });

  it('Turn On Dry Run, then Turn Off Dry Run… asks in a modal and turns it off in the user settings', async () => {
    await wb.runCommand('Turn On Dry Run');
    await until('the user settings have dry run on', () => userSettings(wb)['kubeNodeDoctor.repair.dryRun'] === true, 20_000);
    await wb.runCommand('Turn Off Dry Run…');
    await wb.dialog.waitFor({ timeout: 20_000 });
    assert.match(await wb.dialog.innerText(), /your user settings/);
    await wb.screenshot('25-turn-off-dry-run');
    await wb.dialog.locator('.monaco-button', { hasText: /^Turn Off Dry Run$/ }).click();
    await until('dry run is off in the user settings', () => userSettings(wb)['kubeNodeDoctor.repair.dryRun'] === undefined, 20_000);
  });
});
