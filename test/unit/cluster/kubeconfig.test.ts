import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KubeApi } from '../../../src/core/cluster/kubeApi';
import { kubeconfigFiles, loadKubeconfigs } from '../../../src/core/cluster/kubeconfig';
import { listNodes } from '../../../src/core/cluster/nodes';
import { bridgeAccessChecks, checkAccess, describeCheck, requireBridgeAccess } from '../../../src/core/cluster/rbac';
import { NodeDoctorError } from '../../../src/core/errors';
import { ApiStandIn } from '../../standin/apiStandIn';

function config(contexts: { name: string; server: string; token: string }[], current: string): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': current,
    clusters: contexts.map((c) => ({ name: c.name, cluster: { server: c.server, 'insecure-skip-tls-verify': true } })),
    users: contexts.map((c) => ({ name: c.name, user: { token: c.token } })),
    contexts: contexts.map((c) => ({ name: c.name, context: { cluster: c.name, user: c.name } })),
  });
}

describe('kubeconfig loading like kubectl', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-kc-'));
    fs.writeFileSync(path.join(dir, 'a'), config([{ name: 'prod', server: 'https://10.0.0.1:6443', token: 'a' }, { name: 'shared', server: 'https://first:6443', token: 'a' }], 'prod'));
    fs.writeFileSync(path.join(dir, 'b'), config([{ name: 'shared', server: 'https://second:6443', token: 'b' }, { name: 'talos', server: 'https://10.0.0.2:6443', token: 'b' }], 'talos'));
    fs.mkdirSync(path.join(dir, 'home', '.kube'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'home', '.kube', 'config'), config([{ name: 'home', server: 'https://10.0.0.3:6443', token: 'h' }], 'home'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('merges every KUBECONFIG file, the first file winning for a name and for current-context, skipping missing files', async () => {
    const env = { KUBECONFIG: [path.join(dir, 'a'), path.join(dir, 'missing'), path.join(dir, 'b')].join(path.delimiter) };
    const configs = await loadKubeconfigs({ env, homeDir: path.join(dir, 'home') });
    assert.deepEqual(configs.files, [path.join(dir, 'a'), path.join(dir, 'b')]);
    assert.deepEqual(configs.contexts.map((c) => [c.name, c.server]), [['prod', 'https://10.0.0.1:6443'], ['shared', 'https://first:6443'], ['talos', 'https://10.0.0.2:6443']]);
    assert.equal(configs.currentContext, 'prod');
    assert.equal(configs.forContext('talos').getCurrentCluster()?.server, 'https://10.0.0.2:6443');
  });

  it('falls back to ~/.kube/config and lets an explicit path override everything', async () => {
    assert.deepEqual(kubeconfigFiles({ env: {}, homeDir: path.join(dir, 'home') }), [path.join(dir, 'home', '.kube', 'config')]);
    const explicit = await loadKubeconfigs({ explicitPath: path.join(dir, 'b'), env: { KUBECONFIG: path.join(dir, 'a') } });
    assert.deepEqual(explicit.contexts.map((c) => c.name), ['shared', 'talos']);
  });

  it('names a missing context and explains when no kubeconfig exists', async () => {
    const configs = await loadKubeconfigs({ explicitPath: path.join(dir, 'a') });
    assert.throws(() => configs.forContext('nope'), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'not-found' && /Context "nope"/.test(e.message));
    await assert.rejects(loadKubeconfigs({ env: {}, homeDir: path.join(dir, 'nowhere') }), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'not-found');
  });
});

describe('nodes and RBAC against the API stand-in', function () {
  this.timeout(20_000);
  let standIn: ApiStandIn;
  let api: KubeApi;
  let dir: string;
  before(async () => {
    standIn = new ApiStandIn({ nodeCount: 1203 });
    await standIn.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-kc-'));
    fs.writeFileSync(path.join(dir, 'config'), standIn.kubeconfig([{ name: 'unit' }]));
    api = new KubeApi('unit', (await loadKubeconfigs({ explicitPath: path.join(dir, 'config') })).forContext());
  });
  after(async () => {
    await standIn.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('follows continue tokens until every node is listed, one page per limit', async () => {
    const before = standIn.stats.nodePages;
    const list = await listNodes(api, { pageSize: 500 });
    assert.equal(list.nodes.length, 1203);
    assert.equal(list.pages, 3);
    assert.equal(standIn.stats.nodePages - before, 3);
    assert.equal(new Set(list.nodes.map((n) => n.name)).size, 1203);
    const first = list.nodes[0];
    assert.deepEqual([first.ready, first.kubeletVersion, first.containerRuntimeVersion, first.osImage], [true, 'v1.31.4', 'containerd://1.6.20', 'Talos (v1.8.3)']);
    assert.deepEqual(first.taints.map((t) => t.effect), ['NoSchedule']);
  });

  it('asks one SelfSubjectAccessReview per verb and names exactly the denied ones', async () => {
    standIn.denied.add('delete pods');
    standIn.denied.add('list nodes');
    try {
      const report = await checkAccess(api, bridgeAccessChecks('kube-system'));
      assert.deepEqual(report.denied.map(describeCheck), ['list nodes', 'delete pods in namespace kube-system']);
      assert.equal(report.allowed.length, 4);
      await assert.rejects(requireBridgeAccess(api, 'kube-system'), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'forbidden'
        && e.message === 'RBAC in context "unit" does not allow list nodes, delete pods in namespace kube-system.');
    } finally {
      standIn.denied.clear();
    }
    await requireBridgeAccess(api, 'kube-system');
  });
});
