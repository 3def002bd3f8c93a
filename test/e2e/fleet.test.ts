// The fleet pieces in a real VS Code (code-server) in Chromium: the Nodes view's per-context Node Doctor summary and
// per-node NPD badges (from the NodeConditions the API stand-in serves), Scan Cluster… from a context item into the fleet
// report webview (every stand-in node maps onto a real containerd demo node), a row opening the node report, and
// Diagnose Node Logs… into a log document. Screenshots go to test/e2e/artifacts/.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { createCriClient } from '../../src/core/cri/criClient';
import type * as LabModule from '../integration/support/lab';
import type * as StandInModule from '../standin/labStandIn';
import type { LabStandIn } from '../standin/labStandIn';
import { npdCondition } from '../standin/nodeFleet';
import { importEsm, REPO, until, Workbench } from './workbench';

interface DemoNode { readonly env: Record<string, string>; readonly workspace: string; stop(): Promise<void> }
const AT = '2026-12-01T08:00:00Z';
const NODES = 24;

/** The active webview's content (code-server nests it in two iframes). */
function webview(wb: Workbench): FrameLocator {
  return wb.page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
}

async function pick(wb: Workbench, label: string | RegExp): Promise<void> {
  const row = wb.page.locator('.quick-input-list .monaco-list-row').filter({ hasText: label }).first();
  await row.waitFor({ state: 'visible', timeout: 30_000 });
  await row.click();
}

