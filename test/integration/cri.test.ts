import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { CriError, GrpcCode, isNotFound } from '../../src/core/cri/criError';
import type { CriRuntime } from '../../src/core/cri/types';
import { useLabRuntime } from './support/labNode';
import {
  cacheFilePath, dropKill, labEnv, runExitedContainer, runSandbox,
  sandboxCacheFiles, startContainer,
} from './support/lab';

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
  const runtime = useLabRuntime();
  let cri: CriRuntime;
  beforeEach(() => {
    cri = runtime.cri;
  });

  it('reads the runtime version and reports the runtime and network ready', async () => {
    const version = await cri.version();
    assert.equal(version.runtimeName, 'containerd');
    assert.equal(version.runtimeApiVersion, 'v1');
    assert.match(version.runtimeVersion, /^1\.6\./);
    const status = await cri.status();
    assert.deepEqual(status.conditions.map((c) => [c.type, c.status]), [['RuntimeReady', true], ['NetworkReady', true]]);
  });

  it('lists a sandbox with its pod metadata and an exited container with its exit code', async () => {
    const id = await runSandbox({ name: 'cri-list', namespace: 'knd-cri', uid: 'uid-cri-list', annotations: { 'knd.test/a': 'b' } });
    const containerId = await runExitedContainer(id, 'job', 3);
    const [sandbox] = await cri.listPodSandbox({ id });
    assert.deepEqual(
      [sandbox.id, sandbox.state, sandbox.name, sandbox.namespace, sandbox.uid, sandbox.annotations['knd.test/a']],
      [id, 'SANDBOX_READY', 'cri-list', 'knd-cri', 'uid-cri-list', 'b'],
    );
    assert.ok(Math.abs(sandbox.createdAtMs - Date.now()) < 120_000, 'created timestamp converted from nanoseconds');
    const status = await cri.containerStatus(containerId);
    assert.deepEqual([status.state, status.exitCode, status.reason, status.podSandboxId], ['CONTAINER_EXITED', 3, 'Error', id]);
    // both set; containerd 1.6 stamps startedAt when StartContainer returns, which for a process that exits at once
    // can be after the exit event's finishedAt, so their order is not asserted
    assert.ok(status.startedAtMs > 0 && status.finishedAtMs > 0, `started ${status.startedAtMs}, finished ${status.finishedAtMs}`);
    const containers = await cri.listContainers({ podSandboxId: id });
    assert.deepEqual(containers.map((c) => [c.id, c.name, c.podSandboxId, c.state]), [[containerId, 'job', id, 'CONTAINER_EXITED']]);
    const sandboxStatus = await cri.podSandboxStatus(id);
    const prefix = (process.env.KND_SUBNET ?? '10.244.0.0/24').split('.').slice(0, 3).join('.');
    assert.ok(sandboxStatus.ip?.startsWith(`${prefix}.`), `pod IP ${sandboxStatus.ip} in the lab subnet`);
    assert.ok(sandboxStatus.networkNamespacePath?.startsWith(labEnv()?.netnsDir ?? '?'), `netns ${sandboxStatus.networkNamespacePath}`);
    assert.deepEqual(sandboxCacheFiles(id).map((f) => f.slice(f.lastIndexOf('/') + 1)), [`cbr0-${id}-eth0`, `cni-loopback-${id}-lo`]);
  });

  it('reproduces the empty CNI cache failure byte for byte and recovers once the file is gone', async () => {
    const id = await runSandbox({ name: 'seed-bug' });
    await startContainer(id, 'app', ['sleep']);
    const file = cacheFilePath('cbr0', id, 'eth0');
    assert.ok(fs.statSync(file).size > 0, 'the runtime wrote a cache file');
    fs.truncateSync(file, 0);

    const stop = await rejection(cri.stopPodSandbox(id));
    assert.equal(stop.code, GrpcCode.UNKNOWN);
    assert.equal(stop.method, 'StopPodSandbox');
    assert.equal(stop.details, SEED_ERROR(id));
    assert.equal(stop.grpcText, `rpc error: code = Unknown desc = ${SEED_ERROR(id)}`);
    assert.equal((await cri.listPodSandbox({ id }))[0].state, 'SANDBOX_NOTREADY', 'the failed stop leaves it NotReady');
    assert.equal((await rejection(cri.stopPodSandbox(id))).details, SEED_ERROR(id), 'a second stop fails the same way');
    const remove = await rejection(cri.removePodSandbox(id));
    assert.equal(remove.details, `failed to forcibly stop sandbox "${id}": ${SEED_ERROR(id)}`);

    fs.rmSync(file);
    await cri.stopPodSandbox(id);
    await cri.removePodSandbox(id);
    const gone = await cri.podSandboxStatus(id).then(() => undefined, (error: unknown) => error);
    assert.ok(isNotFound(gone), 'the sandbox is gone');
    assert.deepEqual(sandboxCacheFiles(id), []);
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

  it('cancels a StopPodSandbox that hangs (runc kill dropped) and times out the next one, with the sandbox still READY', async () => {
    const lab = labEnv();
    assert.ok(lab);
    const id = await runSandbox({ name: 'stuck-stop', runtimeHandler: lab.faultyHandler });
    dropKill(id, true);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const cancelled = await rejection(cri.stopPodSandbox(id, { signal: controller.signal }));
    assert.equal(cancelled.code, GrpcCode.CANCELLED);
    assert.equal(cancelled.reason, 'cancelled');

    const timedOut = await rejection(cri.stopPodSandbox(id, { timeoutMs: 1500 }));
    assert.equal(timedOut.code, GrpcCode.DEADLINE_EXCEEDED);
    assert.equal(timedOut.reason, 'timeout');
    // whichever side reaches the deadline first words it: containerd (the field text) or grpc-js
    assert.match(timedOut.details, new RegExp(`^(failed to stop sandbox container "${id}" in "SANDBOX_READY" state: wait sandbox container "${id}": context deadline exceeded|Deadline exceeded.*)$`));
    assert.equal((await cri.listPodSandbox({ id }))[0].state, 'SANDBOX_READY');

    dropKill(id, false);
    await cri.stopPodSandbox(id);
    await cri.removePodSandbox(id);
    assert.deepEqual(await cri.listPodSandbox({ id }), []);
  });

  it('shows an orphan container once its sandbox was removed underneath CRI and containerd restarted', async () => {
    const id = await runSandbox({ name: 'orphaned', namespace: 'knd-orphan' });
    const running = await startContainer(id, 'app', ['sleep']);
    const exited = await runExitedContainer(id, 'init', 0);
    await runtime.removeSandboxUnderneath(id);
    cri = runtime.cri;

    assert.deepEqual(await cri.listPodSandbox({ id }), [], 'the restarted runtime no longer lists the sandbox');
    const orphans = (await cri.listContainers()).filter((c) => c.podSandboxId === id).map((c) => c.id).sort();
    assert.deepEqual(orphans, [running, exited].sort(), 'its containers still point at it');
    const status = await rejection(cri.podSandboxStatus(id));
    assert.deepEqual([status.code, status.details], [GrpcCode.NOT_FOUND, 'an error occurred when try to find sandbox: not found']);
    const stop = await rejection(cri.stopPodSandbox(id));
    assert.deepEqual([stop.code, stop.details], [GrpcCode.NOT_FOUND, `an error occurred when try to find sandbox "${id}": not found`]);
    assert.equal(sandboxCacheFiles(id).length, 2, 'both cache files stay behind');

    for (const containerId of orphans) {
      await cri.stopContainer(containerId, 0);
      await cri.removeContainer(containerId);
    }
    assert.deepEqual((await cri.listContainers()).filter((c) => c.podSandboxId === id), []);
  });
});
