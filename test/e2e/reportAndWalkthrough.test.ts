// The node report and the Getting Started walkthrough in a real VS Code (code-server in Chromium), extension installed
// from the .vsix, on the demo node (a real containerd seeded with the field failures): the report's order, short IDs,
// wrapped commands, accessible names and stale notice, in the dark and the light theme; the walkthrough's steps.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { importEsm, REPO, Workbench } from './workbench';

interface DemoSummary { readonly node: string; readonly seedBug: { readonly sandboxId: string } }
interface DemoNode { readonly workspace: string; readonly summary: DemoSummary; stop(): Promise<void> }

/** The page's getComputedStyle (the tests compile without the DOM library). */
interface Styles { getComputedStyle(element: unknown): { backgroundColor: string; color: string } }

/** The report webview's content (code-server nests it in two iframes). */
function reportFrame(wb: Workbench): FrameLocator {
  return wb.page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
}

async function colorTheme(wb: Workbench, theme: string): Promise<void> {
  await wb.runCommand('Preferences: Color Theme');
  const input = wb.page.locator('.quick-input-widget input');
  await input.fill(theme);
  await wb.page.locator('.quick-input-list .monaco-list-row', { has: wb.page.locator('.label-name', { hasText: new RegExp(`^${theme}$`) }) }).first().click();
  await wb.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
}

