import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nodeHealth } from '../../../src/core/fleet/conditions';
import { explorerItems } from '../../../src/core/fleet/explorerItems';
import type { Finding } from '../../../src/core/inventory/types';

describe('Node Doctor rows in the Kubernetes extension\'s Cluster Explorer', () => {
  it('lists True and Unknown conditions with their message, then the False ones on one line', () => {
    const health = nodeHealth({ name: 'n', ready: true, conditions: [
      { type: 'CNICacheCorrupt', status: 'True', reason: 'CNICacheCorrupt', message: '1 empty CNI cache file blocks teardown: sandbox 055b221e44a2', lastTransitionTime: '2026-12-01T00:00:00Z' },
      { type: 'SandboxBacklog', status: 'False' }, { type: 'OrphanContainers', status: 'False' }, { type: 'StuckSandbox', status: 'Unknown', message: 'timeout' },
    ] });
    const items = explorerItems(health, undefined);
    assert.deepEqual(items.map((i) => [i.label, i.icon, i.contextValue]), [
      ['CNICacheCorrupt: True', 'error', 'nodeDoctor.condition.true'],
      ['StuckSandbox: Unknown', 'question', 'nodeDoctor.condition.unknown'],
      ['Node Doctor: SandboxBacklog, OrphanContainers False', 'pass', 'nodeDoctor.info'],
    ]);
    assert.equal(items[0].description, '1 empty CNI cache file blocks teardown: sandbox 055b221e44a2');
    assert.match(items[0].tooltip, /since 2026-12-01T00:00:00Z/);
  });

  it('says the plugin is not installed, and adds this window\'s inspection findings', () => {
    const finding: Finding = { id: 'cni-cache-corrupt:x', category: 'cni-cache-corrupt', rule: 'r', severity: 'error', title: 'Empty CNI cache file', detail: 'blocks teardown' };
    const items = explorerItems(nodeHealth({ name: 'n', ready: true, conditions: [] }), { findings: [finding], readAt: Date.UTC(2026, 11, 1), stale: 'a repair ran' });
    assert.equal(items[0].label, 'Node Doctor: plugin not installed');
    assert.deepEqual([items[1].label, items[1].description, items[1].contextValue], ['Empty CNI cache file', 'cni-cache-corrupt', 'nodeDoctor.finding']);
    assert.match(items[1].tooltip, /stale: a repair ran/);
  });

  it('contributes its menus to the Cluster Explorer\'s node and context items by the documented viewItem contexts', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../../package.json'), 'utf8')) as { activationEvents: string[]; contributes: { menus: Record<string, { command: string; when: string }[]> } };
    const items = manifest.contributes.menus['view/item/context'];
    const whenOf = (command: string, view: string): RegExp[] => items.filter((i) => i.command === command && i.when.includes(`view == ${view}`))
      .map((i) => new RegExp(/viewItem =~ \/(.*)\/(i?)/.exec(i.when)![1], /\/i$/.test(i.when) ? 'i' : ''));
    const explorer = 'extension.vsKubernetesExplorer';
    assert.ok(whenOf('kubeNodeDoctor.inspectWithNodeDoctor', explorer).some((r) => r.test('vsKubernetes.resource.node')));
    assert.ok(!whenOf('kubeNodeDoctor.inspectWithNodeDoctor', explorer).some((r) => r.test('vsKubernetes.resource.pod')));
    assert.ok(whenOf('kubeNodeDoctor.scanCluster', explorer).some((r) => r.test('vsKubernetes.cluster') && r.test('vsKubernetes.minikubeCluster.inactive')));
    assert.ok(whenOf('kubeNodeDoctor.scanCluster', 'kubeNodeDoctor.nodes').some((r) => r.test('cluster')), 'Scan Cluster on a context item of the Node Doctor tree (contextValue cluster)');
    assert.ok(whenOf('kubeNodeDoctor.diagnoseNodeLogs', 'kubeNodeDoctor.nodes').some((r) => r.test('node') && r.test('node.inspected.findings')));
    assert.ok(manifest.activationEvents.includes(`onView:${explorer}`));
  });
});
