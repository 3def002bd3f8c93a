import * as assert from 'node:assert/strict';
import { apiUrl } from '../../../src/core/cluster/kubeApi';
import { InvalidNameError, isValidName, requireValidName } from '../../../src/core/cluster/names';
import { getNode } from '../../../src/core/cluster/nodes';
import type { KubeRequester } from '../../../src/core/cluster/kubeApi';
import { BridgeManager } from '../../../src/core/bridge/bridgeManager';
import { NodeDoctorError } from '../../../src/core/errors';

describe('Kubernetes names before they reach an API path', () => {
  it('accepts real node, namespace and context names', () => {
    for (const n of ['node-1', 'ip-10-0-1-23.eu-west-1.compute.internal', 'a', 'x'.repeat(253)]) assert.ok(isValidName('node', n), n);
    for (const n of ['kube-system', 'default', 'a1', 'x'.repeat(63)]) assert.ok(isValidName('namespace', n), n);
    for (const n of ['kind-kind', 'arn:aws:eks:eu-west-1:123456789012:cluster/prod', 'gke_proj_zone_c', 'admin@cluster', 'Ünïcode ctx']) assert.ok(isValidName('context', n), n);
  });

  it('refuses names that would change the API path or break a message, with a typed error', () => {
    const bad: [Parameters<typeof requireValidName>[0], string][] = [
      ['node', '..'], ['node', '../namespaces/kube-system/secrets'], ['node', 'a/b'], ['node', '.'], ['node', 'Node-1'], ['node', 'n1\n'], ['node', ''],
      ['node', 'x'.repeat(254)], ['node', '-n'], ['node', 'n%2F..'], ['namespace', 'kube.system'], ['namespace', '..'], ['namespace', 'x'.repeat(64)],
      ['pod', '../../nodes'], ['context', ''], ['context', 'ctx\nkube-node-doctor: fake line'], ['context', 'x'.repeat(513)], ['context', 'a\u0000b'],
    ];
    for (const [kind, name] of bad) {
      assert.throws(() => requireValidName(kind, name), (e: unknown) => e instanceof InvalidNameError && e instanceof NodeDoctorError && e.reason === 'bad-input' && e.kind === kind && !e.message.includes('\n'), `${kind} ${JSON.stringify(name)}`);
    }
    const error = new InvalidNameError('node', '../x');
    assert.match(error.message, /^"\.\.\/x" is not a valid node name \(a node name is a DNS subdomain/);
  });

  it('refuses an API path that new URL would normalise into another one', () => {
    assert.equal(apiUrl('https://k:6443', '/api/v1/nodes/n1', 'c').pathname, '/api/v1/nodes/n1');
    assert.equal(apiUrl('https://k:6443/prefix/', '/api/v1/nodes/n1', 'c').pathname, '/prefix/api/v1/nodes/n1');
    for (const p of ['/api/v1/nodes/..', '/api/v1/nodes/../namespaces', '/api/v1/nodes/.', '/api/v1/nodes/%2e%2e', '/api/v1/nodes/a%2Fb', 'api/v1', '/api/v1/nodes/x?y', '/api/v1/nodes/a\\b']) {
      assert.throws(() => apiUrl('https://k:6443', p, 'c'), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'bad-input', p);
    }
  });

  it('never sends a request for an invalid node or namespace', async () => {
    const sent: string[] = [];
    const api: KubeRequester = { context: 'c', request: async <T>(req: { path: string }): Promise<T> => { sent.push(req.path); return {} as T; } };
    await assert.rejects(getNode(api as never, '..'), InvalidNameError);
    assert.throws(() => new BridgeManager(api, { namespace: '../kube-system' }, { exec: () => Promise.reject(new Error('x')), relay: () => Promise.reject(new Error('x')) }), InvalidNameError);
    const manager = new BridgeManager(api, {}, { exec: () => Promise.reject(new Error('x')), relay: () => Promise.reject(new Error('x')) });
    await assert.rejects(manager.ensure('../../secrets'), InvalidNameError);
    assert.deepEqual(sent, []);
  });
});