describe('the node report and the Getting Started walkthrough in VS Code', function () {
  this.timeout(300_000);
  let demo: DemoNode;
  let wb: Workbench;

  before(async () => {
    const harness = await importEsm<{ startDemoNode(o: object): Promise<DemoNode>; demoUserSettings(workspace: string): Record<string, unknown> }>(
      path.join(REPO, 'test/harness/demo/demoNode.mjs'));
    demo = await harness.startDemoNode({ labDir: '/tmp/knd-e2e-report', bridge: 'knde2erep', subnet: '10.244.211.0/24' });
    wb = await Workbench.open(harness.demoUserSettings(demo.workspace), demo.workspace);
  });
  after(async () => {
    await wb?.close();
    await demo?.stop();
  });
  afterEach(async function () {
    await wb?.screenshotIfFailed(this.currentTest);
  });

  it('opens the report with the errors first, short IDs (full in the tooltip), wrapped commands and a name on every control', async () => {
    await wb.page.locator('.activitybar [aria-label^="Node Doctor"]').first().click();
    await wb.treeRow(demo.summary.node).waitFor({ timeout: 60_000 });
    await wb.widenSidebar(420);
    await wb.treeRow(demo.summary.node).click();
    await wb.treeRow('Inspect node').click();
    await wb.treeRow('Findings').waitFor({ timeout: 90_000 });
    await wb.contextMenu(wb.treeRow(demo.summary.node), 'Open Node Report');
    const frame = reportFrame(wb);
    await frame.locator('h1', { hasText: `Node report: ${demo.summary.node}` }).waitFor({ timeout: 60_000 });
    const cards = frame.locator('article.finding');
    await cards.first().waitFor({ timeout: 30_000 });

    const severities = await cards.evaluateAll((nodes) => nodes.map((n) => ['error', 'warning', 'info'].find((s) => n.classList.contains(s)) ?? '?'));
    assert.ok(severities.length >= 3, `the demo node has several findings (${severities.join(', ')})`);
    const rank = { error: 0, warning: 1, info: 2 } as Record<string, number>;
    assert.deepEqual(severities, [...severities].sort((a, b) => rank[a] - rank[b]), 'errors first, then warnings, then info');
    assert.equal(severities[0], 'error', 'the seeded empty cache file (an error) comes first');

    // The seed sandbox's card: its ID shows short everywhere but in the commands, with the full ID in the tooltip.
    const seed = demo.summary.seedBug.sandboxId;
    const card = cards.filter({ has: frame.locator(`abbr[title="${seed}"]`) }).first();
    await card.waitFor({ timeout: 10_000 });
    const visible = await card.locator('summary').innerText();
    assert.ok(!visible.includes(seed) && visible.includes(seed.slice(0, 12)), `the card's heading shows the short ID: ${visible}`);
    assert.ok((await card.locator('pre').allInnerTexts()).some((t) => t.includes(seed)), 'commands keep the full ID: they run as shown');
    assert.equal(await card.locator('vscode-button', { hasText: 'Copy ID' }).count(), 1);

    // Commands wrap instead of being clipped; every control has an accessible name.
    const clipped = await frame.locator('pre').evaluateAll((nodes) => nodes.filter((n) => n.scrollWidth > n.clientWidth + 1).length);
    assert.equal(clipped, 0, 'no code block scrolls or clips sideways');
    const unnamed = await frame.locator('vscode-button, vscode-dropdown, vscode-checkbox').evaluateAll((nodes) =>
      nodes.filter((n) => !(n.getAttribute('aria-label') ?? '').trim()).map((n) => n.textContent ?? '?'));
    assert.deepEqual(unnamed, [], 'every control has an aria-label');
    const headings = await frame.locator('h1, h2').allInnerTexts();
    assert.equal(headings.filter((h) => h.startsWith('Node report')).length, 1, 'one h1');
    assert.ok(headings.some((h) => h.startsWith('Findings')) && headings.some((h) => h.startsWith('Summary')));

    // Cards collapse and open from the keyboard (a native <details>).
    const summary = card.locator('summary');
    await summary.focus();
    await wb.page.keyboard.press('Enter');
    assert.equal(await card.locator('details').evaluate((d) => (d as unknown as { open: boolean }).open), false, 'Enter closes the card');
    await wb.page.keyboard.press('Enter');
    assert.equal(await card.locator('details').evaluate((d) => (d as unknown as { open: boolean }).open), true, 'and opens it again');
    await wb.page.mouse.move(1000, 120); // away from the tree, whose row tooltips would cover the report
    await wb.screenshot('13-report-light');
  });

  it('says the report is stale once the node is read again from the tree, and Refresh makes it current', async () => {
    const frame = reportFrame(wb);
    const stale = frame.locator('#stale');
    assert.equal(await stale.isVisible(), false, 'no notice while the report shows the last read');
    await wb.contextMenu(wb.treeRow(demo.summary.node), 'Refresh Node');
    await stale.filter({ hasText: 'read again' }).waitFor({ state: 'visible', timeout: 90_000 });
    assert.equal(await stale.locator('vscode-button', { hasText: 'Refresh' }).getAttribute('aria-label'), 'Refresh the report from the node');
    await wb.page.mouse.move(1000, 120);
    await wb.screenshot('14-report-stale');
    await stale.locator('vscode-button', { hasText: 'Refresh' }).click();
    await stale.waitFor({ state: 'hidden', timeout: 60_000 });
  });

  it('follows the dark theme: the text, cards and size bars take the theme\'s colours, an empty bar stays empty', async () => {
    const frame = reportFrame(wb);
    const textColour = (): Promise<string> => frame.locator('body').evaluate((b) => (globalThis as unknown as Styles).getComputedStyle(b).color);
    const light = await textColour();
    await colorTheme(wb, 'Dark Modern');
    let dark = light;
    for (let i = 0; i < 20 && dark === light; i++) {
      await wb.page.waitForTimeout(250);
      dark = await textColour();
    }
    assert.notEqual(dark, light, 'the webview repaints with the theme');
    // A bar is a transparent track with a border in every theme: only its fill is coloured, so 0 % looks empty.
    const bars = frame.locator('.bar');
    assert.ok(await bars.count() > 0, 'the demo node has list sizes');
    for (const track of await bars.evaluateAll((nodes) => nodes.map((n) => (globalThis as unknown as Styles).getComputedStyle(n).backgroundColor))) {
      assert.match(track, /rgba\(0, 0, 0, 0\)|transparent/, 'the bar track is transparent');
    }
    await wb.page.mouse.move(1000, 120);
    await wb.screenshot('15-report-dark');
    await frame.locator('#summary-heading').scrollIntoViewIfNeeded();
    await wb.screenshot('15b-report-dark-sizes');
    await colorTheme(wb, 'Light Modern');
  });

  it('offers the Getting Started walkthrough: four steps, each with its page, and pasting a log checks the first', async () => {
    await wb.page.keyboard.press('Escape');
    await wb.runCommand('View: Close Primary Side Bar'); // the walkthrough shows its pages beside the steps when it has the width
    await wb.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
    await wb.runCommand('Welcome: Open Walkthrough...');
    await wb.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Get Started with Kube Node Doctor' }).first().click();
    const steps = wb.page.locator('button.getting-started-step');
    await steps.first().waitFor({ timeout: 30_000 });
    const titles = (await steps.locator('.step-title').allInnerTexts()).map((t) => t.trim());
    assert.deepEqual(titles, ['Paste a log', 'Add a kubeconfig', 'Inspect a node', 'Repair safely']);
    const first = wb.page.locator('button.getting-started-step[data-step-id$="pasteLog"]');
    assert.equal(await first.getAttribute('aria-checked'), 'false');
    await wb.screenshot('16-walkthrough');
    await wb.setClipboard('E1123 09:00:00.000000  1234 remote_runtime.go:222] "StopPodSandbox from runtime service failed" err="rpc error: code = Unknown desc = failed to destroy network for sandbox \\"055b221e44a28ce8d9120f771d5e1ef201f2457ce49c58999a0147104cca2708\\": decoding version from network config: unexpected end of JSON input"\n');
    await first.click();
    await wb.page.locator('.gettingStartedContainer .monaco-button', { hasText: 'Paste Log for Diagnosis' }).filter({ visible: true }).first().click();
    await wb.page.locator('.editor-instance .view-lines').first().waitFor({ timeout: 30_000 });
    await wb.runCommand('Welcome: Open Walkthrough...');
    await wb.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Get Started with Kube Node Doctor' }).first().click();
    await wb.page.locator('button.getting-started-step[data-step-id$="pasteLog"][aria-checked="true"]').waitFor({ timeout: 30_000 });
    await wb.page.locator('button.getting-started-step[data-step-id$="inspectNode"]').click();
    // The step's Markdown page, rendered by the workbench in a webview beside the steps.
    const page = wb.page.frameLocator('.getting-started-media iframe').last().frameLocator('#active-frame');
    await page.locator('h1', { hasText: 'Inspect a node' }).waitFor({ timeout: 30_000 });
    assert.match(await page.locator('body').innerText(), /Open Node Report/);
    await wb.page.mouse.move(5, 450);
    await wb.screenshot('17-walkthrough-step-done');
  });
});
