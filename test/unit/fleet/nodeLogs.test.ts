import * as assert from 'node:assert/strict';
import { ApiError } from '../../../src/core/cluster/kubeApi';
import { NodeDoctorError } from '../../../src/core/errors';
import { queryNodeLog } from '../../../src/core/fleet/nodeLogs';
import { standInApi } from './standInApi';

const KUBELET = [
  'Dec 01 10:00:00 node-0000 kubelet[812]: I1201 10:00:00.000000     812 kubelet.go:2400] "SyncLoop ADD" source="api"',
  'Dec 01 10:00:01 node-0000 kubelet[812]: E1201 10:00:01.000000     812 log.go:32] "StopPodSandbox from runtime service failed" err="rpc error: code = Unknown desc = failed to destroy network for sandbox \\"055b221e44a2\\": plugin type=\\"bridge\\" failed (delete): failed to get network \\"cbr0\\" cached result: decoding version from network config: unexpected end of JSON input"',
  'Dec 01 10:00:02 node-0000 kubelet[812]: I1201 10:00:02.000000     812 kubelet.go:2500] "SyncLoop (PLEG)"',
].map((l) => `${l}\n`).join('');

describe('node log query through the API server', () => {
  let env: Awaited<ReturnType<typeof standInApi>>;
  before(async () => {
    env = await standInApi({ nodeCount: 4 });
    env.standIn.nodeLogs.set('node-0000', { mode: 'served', logs: { kubelet: KUBELET, containerd: 'Dec 01 10:00:00 node-0000 containerd[700]: time="2026-12-01T10:00:00Z" level=info msg="starting containerd"\n' } });
    env.standIn.nodeLogs.set('node-0002', { mode: 'query-off' });
    env.standIn.nodeLogs.set('node-0003', { mode: 'served', logs: { kubelet: KUBELET.repeat(100) } });
  });
  after(() => env.close());

  it('fetches the kubelet and containerd logs as text, with tailLines', async () => {
    const kubelet = await queryNodeLog(env.api, 'node-0000', 'kubelet');
    assert.equal(kubelet.text, KUBELET);
    assert.equal(kubelet.truncated, false);
    assert.equal(kubelet.request, '/api/v1/nodes/node-0000/proxy/logs/?query=kubelet&tailLines=20000');
    const tail = await queryNodeLog(env.api, 'node-0000', 'kubelet', { tailLines: 1 });
    assert.equal(tail.text, KUBELET.split('\n')[2] + '\n');
    const containerd = await queryNodeLog(env.api, 'node-0000', 'containerd');
    assert.match(containerd.text, /starting containerd/);
  });

  it('keeps at most maxBytes, ending on a whole line, and says it was cut', async () => {
    const log = await queryNodeLog(env.api, 'node-0003', 'kubelet', { maxBytes: 4096 });
    assert.equal(log.truncated, true);
    assert.ok(Buffer.byteLength(log.text) <= 4096 && Buffer.byteLength(log.text) > 3000, String(Buffer.byteLength(log.text)));
    assert.ok(KUBELET.repeat(100).startsWith(log.text) && log.text.endsWith('\n'));
  });

  it('names the kubelet settings when the node answers 404 (log handler off)', async () => {
    await assert.rejects(queryNodeLog(env.api, 'node-0001', 'kubelet'), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'not-found'
      && /does not serve its kubelet log through the API \(the kubelet answered 404/.test(e.message)
      && /enableSystemLogHandler: true/.test(e.hint ?? '') && /enableSystemLogQuery: true/.test(e.hint ?? '') && /NodeLogQuery/.test(e.hint ?? ''));
  });

  it('names the kubelet settings when the query is off (the kubelet lists /var/log instead)', async () => {
    await assert.rejects(queryNodeLog(env.api, 'node-0002', 'containerd'), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'not-found'
      && /listed \/var\/log instead/.test(e.message) && /enableSystemLogQuery/.test(e.hint ?? ''));
  });

  it('tells RBAC (nodes/proxy) apart from the kubelet, and a missing node from a missing handler', async () => {
    env.standIn.denied.add('get nodes/proxy');
    try {
      await assert.rejects(queryNodeLog(env.api, 'node-0000', 'kubelet'), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'forbidden' && /nodes\/proxy/.test(e.hint ?? ''));
    } finally {
      env.standIn.denied.delete('get nodes/proxy');
    }
    await assert.rejects(queryNodeLog(env.api, 'no-such-node', 'kubelet'), (e: unknown) => e instanceof ApiError && e.httpStatus === 404 && /nodes "no-such-node" not found/.test(e.message));
  });

  it('refuses a node name that is not one before sending', async () => {
    const before = env.standIn.stats.requests;
    await assert.rejects(queryNodeLog(env.api, '../pods', 'kubelet'));
    assert.equal(env.standIn.stats.requests, before);
  });
});
