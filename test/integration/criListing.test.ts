import * as assert from 'node:assert/strict';
import { CriError, GrpcCode, isSendLimitError } from '../../src/core/cri/criError';
import { listAllContainers, listAllSandboxes } from '../../src/core/cri/listing';
import type { CriRuntime } from '../../src/core/cri/types';
import { cleanupAll, labCri, labEnv, restartContainerd, runSandbox } from './support/lab';

describe('listing when the runtime refuses to send its whole list', function () {
  this.timeout(120_000);
  // Each sandbox carries a 2 KiB annotation (about 2.3 KB on the wire). With containerd's send limit lowered to
  // 40 KiB: 10 READY sandboxes (namespace a) fit per state, 20 NOTREADY ones (namespace b) do not fit even per
  // namespace, so only pod-UID labels or per-ID lookups get them out. Same mechanism as 7.5k such sandboxes at 16 MiB.
  const limit = 40 * 1024;
  const fat = { 'knd.test/padding': 'x'.repeat(2048) };
  const ready: string[] = [];
  const stopped: string[] = [];
  const stoppedUids: string[] = [];
  let cri: CriRuntime;

  before(async function () {
    if (!labEnv()) this.skip();
    cri = labCri();
    await cleanupAll();
    for (let i = 0; i < 10; i++) ready.push(await runSandbox({ name: `fat-a-${i}`, namespace: 'knd-fat-a', annotations: fat }));
    for (let i = 0; i < 20; i++) {
      const uid = `uid-fat-b-${i}`;
      const id = await runSandbox({ name: `fat-b-${i}`, namespace: 'knd-fat-b', uid, annotations: fat });
      await cri.stopPodSandbox(id);
      stopped.push(id);
      stoppedUids.push(uid);
    }
    cri.close();
    restartContainerd({ KND_GRPC_MAX_MSG: String(limit) });
    cri = labCri();
  });
  after(async () => {
    if (!labEnv()) return;
    cri.close();
    restartContainerd({ KND_GRPC_MAX_MSG: String(16 * 1024 * 1024) });
    await cleanupAll();
  });

  it('recognises the runtime-side send limit with its figures', async () => {
    const refused = await cri.listPodSandbox().then(() => undefined, (e: unknown) => e);
    assert.ok(refused instanceof CriError);
    assert.equal(refused.code, GrpcCode.RESOURCE_EXHAUSTED);
    assert.ok(isSendLimitError(refused), refused.details);
    assert.match(refused.details, /^grpc: trying to send message larger than max \(\d+ vs\. 40960\)$/);
    assert.equal(refused.sizeLimit?.limit, limit);
    assert.ok((refused.sizeLimit?.size ?? 0) > limit);
  });

  it('lists every sandbox through per-ID lookups of IDs found on disk', async () => {
    const listed = await listAllSandboxes(cri, { sandboxIds: [...ready, ...stopped] });
    assert.equal(listed.strategy, 'by-id');
    assert.equal(listed.complete, true);
    assert.deepEqual(listed.items.filter((s) => s.state === 'SANDBOX_READY').map((s) => s.id).sort(), [...ready].sort());
    assert.deepEqual(listed.items.filter((s) => s.state === 'SANDBOX_NOTREADY').map((s) => s.id).sort(), [...stopped].sort());
    assert.ok(listed.notes.some((n) => n.includes('trying to send message larger than max')), listed.notes.join('\n'));
    // containerd 1.6 has no streaming lists: it answers Unimplemented and the unary calls are used.
    assert.equal(listed.stream, 'unimplemented');
  });

  it('lists every sandbox through namespace and pod UID labels, and says it could not cross-check with disk', async () => {
    const listed = await listAllSandboxes(cri, { namespaces: ['knd-fat-b'], podUids: stoppedUids });
    assert.equal(listed.strategy, 'by-label');
    assert.equal(listed.complete, false);
    assert.deepEqual(listed.items.map((s) => s.id).sort(), [...ready, ...stopped].sort());
  });

  it('lists containers in one answer when only the sandbox list is too large', async () => {
    const listed = await listAllContainers(cri, [...ready, ...stopped]);
    assert.equal(listed.strategy, 'single-list');
  });
});
