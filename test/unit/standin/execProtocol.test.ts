import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WebSocket } from 'ws';
import { exitCodeOf, execInPod } from '../../../src/core/bridge/podExec';
import { loadKubeconfigs } from '../../../src/core/cluster/kubeconfig';
import { ApiStandIn } from '../../standin/apiStandIn';
import { CLOSE, STATUS, STDIN, STDOUT, exitStatus, frame, negotiate, startFailureStatus } from '../../standin/execProtocol';

interface Received { protocol: string; frames: Buffer[] }

/** A raw WebSocket client, to see the stand-in's bytes exactly as a client receives them. */
function rawExec(url: string, token: string, pod: string, argv: string[], protocols: string[], send: Buffer[] = []): Promise<Received> {
  const query = new URLSearchParams([...argv.map((a): [string, string] => ['command', a]), ['container', 'bridge'], ['stdin', String(send.length > 0)], ['stdout', 'true'], ['stderr', 'true']] as [string, string][]);
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/api/v1/namespaces/kube-system/pods/${pod}/exec?${query}`, protocols, { headers: { Authorization: `Bearer ${token}` } });
    const frames: Buffer[] = [];
    ws.on('open', () => { for (const f of send) ws.send(f); });
    ws.on('message', (data: Buffer) => frames.push(data));
    ws.on('close', () => resolve({ protocol: ws.protocol, frames }));
    ws.on('error', reject);
  });
}

describe('API stand-in exec protocol (checked against the published remotecommand protocol)', function () {
  this.timeout(20_000);
  let standIn: ApiStandIn;
  let v4Only: ApiStandIn;
  let scratch: string;
  const pod = 'knd-bridge-test';

  async function startPod(server: ApiStandIn): Promise<void> {
    const res = await fetch(`${server.url}/api/v1/namespaces/kube-system/pods`, {
      method: 'POST', headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ metadata: { name: pod }, spec: { nodeName: 'node-0000', containers: [{ name: 'bridge', image: 'x', volumeMounts: [{ name: 'v', mountPath: '/host/data' }] }], volumes: [{ name: 'v', hostPath: { path: '/data' } }] } }),
    });
    assert.equal(res.status, 201);
    for (let i = 0; i < 200; i++) {
      const got = await (await fetch(`${server.url}/api/v1/namespaces/kube-system/pods/${pod}`, { headers: { Authorization: `Bearer ${server.token}` } })).json() as { status: { phase: string } };
      if (got.status.phase === 'Running') return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  before(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-proto-'));
    fs.writeFileSync(path.join(scratch, 'hello.txt'), 'hello\n');
    standIn = new ApiStandIn({ hostDirs: { '/data': scratch } });
    v4Only = new ApiStandIn({ hostDirs: { '/data': scratch }, subprotocols: ['v4.channel.k8s.io'] });
    await standIn.start();
    await v4Only.start();
    await startPod(standIn);
    await startPod(v4Only);
  });
  after(async () => {
    await standIn.stop();
    await v4Only.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('prefixes each frame with its channel byte: 0 stdin, 1 stdout, 2 stderr, 3 status, 255 close', () => {
    assert.deepEqual([...frame(STDOUT, 'ab')], [1, 0x61, 0x62]);
    assert.deepEqual([...frame(STATUS, Buffer.from('{}'))], [3, 0x7b, 0x7d]);
    assert.deepEqual([STDIN, CLOSE], [0, 255]);
  });

  it('encodes exit statuses as metav1.Status the way kubelet writes them, and the product reads them back', () => {
    assert.equal(JSON.stringify(exitStatus(0, ['true'])), '{"metadata":{},"status":"Success"}');
    const failed = exitStatus(3, ['sh', '-c', 'exit 3']);
    assert.deepEqual(failed, {
      metadata: {}, status: 'Failure', reason: 'NonZeroExitCode',
      message: 'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
    assert.equal(exitCodeOf(exitStatus(0, ['true'])), 0);
    assert.equal(exitCodeOf(failed), 3);
    assert.equal(exitCodeOf(startFailureStatus(['nope'])), undefined, 'a command that never started has no exit code');
  });

  it('prefers v5.channel.k8s.io and falls back to v4.channel.k8s.io, refusing older protocols', () => {
    const clientNodeOffer = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];
    assert.equal(negotiate(clientNodeOffer), 'v5.channel.k8s.io');
    assert.equal(negotiate(clientNodeOffer.slice(1)), 'v4.channel.k8s.io');
    assert.equal(negotiate(['v3.channel.k8s.io']), undefined);
  });

  it('streams stdout on channel 1 and ends with a Success status on channel 3 (v4)', async () => {
    const got = await rawExec(standIn.url, standIn.token, pod, ['cat', '/host/data/hello.txt'], ['v4.channel.k8s.io']);
    assert.equal(got.protocol, 'v4.channel.k8s.io');
    const stdout = Buffer.concat(got.frames.filter((f) => f[0] === STDOUT).map((f) => f.subarray(1))).toString();
    assert.equal(stdout, 'hello\n');
    const last = got.frames[got.frames.length - 1];
    assert.equal(last[0], STATUS);
    assert.deepEqual(JSON.parse(last.subarray(1).toString()), { metadata: {}, status: 'Success' });
  });

  it('takes stdin on channel 0 and treats [255, 0] as stdin EOF under v5', async () => {
    const got = await rawExec(standIn.url, standIn.token, pod, ['cat'], ['v5.channel.k8s.io'], [frame(STDIN, 'piped'), Buffer.from([CLOSE, STDIN])]);
    assert.equal(got.protocol, 'v5.channel.k8s.io');
    assert.equal(Buffer.concat(got.frames.filter((f) => f[0] === STDOUT).map((f) => f.subarray(1))).toString(), 'piped');
    assert.equal(JSON.parse(got.frames[got.frames.length - 1].subarray(1).toString()).status, 'Success');
  });

  it('gives client-node the exit code of a failing command over v4 and over v5', async () => {
    for (const server of [standIn, v4Only]) {
      const kubeconfig = path.join(scratch, `config-${server === standIn ? 'v5' : 'v4'}`);
      fs.writeFileSync(kubeconfig, server.kubeconfig([{ name: 'unit' }]));
      const config = (await loadKubeconfigs({ explicitPath: kubeconfig })).forContext('unit');
      const missing = await execInPod(config, { namespace: 'kube-system', name: pod, container: 'bridge' }, ['ls', '/host/data/none'], { timeoutMs: 10_000 });
      assert.equal(missing.exitCode, 2);
      assert.match(missing.stderr.toString(), /No such file or directory/);
      const ok = await execInPod(config, { namespace: 'kube-system', name: pod, container: 'bridge' }, ['cat', '/host/data/hello.txt'], { timeoutMs: 10_000 });
      assert.deepEqual([ok.exitCode, ok.stdout.toString()], [0, 'hello\n']);
    }
  });
});
