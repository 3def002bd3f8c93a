// The whole loop in a real VS Code (code-server) in Chromium, extension installed from the .vsix, against a REAL node:
// the demo node (containerd + runc + CNI from Debian, seeded with the field failures) read locally, and the same
// runtime reached through the debug-pod bridge of the API stand-in. Every repair is asserted on the runtime itself.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Locator } from 'playwright-core';
import { isNotFound } from '../../src/core/cri/criError';
import { createCriClient } from '../../src/core/cri/criClient';
import type { CriRuntime } from '../../src/core/cri/types';
import type { AuditEntry } from '../../src/core/repair/types';
import type * as LabModule from '../integration/support/lab';
import type * as StandInModule from '../standin/labStandIn';
import type { LabStandIn } from '../standin/labStandIn';
import { importEsm, REPO, until, Workbench } from './workbench';

interface DemoSummary {
  readonly node: string;
  readonly log: string;
  readonly seedBug: { readonly sandboxId: string; readonly cacheFile: string; readonly pod: string };
  readonly orphan: { readonly sandboxId: string; readonly containerId: string };
  readonly leakedCache: { readonly sandboxId: string; readonly cacheFiles: readonly string[] };
}
interface DemoNode { readonly env: Record<string, string>; readonly workspace: string; readonly summary: DemoSummary; stop(): Promise<void> }

const short = (id: string): string => id.slice(0, 12);

/** A cache file's row label: its network and the short ID of its sandbox (`cbr0 055b221e44a2`), never the 64-hex name. */
function cacheRowLabel(file: string, sandboxId: string): string {
  return `${path.basename(file).split(`-${sandboxId}`)[0]} ${short(sandboxId)}`;
}

/** A finding row by what a screen reader hears: `Error: <object>, <what is wrong>…` (the severity comes first). */
function findingRow(wb: Workbench, object: string, severity = 'Error'): Locator {
  return wb.page.locator(`.part.sidebar .monaco-list-row[aria-label^="${severity}: ${object},"]`).first();
}

/** Ticks or unticks a boolean setting in the Settings editor, as a user does. */
async function toggleSetting(wb: Workbench, key: string): Promise<void> {
  await wb.runCommand('Preferences: Open User Settings');
  const editor = wb.page.locator('.settings-editor');
  await editor.waitFor({ timeout: 20_000 });
  await wb.page.keyboard.type(key);
  const checkbox = editor.locator('.setting-item-bool .setting-value-checkbox').first();
  await checkbox.waitFor({ timeout: 20_000 });
  await checkbox.click();
}

/** The text of the visible lines of the active editor (Monaco renders spaces as no-break spaces). */
async function editorText(wb: Workbench): Promise<string> {
  return (await wb.page.locator('.editor-instance .view-lines').first().innerText()).replace(/\u00a0/g, ' ');
}

async function sandboxGone(cri: CriRuntime, id: string): Promise<boolean> {
  return cri.podSandboxStatus(id).then(() => false, (e: unknown) => isNotFound(e));
}

