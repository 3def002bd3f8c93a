import * as assert from 'node:assert/strict';
import { CriError, GrpcCode } from '../../../src/core/cri/criError';
import { listAllContainers, listAllSandboxes } from '../../../src/core/cri/listing';
import type { Container, ContainerFilter, CriRuntime, PodSandbox, SandboxFilter } from '../../../src/core/cri/types';

const hex = (n: number): string => n.toString(16).padStart(64, '0');

function sandbox(n: number, namespace: string, state: PodSandbox['state']): PodSandbox {
  return {
    id: hex(n), name: `pod-${n}`, uid: `uid-${n}`, namespace, attempt: 0, state, createdAtMs: n, runtimeHandler: '',
    labels: { 'io.kubernetes.pod.namespace': namespace, 'io.kubernetes.pod.uid': `uid-${n}` }, annotations: {},
  };
}

/** A runtime that, like containerd at its send limit, refuses any answer with more than `maxItems` items. */
function cappedRuntime(sandboxes: PodSandbox[], containers: Container[], maxItems: number): CriRuntime & { calls: string[] } {
  const calls: string[] = [];
  const send = <T>(items: T[]): T[] => {
    if (items.length > maxItems) {
      throw new CriError('List', GrpcCode.RESOURCE_EXHAUSTED, `grpc: trying to send message larger than max (${items.length * 1000} vs. ${maxItems * 1000})`);
    }
    return items;
  };
  const labelsMatch = (labels: Readonly<Record<string, string>>, selector: Readonly<Record<string, string>> = {}): boolean =>
    Object.entries(selector).every(([k, v]) => labels[k] === v);
  const unused = (): never => { throw new Error('not used'); };
  return {
    calls,
    async listPodSandbox(filter?: SandboxFilter) {
      calls.push(JSON.stringify(filter ?? {}));
      return send(sandboxes.filter((s) => (!filter?.id || s.id === filter.id) && (!filter?.state || s.state === filter.state) && labelsMatch(s.labels, filter?.labelSelector)));
    },
    async listContainers(filter?: ContainerFilter) {
      return send(containers.filter((c) => (!filter?.id || c.id === filter.id) && (!filter?.state || c.state === filter.state) && (!filter?.podSandboxId || c.podSandboxId === filter.podSandboxId)));
    },
    async podSandboxStatus(id: string) {
      calls.push(`status ${id}`);
      const s = sandboxes.find((x) => x.id === id);
      if (!s) throw new CriError('PodSandboxStatus', GrpcCode.NOT_FOUND, `an error occurred when try to find sandbox "${id}": not found`);
      return { ...s, additionalIps: [], info: {} };
    },
    async containerStatus(id: string) {
      calls.push(`container status ${id}`);
      const c = containers.find((x) => x.id === id);
      if (!c) throw new CriError('ContainerStatus', GrpcCode.NOT_FOUND, `an error occurred when try to find container "${id}": not found`);
      return { ...c, startedAtMs: 0, finishedAtMs: 0, exitCode: 0, reason: '', message: '', logPath: '' };
    },
    version: unused, status: unused, stopPodSandbox: unused, removePodSandbox: unused, stopContainer: unused, removeContainer: unused, close: () => undefined,
  };
}

describe('listing past the runtime send limit', () => {
  const ready = [1, 2, 3].map((n) => sandbox(n, 'web', 'SANDBOX_READY'));
  const notReadyA = [10, 11, 12, 13].map((n) => sandbox(n, 'batch', 'SANDBOX_NOTREADY'));
  const notReadyB = [20, 21].map((n) => sandbox(n, 'web', 'SANDBOX_NOTREADY'));
  const all = [...ready, ...notReadyA, ...notReadyB];

  it('uses one list when the runtime sends it', async () => {
    const listed = await listAllSandboxes(cappedRuntime(all, [], 100));
    assert.deepEqual([listed.strategy, listed.complete, listed.items.length], ['single-list', true, 9]);
  });

  it('splits by state when each state fits', async () => {
    const listed = await listAllSandboxes(cappedRuntime(all, [], 6));
    assert.deepEqual([listed.strategy, listed.complete, listed.items.length], ['by-state', true, 9]);
    assert.match(listed.notes[0], /trying to send message larger than max/);
  });

  it('splits a state that is still too large by namespace label, then by pod UID label', async () => {
    const runtime = cappedRuntime(all, [], 3);
    const listed = await listAllSandboxes(runtime, { namespaces: ['batch'], podUids: notReadyA.map((s) => s.uid) });
    assert.equal(listed.strategy, 'by-label');
    assert.deepEqual(listed.items.map((s) => s.id).sort(), all.map((s) => s.id).sort());
    assert.equal(listed.complete, false, 'without sandbox IDs from disk it cannot prove nothing is missing');
    assert.ok(runtime.calls.some((c) => c.includes('"io.kubernetes.pod.uid":"uid-10"')), 'the UID split is server-side');
  });

  it('looks up sandbox IDs found on disk one by one when labels are not enough', async () => {
    const runtime = cappedRuntime(all, [], 3);
    const listed = await listAllSandboxes(runtime, { sandboxIds: all.map((s) => s.id) });
    assert.deepEqual([listed.strategy, listed.complete], ['by-id', true]);
    assert.deepEqual(listed.items.map((s) => s.id).sort(), all.map((s) => s.id).sort());
    assert.ok(runtime.calls.includes(`status ${hex(10)}`), 'per-ID lookups by PodSandboxStatus');
    assert.ok(runtime.calls.includes(JSON.stringify({ state: 'SANDBOX_NOTREADY', labelSelector: { 'io.kubernetes.pod.namespace': 'web' } })), 'namespaces it knows are listed whole');
  });

  it('never asks for more than it can receive: every call after the refusal carries a filter', async () => {
    const runtime = cappedRuntime(all, [], 3);
    await listAllSandboxes(runtime, { sandboxIds: all.map((s) => s.id) });
    assert.equal(runtime.calls.filter((c) => c === '{}').length, 1);
  });

  it('splits containers by state, then by sandbox ID', async () => {
    const containers: Container[] = [1, 2, 3, 4].map((n) => ({
      id: hex(100 + n), podSandboxId: hex(n <= 2 ? 1 : 2), name: `c${n}`, attempt: 0, image: 'i', state: 'CONTAINER_EXITED', createdAtMs: 0, labels: {}, annotations: {},
    }));
    const listed = await listAllContainers(cappedRuntime([], containers, 2), [hex(1), hex(2)]);
    assert.deepEqual([listed.strategy, listed.items.length], ['by-id', 4]);
  });

  it('passes other errors through', async () => {
    const runtime = cappedRuntime(all, [], 100);
    runtime.listPodSandbox = async () => { throw new CriError('ListPodSandbox', GrpcCode.UNAVAILABLE, 'connection refused'); };
    await assert.rejects(listAllSandboxes(runtime), (e: unknown) => e instanceof CriError && e.code === GrpcCode.UNAVAILABLE);
  });
});
