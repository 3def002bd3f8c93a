import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { CriError, GrpcCode, isNotFound, isSendLimitError } from '../../src/core/cri/criError';
import { listAllContainers, listAllSandboxes } from '../../src/core/cri/listing';
import type { CriRuntime } from '../../src/core/cri/types';
import { cacheFilePath, cleanupCreated, labCri, requireLab, restartContainerd, runExitedContainer, runSandbox } from './support/lab';

const SEED_ERROR = (id: string): string =>
  `failed to destroy network for sandbox "${id}": failed to get network "cbr0" cached result: decoding version from network config: unexpected end of JSON input`;

async function rejection(promise: Promise<unknown>): Promise<CriError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof CriError, `expected a CriError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

describe('CRI client against a real containerd', function () {
  this.timeout(120_000);
  let cri: CriRuntime;

  before(() => {
    requireLab();
    cri = labCri();
  });
  after(async () => {
    await cleanupCreated();
    cri.close();
  });

  it('reads the runtime version and reports the runtime and network ready', async () => {
    const version = await cri.version();
    assert.equal(version.runtimeName, 'containerd');
    assert.equal(version.runtimeApiVersion, 'v1');
    const status = await cri.status();
    assert.deepEqual(status.conditions.map((c) => [c.type, c.status]), [['RuntimeReady', true], ['NetworkReady', true]]);
  });

  it('lists a sandbox with its pod metadata and an exited container with its exit code', async () => {
    const id = await runSandbox({ name: 'cri-list', namespace: 'knd-cri' });
    const containerId = await runExitedContainer(id, 'job', 3);
    const [sandbox] = await cri.listPodSandbox({ id });
    assert.equal(sandbox.state, 'SANDBOX_READY');
    assert.equal(sandbox.name, 'cri-list');
    assert.equal(sandbox.namespace, 'knd-cri');
    assert.ok(Math.abs(sandbox.createdAtMs - Date.now()) < 120_000, 'created timestamp converted from nanoseconds');
    const status = await cri.containerStatus(containerId);
    assert.equal(status.state, 'CONTAINER_EXITED');
    assert.equal(status.exitCode, 3);
    const containers = await cri.listContainers({ podSandboxId: id });
    assert.deepEqual(containers.map((c) => [c.id, c.name, c.podSandboxId]), [[containerId, 'job', id]]);
    const sandboxStatus = await cri.podSandboxStatus(id);
    assert.match(sandboxStatus.ip ?? '', /^10\.244\./);
  });

  it('reproduces the empty CNI cache failure byte for byte and recovers once the file is gone', async () => {
    const id = await runSandbox({ name: 'seed-bug' });
    const file = cacheFilePath(id);
    assert.ok(fs.statSync(file).size > 0, 'the runtime wrote a cache file');
    fs.truncateSync(file, 0);

    const stop = await rejection(cri.stopPodSandbox(id));
    assert.equal(stop.code, GrpcCode.UNKNOWN);
    assert.equal(stop.details, SEED_ERROR(id));
    assert.equal((await cri.listPodSandbox({ id }))[0].state, 'SANDBOX_NOTREADY', 'the failed stop leaves it NotReady');
    const remove = await rejection(cri.removePodSandbox(id));
    assert.equal(remove.details, `failed to forcibly stop sandbox "${id}": ${SEED_ERROR(id)}`);

    fs.rmSync(file);
    await cri.stopPodSandbox(id);
    await cri.removePodSandbox(id);
    const gone = await cri.podSandboxStatus(id).then(() => undefined, (error: unknown) => error);
    assert.ok(isNotFound(gone), 'the sandbox is gone');
    await cri.removePodSandbox(id); // idempotent
  });

  it('turns an expired deadline into a timeout and an aborted signal into a cancellation', async () => {
    const late = await rejection(cri.listPodSandbox(undefined, { timeoutMs: 0 }));
    assert.equal(late.code, GrpcCode.DEADLINE_EXCEEDED);
    assert.equal(late.reason, 'timeout');
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(cri.version({ signal: controller.signal }), (e: unknown) => (e as { reason?: string }).reason === 'cancelled');
  });

  describe('when the runtime refuses to send its whole list', () => {
    const fat = { 'knd.test/padding': 'x'.repeat(2048) };
    const limit = 48 * 1024;
    const ids: string[] = [];

    before(async () => {
      for (let i = 0; i < 30; i++) ids.push(await runSandbox({ name: `fat-${i}`, namespace: 'knd-fat', annotations: fat }));
      for (const id of ids.slice(0, 4)) await cri.stopPodSandbox(id);
      cri.close();
      restartContainerd({ KND_GRPC_MAX_MSG: String(limit) });
      cri = labCri();
    });
    after(() => {
      cri.close();
      restartContainerd({ KND_GRPC_MAX_MSG: String(16 * 1024 * 1024) });
      cri = labCri();
    });

    it('recognises the runtime-side send limit with its figures', async () => {
      const refused = await rejection(cri.listPodSandbox());
      assert.equal(refused.code, GrpcCode.RESOURCE_EXHAUSTED);
      assert.ok(isSendLimitError(refused), refused.details);
      assert.equal(refused.sizeLimit?.limit, limit);
      assert.ok((refused.sizeLimit?.size ?? 0) > limit);
    });

    it('still lists every sandbox through server-side filters, down to per-ID lookups of IDs found on disk', async () => {
      const listed = await listAllSandboxes(cri, { sandboxIds: ids });
      assert.equal(listed.strategy, 'by-id');
      const mine = listed.items.filter((s) => ids.includes(s.id));
      assert.equal(mine.length, ids.length);
      assert.equal(mine.filter((s) => s.state === 'SANDBOX_NOTREADY').length, 4);
      assert.ok(listed.notes.some((n) => n.includes('trying to send message larger than max')));
    });

    it('lists containers in one answer when only the sandbox list is too large', async () => {
      const listed = await listAllContainers(cri, ids);
      assert.equal(listed.strategy, 'single-list', 'the container list is small and needs no split');
    });
  });
});