function auditEntries(wb: Workbench): AuditEntry[] {
  const file = path.join(wb.globalStorage, 'audit.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as AuditEntry);
}

/** The report webview's content (code-server nests it in two iframes). */
function reportFrame(wb: Workbench): FrameLocator {
  return wb.page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
}

describe('the node tree, repairs and report in VS Code, on a real containerd node', function () {
  this.timeout(300_000);
  let demo: DemoNode;
  let cri: CriRuntime;

  before(async () => {
    const { startDemoNode } = await importEsm<{ startDemoNode(o: object): Promise<DemoNode> }>(path.join(REPO, 'test/harness/demo/demoNode.mjs'));
    demo = await startDemoNode({ labDir: '/tmp/knd-e2e', bridge: 'knde2e', subnet: '10.244.210.0/24' });
    cri = createCriClient(demo.env.KND_CRI_ENDPOINT);
  });
  after(async () => {
    cri?.close();
    await demo?.stop();
  });

  describe('local demo node', () => {
    let wb: Workbench;
    before(async () => {
      // The local-node settings are machine-scoped: VS Code reads them from user settings only, never from the workspace.
      const { demoUserSettings } = await importEsm<{ demoUserSettings: (workspace: string) => Record<string, unknown> }>(path.join(REPO, 'test/harness/demo/demoNode.mjs'));
      wb = await Workbench.open(demoUserSettings(demo.workspace), demo.workspace);
    });
    after(async () => wb?.close());
    afterEach(async function () {
      await wb?.screenshotIfFailed(this.currentTest);
    });

    it('lists the demo node and, after Inspect node, shows findings with short labels that read apart at the default side-bar width', async () => {
      await wb.page.locator('.activitybar [aria-label^="Node Doctor"]').first().click();
      await wb.treeRow(demo.summary.node).waitFor({ timeout: 60_000 });
      await wb.treeRow(demo.summary.node).click();
      await wb.treeRow('Inspect node').click();
      await wb.treeRow('Findings').waitFor({ timeout: 90_000 });
      const rows = wb.page.locator('.part.sidebar .monaco-list-row').filter({ has: wb.page.locator('.label-name') });
      const findings = wb.page.locator('.part.sidebar .monaco-list-row[aria-label^="Error: "], .part.sidebar .monaco-list-row[aria-label^="Warning: "], .part.sidebar .monaco-list-row[aria-label^="Info: "]');
      await until('the findings are listed', async () => (await findings.count()) >= 4, 30_000);
      const sidebar = await wb.page.locator('.part.sidebar').boundingBox();
      assert.ok(sidebar && sidebar.width < 400, `the default side bar (${sidebar?.width} px)`);
      const seen: string[] = [];
      for (const row of await findings.all()) {
        const label = row.locator('.label-name');
        const box = await label.boundingBox();
        assert.ok(box && sidebar && box.x + box.width <= sidebar.x + sidebar.width, `"${await label.innerText()}" is not cut off at the default width`);
        seen.push(`${await label.innerText()} ${await row.locator('.label-description').innerText().catch(() => '')}`.slice(0, 24));
      }
      assert.equal(new Set(seen).size, seen.length, `finding rows read apart: ${JSON.stringify(seen)}`);
      assert.ok(!(await rows.allInnerTexts()).some((t) => /[0-9a-f]{64}/.test(t)), 'no 64-hex name in any row');
      await wb.screenshot('05-tree-default-width');
      await wb.widenSidebar(620);
      await wb.treeRow('CNI cache').click();
      const file = wb.treeRow(cacheRowLabel(demo.summary.seedBug.cacheFile, demo.summary.seedBug.sandboxId));
      await file.waitFor({ timeout: 20_000 });
      assert.match(await file.innerText(), /empty · 0 B/);
      await wb.screenshot('06-node-tree');
    });

    it('clicking a finding opens its explanation and repair plan', async () => {
      const { pod, sandboxId } = demo.summary.seedBug;
      await findingRow(wb, pod).click();
      const tab = wb.page.locator('.tabs-container .tab', { hasText: `cni-cache-corrupt-${short(sandboxId)}.md` }).first();
      await tab.waitFor({ timeout: 30_000 });
      await until('the document shows the plan', async () => /Repair plan/.test(await editorText(wb)), 30_000);
      assert.match(await editorText(wb), /Empty or corrupt CNI cache file/);
      await wb.screenshot('05b-finding-article');
      await wb.runCommand('View: Close Editor');
    });

    it('jumps from the lens on the log to the same sandbox on the node', async () => {
      await wb.page.keyboard.press('Control+P');
      await wb.page.locator('.quick-input-widget input').fill('node-demo.log');
      await wb.page.locator('.quick-input-list .monaco-list-row', { hasText: 'node-demo.log' }).first().click();
      // Scroll to the sandbox's first line (its lens sits above it).
      await wb.page.locator('.editor-instance .view-lines').first().click();
      await wb.page.keyboard.press('Control+F');
      await wb.page.keyboard.type(short(demo.summary.seedBug.sandboxId));
      await wb.page.keyboard.press('Enter');
      await wb.page.keyboard.press('Escape');
      const lens = wb.page.locator('.codelens-decoration', { hasText: ` · ${short(demo.summary.seedBug.sandboxId)} · ` }).filter({ visible: true }).first();
      await lens.waitFor({ timeout: 30_000 });
      // The lens's one action opens the finding's actions; Find on Node… is one of them.
      await lens.locator('a').first().click();
      await wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Find on Node…' }).first().click();
      const selected = wb.page.locator('.part.sidebar .monaco-list-row.selected');
      await until('the seed sandbox is selected in the tree', async () => (await selected.count()) > 0 && (await selected.first().innerText()).includes(short(demo.summary.seedBug.sandboxId)), 30_000);
      assert.match(await selected.first().innerText(), new RegExp(demo.summary.seedBug.pod.split('/')[1]));
      await wb.screenshot('07-find-on-node');
    });

    it('right-click → Remove Bad Cache File and Sandbox… → confirm: the file and the sandbox are gone on the runtime, with an audit entry', async () => {
      const { sandboxId, cacheFile } = demo.summary.seedBug;
      await wb.contextMenu(wb.treeRow(cacheRowLabel(cacheFile, sandboxId)), 'Remove Bad Cache File and Sandbox…');
      await wb.dialog.waitFor({ timeout: 20_000 });
      const text = await wb.dialog.innerText();
      assert.ok(text.includes(sandboxId), 'the plan names the sandbox by its full ID');
      assert.ok(text.includes(path.basename(cacheFile)), 'and the exact file');
      await wb.screenshot('08-repair-confirmation');
      await wb.dialog.locator('.monaco-button', { hasText: /^Remove 1 file and 1 sandbox/ }).click();
      await until('the cache file is gone', () => !fs.existsSync(cacheFile));
      await until('the sandbox is gone on the runtime', () => sandboxGone(cri, sandboxId));
      const outcomes = (): AuditEntry[] => auditEntries(wb).filter((e) => e.object.includes(sandboxId) && e.phase === 'outcome');
      await until('the audit log has the two steps', () => outcomes().length >= 2);
      const entries = outcomes();
      assert.deepEqual(entries.map((e) => [e.action, e.result]), [['remove-cache-file', 'done'], ['remove-sandbox', 'done']]);
      assert.deepEqual(auditEntries(wb).filter((e) => e.object.includes(sandboxId)).map((e) => e.phase), ['intent', 'outcome', 'intent', 'outcome'], 'write-ahead: each intent before its outcome');
      assert.ok(entries[0].backup && entries[0].backup.size === 0, 'the removed (empty) file was backed up first');
      await wb.page.locator('.notifications-toasts .notification-toast', { hasText: demo.summary.node }).first().waitFor({ timeout: 20_000 });
      await wb.screenshot('09-repair-summary');
    });

    it('opens the node report, whose Repair button runs the same confirmed repair (leaked cache file released)', async () => {
      await wb.contextMenu(wb.treeRow(demo.summary.node), 'Open Node Report');
      const frame = reportFrame(wb);
      await frame.locator('h1', { hasText: 'Node' }).waitFor({ timeout: 60_000 });
      const leakedFile = demo.summary.leakedCache.cacheFiles.find((f) => path.basename(f).startsWith('cbr0-'));
      assert.ok(leakedFile, 'the leaked sandbox left a cbr0 cache file');
      const card = frame.locator(`article.finding[data-finding-id="cni-cache-orphaned:${demo.summary.leakedCache.sandboxId}"]`);
      await card.waitFor({ timeout: 30_000 });
      await wb.screenshot('10-report');
      await card.locator('vscode-button', { hasText: 'Repair…' }).click();
      await wb.dialog.waitFor({ timeout: 20_000 });
      assert.ok((await wb.dialog.innerText()).includes(demo.summary.leakedCache.sandboxId));
      await wb.dialog.locator('.monaco-button', { hasText: /^(Release|Remove) / }).first().click();
      await until('the leaked cache file is gone', () => !fs.existsSync(leakedFile));
      await until('the audit log records the CNI DEL and the removal', () => auditEntries(wb).some((e) => e.action === 'cni-del' && e.result === 'done'));
    });

    it('says DRY RUN in the view\'s title while kubeNodeDoctor.repair.dryRun is on, and not once it is off', async () => {
      const dryRun = wb.page.locator('.part.sidebar').getByText(/· dry run/i);
      await toggleSetting(wb, 'kubeNodeDoctor.repair.dryRun');
      await dryRun.first().waitFor({ timeout: 30_000 });
      await wb.screenshot('13-tree-dry-run');
      await toggleSetting(wb, 'kubeNodeDoctor.repair.dryRun');
      await dryRun.first().waitFor({ state: 'hidden', timeout: 30_000 });
    });
  });

  describe('through the debug-pod bridge (API stand-in)', () => {
    let wb: Workbench;
    let env: LabStandIn;
    let seedId: string;
    let seedFile: string;
    let stuckId: string;

    before(async () => {
      // The stand-in and the lab helpers read the lab's KND_* from the environment.
      Object.assign(process.env, demo.env);
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- compiled test support, loaded after the env is set
      const lab = require('../integration/support/lab') as typeof LabModule;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const standIn = require('../standin/labStandIn') as typeof StandInModule;
      seedId = await lab.runSandbox({ name: 'bridge-seed-0', namespace: 'e2e' });
      seedFile = lab.cacheFilePath(demo.env.KND_NETWORK ?? 'cbr0', seedId, 'eth0');
      fs.truncateSync(seedFile, 0);
      await cri.stopPodSandbox(seedId).catch(() => undefined);
      // Seed 003: a pod the API deleted 10 min ago whose sandbox's stop hangs (runc without kill), still Ready.
      const stuckUid = '6f1b2c3d-0000-4000-8000-000000000003';
      stuckId = await lab.runSandbox({ name: 'stuck-0', namespace: 'e2e', uid: stuckUid, runtimeHandler: lab.requireLab().faultyHandler });
      lab.dropKill(stuckId, true);
      const paths = standIn.labPaths();
      assert.ok(paths);
      env = await standIn.startLabStandIn(paths);
      env.standIn.workloadPods.push({
        metadata: { name: 'stuck-0', namespace: 'e2e', uid: stuckUid, deletionTimestamp: new Date(Date.now() - 600_000).toISOString(), deletionGracePeriodSeconds: 30 },
        spec: { nodeName: env.node },
      });
      wb = await Workbench.open({
        'kubeNodeDoctor.kubeconfig': env.kubeconfig, 'kubeNodeDoctor.localNode.mode': 'off', 'kubeNodeDoctor.bridge.idleMinutes': 1,
        'kubeNodeDoctor.repair.stopTimeoutSeconds': 2,
      });
    });
    after(async () => {
      await wb?.close();
      await env?.close();
    });
    afterEach(async function () {
      await wb?.screenshotIfFailed(this.currentTest);
    });

    it('lists the cluster and its node, inspects it through one bridge pod, and repairs the seed failure from its finding', async () => {
      await wb.page.locator('.activitybar [aria-label^="Node Doctor"]').first().click();
      await wb.treeRow('lab').waitFor({ timeout: 60_000 });
      await wb.widenSidebar(620);
      if (!(await wb.treeRow(env.node).isVisible())) await wb.treeRow('lab').click();
      await wb.treeRow(env.node).click();
      await wb.treeRow('Inspect node').click();
      await wb.treeRow('Findings').waitFor({ timeout: 90_000 });
      assert.equal(env.standIn.podsIn('kube-system').length, 1, 'one bridge pod for the node');
      const finding = findingRow(wb, 'e2e/bridge-seed-0');
      if (!(await finding.isVisible())) await wb.treeRow('Findings').click();
      await finding.waitFor({ timeout: 20_000 });
      await wb.screenshot('11-bridge-tree');
      await wb.contextMenu(finding, 'Repair…');
      await wb.dialog.waitFor({ timeout: 20_000 });
      assert.ok((await wb.dialog.innerText()).includes(seedId));
      await wb.dialog.locator('.monaco-button', { hasText: /^Remove 1 file and 1 sandbox/ }).click();
      await until('the sandbox is gone on the runtime (repaired through the bridge)', () => sandboxGone(cri, seedId), 90_000);
      assert.equal(fs.existsSync(seedFile), false);
    });

    it('right-click a stuck-sandbox finding → Force-Stop Stuck Sandbox… → switch to host-pid → confirm: the shim is killed and the sandbox is gone', async () => {
      const finding = findingRow(wb, 'e2e/stuck-0');
      if (!(await finding.isVisible())) await wb.treeRow('Findings').click();
      await finding.waitFor({ timeout: 30_000 });
      // The previous test's repair re-reads the node: let that finish, so the menu acts on the current row.
      await until('no inspection is running', async () => (await wb.page.locator('.part.sidebar .monaco-list-row', { hasText: 'Inspecting…' }).count()) === 0, 60_000);
      await wb.contextMenu(finding, 'Force-Stop Stuck Sandbox…');
      await wb.dialog.waitFor({ timeout: 30_000 }).catch(async (error: unknown) => {
        const toasts = await wb.page.locator('.notifications-toasts .notification-toast').allInnerTexts();
        throw new Error(`no dialog after Force-Stop Stuck Sandbox… (notifications: ${JSON.stringify(toasts)}): ${String(error)}`);
      });
      assert.match(await wb.dialog.innerText(), /needs the bridge's host-pid profile/);
      await wb.dialog.locator('.monaco-button', { hasText: 'Switch to Host-PID Profile' }).click();
      const plan = wb.dialog.filter({ hasText: /Force-Stop 1 Sandbox/ });
      await plan.waitFor({ timeout: 90_000 });
      const text = await plan.innerText();
      assert.ok(text.includes(stuckId), 'the plan names the sandbox by its full ID');
      assert.match(text, new RegExp(`PID \\d+ is killed: \\S*containerd-shim-runc-v2 -namespace k8s.io -id ${stuckId}`));
      await wb.screenshot('12-force-stop-confirmation');
      await plan.locator('.monaco-button', { hasText: /^Force-Stop 1 Sandbox/ }).click();
      await until('the stuck sandbox is gone on the runtime', () => sandboxGone(cri, stuckId), 90_000);
      await until('the audit records the force-stop', () => auditEntries(wb).some((e) => e.action === 'force-stop-sandbox' && e.result === 'done' && e.object.includes(stuckId)));
      assert.equal(env.standIn.podsIn('kube-system').length, 1, 'one bridge pod, now in the host-pid profile');
    });

    it('deletes its bridge pod once it has been idle for kubeNodeDoctor.bridge.idleMinutes — no pod outlives its use', async () => {
      assert.equal(env.standIn.podsIn('kube-system').length, 1);
      await until('no bridge pod is left', () => env.standIn.podsIn('kube-system').length === 0, 100_000);
    });
  });
});
