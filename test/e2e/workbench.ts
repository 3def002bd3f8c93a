// Drives a real VS Code (code-server) in Debian's Chromium with the extension installed from the built .vsix.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';

interface CodeServer { base: string; tmp: string; stop(): Promise<void> }
interface Browser { context: BrowserContext; close(): Promise<void> }
interface Harness {
  startCodeServer(options: { bin: string; workspace: string; vsix?: string; settings?: Record<string, unknown> }): Promise<CodeServer>;
  launchBrowser(): Promise<Browser>;
  workbenchUrl(base: string, folder: string): string;
}

export const REPO = path.resolve(__dirname, '../../..');
export const ARTIFACTS = path.join(REPO, 'test/e2e/artifacts');

/** `import()` of an ES module (the harness's .mjs files) that TypeScript's CommonJS output would turn into `require`. */
export const importEsm = new Function('p', 'return import(p)') as <T>(p: string) => Promise<T>;

/** Polls `check` every 250 ms until it holds; throws, naming `what`, after `timeoutMs`. */
export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting until ${what}`);
}

export class Workbench {
  private constructor(readonly page: Page, private readonly server: CodeServer, private readonly browser: Browser, readonly workspace: string) {}

  /** code-server with a fresh profile, the .vsix installed, a copy of `from` (the demo workspace by default) opened. */
  static async open(settings: Record<string, unknown> = {}, from = path.join(REPO, 'test/fixtures/demo')): Promise<Workbench> {
    const bin = process.env.CODE_SERVER_BIN;
    const vsix = process.env.KND_VSIX;
    if (!bin || !vsix) throw new Error('CODE_SERVER_BIN and KND_VSIX must be set (npm run test:e2e sets them).');
    // The harness is plain ESM (shared with npm start); load it at run time.
    const harness = await importEsm<Harness>(path.join(REPO, 'test/harness/codeServer.mjs'));
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-e2e-ws-'));
    fs.cpSync(from, workspace, { recursive: true });
    const server = await harness.startCodeServer({ bin, workspace, vsix, settings });
    const browser = await harness.launchBrowser();
    const page = browser.context.pages()[0] ?? await browser.context.newPage();
    await page.goto(harness.workbenchUrl(server.base, workspace));
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.activitybar').waitFor({ timeout: 60_000 });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    return new Workbench(page, server, browser, workspace);
  }

  /** The extension's global storage in this throwaway profile (the audit log lives there). */
  get globalStorage(): string {
    return path.join(this.server.tmp, 'user-data', 'User', 'globalStorage', 'kube-node-doctor.kube-node-doctor');
  }

  /** A row of the Node Doctor tree whose label is exactly `label`. */
  treeRow(label: string | RegExp): Locator {
    const name = typeof label === 'string' ? new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : label;
    return this.page.locator('.part.sidebar .monaco-list-row').filter({ has: this.page.locator('.label-name', { hasText: name }) }).first();
  }

  /** Right-clicks a row and picks a context-menu entry. */
  async contextMenu(row: Locator, item: string | RegExp): Promise<void> {
    // A tree tooltip left over from an earlier click would take the click: move away and let it close.
    await this.page.mouse.move(0, 0);
    await this.page.locator('.context-view .monaco-hover').waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
    await row.click({ button: 'right' });
    const menu = this.page.locator('.context-view .monaco-menu');
    const entry = menu.locator('.action-item').filter({ hasText: item }).first();
    await entry.waitFor({ state: 'visible', timeout: 15_000 });
    await entry.click();
    // Seen once in CI: the click reached the menu while it was still settling, left the entry highlighted and the menu
    // open. Enter then runs the highlighted entry; when the click worked the menu is already gone and nothing is pressed.
    if (!(await menu.waitFor({ state: 'hidden', timeout: 3_000 }).then(() => true, () => false))) {
      await entry.hover();
      await this.page.keyboard.press('Enter');
      await menu.waitFor({ state: 'hidden', timeout: 10_000 });
    }
  }

  /** Drags the side bar's edge so tree labels are readable in screenshots. */
  async widenSidebar(width: number): Promise<void> {
    const bar = await this.page.locator('.part.sidebar').boundingBox();
    if (!bar) return;
    const edge = bar.x + bar.width;
    for (const sash of await this.page.locator('.monaco-sash.vertical').all()) {
      const box = await sash.boundingBox();
      if (!box || Math.abs(box.x + box.width / 2 - edge) > 4 || box.height < bar.height / 2) continue;
      await this.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await this.page.mouse.down();
      await this.page.mouse.move(bar.x + width, box.y + box.height / 2, { steps: 5 });
      await this.page.mouse.up();
      return;
    }
  }

  /** The modal dialog (VS Code's custom dialog in the browser). */
  get dialog(): Locator {
    return this.page.locator('.monaco-dialog-box');
  }

  /** For `afterEach`: a picture of the workbench when the test that just ran failed, named after it. */
  async screenshotIfFailed(test: Mocha.Test | undefined): Promise<void> {
    if (test?.state === 'failed') await this.screenshot(`failed-${test.title.replace(/\W+/g, '-').slice(0, 60)}`);
  }

  async screenshot(name: string): Promise<void> {
    await this.page.waitForTimeout(300); // let animations settle, for the picture only
    await this.page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
  }

  /** Runs a command from the palette, clicking the row whose label is exactly `label` (palette matching is fuzzy). */
  async runCommand(label: string): Promise<void> {
    const input = this.page.locator('.quick-input-widget input');
    // The palette can miss a key press while another quick input is still closing or focus is moving between the
    // workbench and a webview: try again (Escape first) with the other key binding before giving up.
    for (let attempt = 0; ; attempt += 1) {
      await this.page.keyboard.press(attempt % 2 === 0 ? 'F1' : 'Control+Shift+P');
      try {
        await input.waitFor({ state: 'visible', timeout: 8_000 });
        break;
      } catch (error) {
        if (attempt >= 3) throw error;
        await this.page.keyboard.press('Escape');
        await this.page.waitForTimeout(500);
      }
    }
    await input.fill(`>${label}`);
    const row = this.page.locator('.quick-input-list .monaco-list-row').filter({ has: this.page.locator('.label-name', { hasText: label }) }).first();
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    await row.click();
  }

  async setClipboard(text: string): Promise<void> {
    await this.page.evaluate((t) => (globalThis as unknown as { navigator: { clipboard: { writeText(s: string): Promise<void> } } }).navigator.clipboard.writeText(t), text);
  }

  async close(): Promise<void> {
    await this.browser.close();
    await this.server.stop();
    fs.rmSync(this.workspace, { recursive: true, force: true });
  }
}
