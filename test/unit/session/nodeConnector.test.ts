import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExecTransport, PodRef } from '../../../src/core/bridge/podExec';
import type { StrandedPod } from '../../../src/core/bridge/stranded';
import { NodeDoctorError } from '../../../src/core/errors';
import type { RunResult } from '../../../src/core/node/nodeAccess';
import { NodeConnector } from '../../../src/core/session/nodeConnector';
import type { ConnectorSettings, NodeConnectorOptions } from '../../../src/core/session/nodeConnector';
import type { NodeRef } from '../../../src/core/session/nodeRef';
import { FakeKubeApi } from '../../fakes/fakeKubeApi';

/** Answers every exec with exit 0 and records it. */
class FakeTransport implements ExecTransport {
  readonly execs: { pod: string; argv: readonly string[] }[] = [];

  async exec(pod: PodRef, argv: readonly string[]): Promise<RunResult> {
    this.execs.push({ pod: pod.name, argv });
    return { exitCode: 0, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
  }

  relay(): Promise<void> {
    return Promise.reject(new Error('no relay in this test'));
  }
}

const LAB: NodeRef = { kind: 'bridge', context: 'lab', node: 'node-a' };

describe('NodeConnector: one way to open a node, for the CLI and the extension', () => {
  let dir: string;
  let kubeconfig: string;
  let api: FakeKubeApi;
  let transport: FakeTransport;
  let connectors: NodeConnector[];

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-connector-'));
    kubeconfig = path.join(dir, 'config');
    // The server is a closed loopback port: every request goes to the fake requester instead.
    fs.writeFileSync(kubeconfig, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'lab',
      clusters: [{ name: 'lab', cluster: { server: 'https://127.0.0.1:1' } }],
      users: [{ name: 'lab', user: { token: 'not-a-real-token' } }],
      contexts: [{ name: 'lab', context: { cluster: 'lab', user: 'lab' } }],
    }));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    api = new FakeKubeApi('lab');
    transport = new FakeTransport();
    connectors = [];
  });
  afterEach(async () => {
    for (const c of connectors) await c.dispose();
  });

  function connector(options: Partial<NodeConnectorOptions> = {}, settings: Partial<ConnectorSettings> = {}): NodeConnector {
    const made = new NodeConnector({
      settings: () => ({ local: {}, kubeconfig, bridge: { pollIntervalMs: 1 }, ...settings }),
      client: 'test', requester: () => api, transport: () => transport, ...options,
    });
    connectors.push(made);
    return made;
  }

  const podCreates = (): number => api.calls.filter((c) => c.startsWith('POST /api/v1/namespaces/')).length;

  it('resolves the current context and names a context the kubeconfig lacks', async () => {
    const c = connector();
    assert.equal(await c.resolveContext(), 'lab');
    assert.equal(await c.resolveContext('lab'), 'lab');
    await assert.rejects(c.resolveContext('prod'), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'not-found' && /Context "prod" is not in the kubeconfig/.test(e.message));
  });

  it('checks RBAC and the node once, starts one bridge pod, and shares the open node between concurrent uses', async () => {
    const c = connector();
    const [one, two] = await Promise.all([c.open(LAB), c.open(LAB)]);
    assert.equal(one.target.access, two.target.access, 'one access for both uses');
    assert.equal(one.target.endpoint, 'unix:///run/containerd/containerd.sock');
    assert.equal(one.target.kubeletVersion, 'v1.30.0');
    assert.equal(podCreates(), 1);
    assert.equal(api.pods.size, 1);
    assert.ok(api.calls.includes('GET /api/v1/nodes/node-a'));
    await one.release();
    await two.release();
    await c.dispose();
    assert.equal(api.pods.size, 0, 'dispose deletes the pod');
  });

  it('keeps a released node open for the linger time, so the next operation (execute after plan) reuses it', async () => {
    const c = connector({ lingerMs: 60_000 });
    const plan = await c.open(LAB);
    const access = plan.target.access;
    await plan.release();
    const execute = await c.open(LAB);
    assert.equal(execute.target.access, access, 'the same opened node');
    assert.notEqual(execute.target.podsOnNode, plan.target.podsOnNode, 'the API\'s pods are listed afresh per use');
    await execute.release();
    assert.equal(podCreates(), 1);
  });

  it('closes a released node at once without linger, and after a failed use even with linger; the pod stays for reuse', async () => {
    const quick = connector();
    const first = await quick.withNode(LAB, undefined, async (h) => h.target.access);
    const second = await quick.withNode(LAB, undefined, async (h) => h.target.access);
    assert.notEqual(first, second, 'opened again');
    assert.equal(podCreates(), 1, 'the bridge pod is reused');

    const lingering = connector({ lingerMs: 60_000 });
    let failedAccess: unknown;
    await assert.rejects(lingering.withNode(LAB, undefined, async (h) => {
      failedAccess = h.target.access;
      throw new NodeDoctorError('runtime-error', 'the step failed');
    }), /the step failed/);
    const after = await lingering.withNode(LAB, undefined, async (h) => h.target.access);
    assert.notEqual(after, failedAccess, 'a node whose use failed is not reused');
  });

  it('says a node does not exist in the context, and creates no pod', async () => {
    const c = connector();
    await assert.rejects(c.open({ kind: 'bridge', context: 'lab', node: 'node-z' }), (e: unknown) => {
      assert.ok(e instanceof NodeDoctorError);
      assert.equal(e.reason, 'not-found');
      assert.equal(e.message, 'Node "node-z" does not exist in context "lab".');
      assert.equal(e.hint, 'kubectl get nodes lists them.');
      return true;
    });
    assert.equal(podCreates(), 0);
  });

  it('names the verbs RBAC denies before creating anything', async () => {
    api.denied.add('create pods/exec');
    const c = connector();
    await assert.rejects(c.open(LAB), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'forbidden'
      && /RBAC in context "lab" does not allow create pods\/exec in namespace kube-system\./.test(e.message));
    assert.equal(podCreates(), 0);
  });

  it('refuses a node name that is not a Kubernetes name before any request', async () => {
    const c = connector();
    await assert.rejects(c.open({ kind: 'bridge', context: 'lab', node: '../nodes' }), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'bad-input');
    assert.deepEqual(api.calls, []);
  });

  it('switches a context to the host-pid profile: open nodes are closed, the pod deleted, the next pod is host-pid', async () => {
    const c = connector({ lingerMs: 60_000 });
    const before = await c.open(LAB);
    await before.release();
    assert.equal(c.bridgeProfile('lab'), 'least-privilege');
    await c.useBridgeProfile('lab', 'host-pid');
    assert.equal(api.pods.size, 0);
    assert.equal(c.bridgeProfile('lab'), 'host-pid');
    const after = await c.open(LAB);
    assert.notEqual(after.target.access, before.target.access);
    assert.deepEqual([...api.pods.values()].map((p) => p.spec.hostPID), [true]);
    await after.release();
  });

  it('reports a pod it could not delete on dispose, with the command that removes it', async () => {
    const stranded: StrandedPod[] = [];
    const c = connector({ onStranded: (pod) => stranded.push(pod) }, { kubeconfig });
    await c.withNode(LAB, undefined, async () => undefined);
    api.deleteFails = true;
    const left = await c.dispose();
    assert.equal(left.length, 1);
    assert.deepEqual(stranded, left);
    assert.equal(left[0].node, 'node-a');
    assert.deepEqual(left[0].command.slice(0, 3), ['kubectl', '--kubeconfig', kubeconfig]);
    await assert.rejects(c.open(LAB), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'cancelled');
  });
});
