import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadKubeconfigs } from '../../../src/core/cluster/kubeconfig';
import { clusterElement, nodeElement } from '../../../src/ui/tree/treeContent';
import { present } from '../../../src/ui/tree/treeLabels';

const SECRET = 'kc-SECRET-0b1c2d';

describe('kubeconfig server URLs shown in the tree and the context picker', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-kc-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('never show user:pass@ or ?access_token= from the kubeconfig, in the context list or the tree label and tooltip', async () => {
    const file = path.join(dir, 'config');
    const servers = [`https://admin:${SECRET}@k8s.example.com:6443`, `https://k8s.example.com:6443/?access_token=${SECRET}`, `https://${SECRET}@k8s.example.com`];
    fs.writeFileSync(file, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'c0',
      clusters: servers.map((server, i) => ({ name: `k${i}`, cluster: { server } })),
      users: servers.map((_, i) => ({ name: `u${i}`, user: { token: SECRET } })),
      contexts: servers.map((_, i) => ({ name: `c${i}`, context: { cluster: `k${i}`, user: `u${i}` } })),
    }));
    const configs = await loadKubeconfigs({ explicitPath: file });
    const contexts = configs.contexts;
    assert.deepEqual(contexts.map((c) => c.server), ['https://***@k8s.example.com:6443', 'https://k8s.example.com:6443?***', 'https://***@k8s.example.com']);
    for (const [i, c] of contexts.entries()) {
      const item = present(clusterElement(c, i === 0), {
        nowMs: 0, pageSize: 200, nodeView: () => undefined, nodeElement: (r) => nodeElement(r, undefined),
      });
      const shown = JSON.stringify(item);
      assert.ok(!shown.includes(SECRET), shown);
      assert.match(String(item.description), /k8s\.example\.com/);
    }
    // Requests still use the real URL (with its credentials) — only what is shown is redacted.
    assert.equal(configs.forContext('c1').getCurrentCluster()?.server, servers[1]);
  });
});
