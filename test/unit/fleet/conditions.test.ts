import * as assert from 'node:assert/strict';
import { healthBadge, nodeHealth, readClusterHealth, summarizeHealth, treeHealth } from '../../../src/core/fleet/conditions';
import { NodeDoctorError } from '../../../src/core/errors';
import { requireLabelSelector, selectNodes } from '../../../src/core/fleet/scan';
import { npdCondition } from '../../standin/nodeFleet';
import { standInApi } from './standInApi';

const AT = '2026-11-30T10:00:00Z';

describe('Node Doctor conditions from the node list', () => {
  it('reads NPD polarity: True is a problem, False is fine, anything else is Unknown; message and transition time kept', () => {
    const health = nodeHealth({
      name: 'n1', ready: true,
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'CNICacheCorrupt', status: 'True', reason: 'CNICacheCorrupt', message: '2 empty CNI cache files block teardown: sandboxes 055b221e44a2, 9f1e2d3c4b5a', lastTransitionTime: AT },
        { type: 'SandboxBacklog', status: 'False', reason: 'NoSandboxBacklog' },
        { type: 'StuckSandbox', status: 'Weird' },
      ],
    });
    assert.equal(health.plugin, 'installed');
    assert.deepEqual(health.conditions.map((c) => [c.type, c.status]), [['CNICacheCorrupt', 'True'], ['SandboxBacklog', 'False'], ['StuckSandbox', 'Unknown']]);
    assert.equal(health.problems[0].message, '2 empty CNI cache files block teardown: sandboxes 055b221e44a2, 9f1e2d3c4b5a');
    assert.equal(health.problems[0].lastTransitionTime, AT);
    assert.deepEqual(health.unknown.map((c) => c.type), ['StuckSandbox']);
    assert.equal(healthBadge(health), 'CNICacheCorrupt');
  });

  it('says "plugin not installed" when none of the four condition types is on the node', () => {
    const health = nodeHealth({ name: 'n2', ready: true, conditions: [{ type: 'Ready', status: 'True' }, { type: 'KernelDeadlock', status: 'False' }] });
    assert.equal(health.plugin, 'not-installed');
    assert.equal(healthBadge(health), 'plugin not installed');
    const summary = summarizeHealth([health]);
    assert.equal(summary.text, '0 nodes with findings · plugin not installed (of 1 node)');
  });

  it('reads a few hundred nodes page by page (limit/continue) and counts the nodes with findings', async () => {
    const env = await standInApi({
      nodeCount: 320,
      nodeConditions: (name, i) => i >= 300 ? [] : [
        npdCondition('CNICacheCorrupt', i % 40 === 7 ? 'True' : 'False', i % 40 === 7 ? 'CNICacheCorrupt' : 'NoCNICacheCorrupt', i % 40 === 7 ? `1 empty CNI cache file blocks teardown on ${name}` : 'ok', AT),
        npdCondition('SandboxBacklog', 'False', 'NoSandboxBacklog', 'ok', AT),
        npdCondition('OrphanContainers', i % 100 === 3 ? 'True' : 'False', 'OrphanContainers', 'orphans', AT),
        npdCondition('StuckSandbox', i === 11 ? 'Unknown' : 'False', 'StuckSandbox', 'runtime did not answer', AT),
      ],
    });
    try {
      const health = await readClusterHealth(env.api, { pageSize: 50 });
      assert.equal(health.pages, 7);
      assert.equal(env.standIn.stats.nodePages, 7);
      assert.equal(health.nodes.length, 320);
      const expected = Array.from({ length: 300 }, (_, i) => i).filter((i) => i % 40 === 7 || i % 100 === 3).length;
      assert.equal(health.summary.withFindings, expected);
      assert.equal(health.summary.unknown, 1);
      assert.equal(health.summary.withoutPlugin, 20);
      assert.equal(health.summary.text, `${expected} nodes with findings · 1 unknown · 20 without the plugin (of 320 nodes)`);
      const n7 = health.nodes.find((n) => n.node === 'node-0007');
      assert.equal(n7?.problems[0].message, '1 empty CNI cache file blocks teardown on node-0007');
      assert.equal(n7?.problems[0].lastTransitionTime, AT);
    } finally {
      await env.close();
    }
  });
});

describe('Node Doctor conditions in the Nodes view', () => {
  it('badges nodes with a True or Unknown condition and those without the plugin where others have it; summarises the context', () => {
    const npd = (status: string, type = 'CNICacheCorrupt'): { type: string; status: string; message?: string } => ({ type, status, message: status === 'True' ? '2 empty CNI cache files block teardown' : undefined });
    const { summary, badges } = treeHealth([
      { name: 'a', ready: true, conditions: [npd('True'), npd('True', 'StuckSandbox')] },
      { name: 'b', ready: true, conditions: [npd('False'), npd('Unknown', 'SandboxBacklog')] },
      { name: 'c', ready: true, conditions: [npd('False')] },
      { name: 'd', ready: true, conditions: [] },
    ]);
    assert.equal(summary, '1 node with findings · 1 unknown · 1 without the plugin (of 4 nodes)');
    assert.deepEqual([...badges].map(([n, b]) => [n, b.text]), [['a', 'NPD: CNICacheCorrupt +1'], ['b', 'NPD: unknown'], ['d', 'NPD: plugin not installed']]);
    assert.match(badges.get('a')!.tooltip, /CNICacheCorrupt True: 2 empty CNI cache files block teardown; StuckSandbox True/);
  });

  it('says once, on the context, that the plugin is not installed anywhere, and badges no node', () => {
    const { summary, badges } = treeHealth([{ name: 'a', ready: true, conditions: [] }, { name: 'b', ready: false, conditions: [{ type: 'Ready', status: 'False' }] }]);
    assert.equal(summary, 'Node Doctor plugin not installed (2 nodes)');
    assert.equal(badges.size, 0);
  });
});

describe('node selection for a scan', () => {
  it('sends the label selector to the API server, which filters; NotReady keeps Ready False and Unknown', async () => {
    const env = await standInApi({
      nodeCount: 30,
      nodeLabels: (_name, i) => ({ pool: i % 3 === 0 ? 'gpu' : 'cpu' }),
      nodeReady: (_name, i) => (i === 4 ? 'False' : i === 5 ? 'Unknown' : 'True'),
    });
    try {
      const gpu = await selectNodes(env.api, { kind: 'labelSelector', selector: 'pool=gpu' }, { pageSize: 4 });
      assert.deepEqual(gpu.map((n) => n.name), Array.from({ length: 10 }, (_, i) => `node-${String(i * 3).padStart(4, '0')}`));
      assert.equal(env.standIn.stats.nodePages, 3, 'ten nodes in pages of four: the filter ran on the server');
      const notIn = await selectNodes(env.api, { kind: 'labelSelector', selector: 'pool notin (gpu)' });
      assert.equal(notIn.length, 20);
      const notReady = await selectNodes(env.api, { kind: 'notReady' });
      assert.deepEqual(notReady.map((n) => n.name), ['node-0004', 'node-0005']);
    } finally {
      await env.close();
    }
  });

  it('refuses a malformed selector before sending anything', () => {
    for (const bad of ['', 'pool=a=b', 'a b', 'pool in (gpu', 'x=1,,y=2', '=gpu']) {
      assert.throws(() => requireLabelSelector(bad), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'bad-input', bad);
    }
    for (const good of ['pool=gpu', 'node-role.kubernetes.io/worker', '!node-role.kubernetes.io/control-plane', 'pool in (a, b),zone!=z1', 'pool==gpu']) {
      assert.equal(requireLabelSelector(` ${good} `), good);
    }
  });
});