describe('fleet: cluster view, Scan Cluster, fleet report and node logs in VS Code', function () {
  this.timeout(400_000);
  let demo: DemoNode;
  let env: LabStandIn;
  let wb: Workbench;

  before(async () => {
    const { startDemoNode } = await importEsm<{ startDemoNode(o: object): Promise<DemoNode> }>(path.join(REPO, 'test/harness/demo/demoNode.mjs'));
    demo = await startDemoNode({ labDir: '/tmp/knd-e2e-fleet', bridge: 'kndfleet', subnet: '10.244.212.0/24' });
    Object.assign(process.env, demo.env);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- compiled test support, loaded after the env is set
    const lab = require('../integration/support/lab') as typeof LabModule;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const standIn = require('../standin/labStandIn') as typeof StandInModule;
    const seed = await lab.runSandbox({ name: 'fleet-seed-0', namespace: 'e2e-fleet' });
    fs.truncateSync(lab.cacheFilePath(demo.env.KND_NETWORK ?? 'cbr0', seed, 'eth0'), 0);
    const cri = createCriClient(demo.env.KND_CRI_ENDPOINT);
    await cri.stopPodSandbox(seed).catch(() => undefined);
    cri.close();
    const paths = standIn.labPaths();
    assert.ok(paths);
    env = await standIn.startLabStandIn(paths, {
      nodeCount: NODES, startDelayMs: 50,
      nodeReady: (_n, i) => (i === 6 ? 'False' : 'True'),
      nodeConditions: (name, i) => i === 4 ? [] : [
        npdCondition('CNICacheCorrupt', i % 5 === 3 ? 'True' : 'False', 'CNICacheCorrupt', i % 5 === 3 ? `1 empty CNI cache file blocks teardown on ${name}: sandbox 055b221e44a2` : 'no blocking cache file', AT),
        npdCondition('SandboxBacklog', i === 7 ? 'True' : 'False', 'SandboxBacklog', i === 7 ? '1,204 exited containers; ListContainers answer 5.1 MiB (32 % of 16 MiB)' : 'ok', AT),
        npdCondition('OrphanContainers', 'False', 'NoOrphanContainers', 'ok', AT),
        npdCondition('StuckSandbox', i === 9 ? 'Unknown' : 'False', 'StuckSandbox', 'the runtime did not answer within 5s', AT),
      ],
    });
    env.standIn.failingNodes.add('node-0011');
    env.standIn.nodeLogs.set('node-0003', { mode: 'served', logs: { kubelet: fs.readFileSync(path.join(REPO, 'test/fixtures/demo/logs/kubelet-talos-worker.log'), 'utf8') } });
    wb = await Workbench.open({ 'kubeNodeDoctor.kubeconfig': env.kubeconfig, 'kubeNodeDoctor.localNode.mode': 'off', 'kubeNodeDoctor.fleet.scanConcurrency': 8 });
  });
  after(async () => {
    await wb?.close();
    await env?.close();
    await demo?.stop();
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await wb.screenshot(`failed-fleet-${this.currentTest.title.replace(/\W+/g, '-').slice(0, 60)}`);
  });

  it('shows the context\'s "N nodes with findings" and each node\'s NPD badge, from one node list and no bridge pod', async () => {
    await wb.page.locator('.activitybar [aria-label^="Node Doctor"]').first().click();
    await wb.treeRow('lab').waitFor({ timeout: 60_000 });
    await wb.widenSidebar(640);
    const labRow = wb.treeRow('lab');
    // The current context expands by itself; click only a collapsed one (a click on an expanding row would fold it).
    const listed = await wb.treeRow('node-0003').waitFor({ timeout: 15_000 }).then(() => true, () => false);
    if (!listed && await labRow.getAttribute('aria-expanded') === 'false') await labRow.click();
    await wb.treeRow('node-0003').waitFor({ timeout: 60_000 });
    await until('the context summary is shown', async () => /nodes with findings/.test(await labRow.innerText()), 30_000);
    assert.match(await labRow.innerText(), /6 nodes with findings · 1 unknown · 1 without the plugin \(of 25 nodes\)/);
    assert.match(await wb.treeRow('node-0003').innerText(), /NPD: CNICacheCorrupt/);
    assert.match(await wb.treeRow('node-0009').innerText(), /NPD: unknown/);
    assert.match(await wb.treeRow('node-0004').innerText(), /NPD: plugin not installed/);
    assert.equal(env.standIn.created.length, 0, 'no bridge pod for the cluster view');
    await wb.screenshot('fleet-1-cluster-view');
  });

  it('scans the context from its item at concurrency 8 into the fleet report, keeps the failed node, and leaves no pod', async () => {
    await wb.contextMenu(wb.treeRow('lab'), 'Scan Cluster…');
    await pick(wb, 'All nodes');
    const frame = webview(wb);
    await frame.locator('table.fleet tbody tr').first().waitFor({ timeout: 240_000 });
    assert.equal(await frame.locator('table.fleet tbody tr').count(), NODES + 1);
    assert.match(await frame.locator('.summary').innerText(), /25 nodes \(all nodes\) scanned in .* at concurrency 8: .*1 failed · bridge pods left: 0/);
    assert.equal(env.standIn.pods.size, 0, 'every bridge pod deleted');
    assert.match(await frame.locator('tr[data-node="node-0011"]').innerText(), /failed/);
    assert.match(await frame.locator('thead').innerText(), /cni-cache-corrupt/);
    // Sort by the category column (most first), then filter.
    await frame.locator('button.sort[data-sort="category:cni-cache-corrupt"]').click();
    assert.notEqual(await frame.locator('tbody tr').first().getAttribute('data-node'), 'node-0011');
    await wb.screenshot('fleet-2-report');
    await frame.locator('#filter').fill('failed');
    await until('the filter keeps the failed node only', async () => (await frame.locator('table.fleet tbody tr').count()) === 1, 10_000);
    await wb.screenshot('fleet-3-report-filtered');
    await frame.locator('#filter').fill('');
    await frame.locator('tr[data-node="node-0003"] button.link').click();
    await wb.page.locator('.tab', { hasText: 'Node report: node-0003' }).waitFor({ timeout: 60_000 });
  });

  it('reads a node\'s kubelet log through the node log query into a log document, and names the kubelet settings where it is off', async () => {
    await wb.contextMenu(wb.treeRow('node-0003'), 'Diagnose Node Logs…');
    await pick(wb, /^kubelet/);
    await wb.page.locator('.editor-instance .view-lines').filter({ hasText: 'cached result' }).first().waitFor({ timeout: 60_000 });
    await wb.screenshot('fleet-4-node-log');
    await wb.contextMenu(wb.treeRow('node-0005'), 'Diagnose Node Logs…');
    await pick(wb, /^containerd/);
    const toast = wb.page.locator('.notification-toast', { hasText: /does not serve its containerd log/ });
    await toast.waitFor({ timeout: 60_000 });
    assert.match(await toast.innerText(), /enableSystemLogHandler/);
  });
});
