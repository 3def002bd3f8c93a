import * as assert from 'node:assert/strict';
import { createCriClient } from '../../../src/core/cri/criClient';
import { GrpcCode } from '../../../src/core/cri/criError';
import { listAllContainers, listAllSandboxes } from '../../../src/core/cri/listing';
import type { CriRuntime } from '../../../src/core/cri/types';
import { startStreamingRuntime } from '../../fakes/streamingRuntime';
import type { StreamingRuntime, WireContainer, WireSandbox } from '../../fakes/streamingRuntime';

const hex = (n: number): string => n.toString(16).padStart(64, '0');

function sandboxes(n: number): WireSandbox[] {
  return Array.from({ length: n }, (_, i) => ({
    id: hex(i + 1), metadata: { name: `cron-${i}`, uid: `uid-${i}`, namespace: `ns-${i % 7}`, attempt: 0 },
    state: i === 0 ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY', createdAt: String(1_700_000_000_000_000_000n + BigInt(i)),
    labels: { 'io.kubernetes.pod.namespace': `ns-${i % 7}`, 'io.kubernetes.pod.uid': `uid-${i}` }, annotations: { pad: 'x'.repeat(64) },
  }));
}

function containers(n: number): WireContainer[] {
  return Array.from({ length: n }, (_, i) => ({
    id: hex(10_000 + i), podSandboxId: hex((i % 5) + 1), metadata: { name: `job-${i}`, attempt: 0 }, image: { image: 'tool' },
    state: 'CONTAINER_EXITED', createdAt: '1700000000000000000',
  }));
}

describe('streaming list RPCs (cri-api 1.36, KEP-5825) against a test server', () => {
  let server: StreamingRuntime | undefined;
  let cri: CriRuntime | undefined;
  afterEach(() => { cri?.close(); server?.stop(); cri = undefined; server = undefined; });

  async function serve(streams: 'offered' | 'unimplemented', nSandboxes: number, nContainers: number): Promise<CriRuntime> {
    server = await startStreamingRuntime({ sandboxes: sandboxes(nSandboxes), containers: containers(nContainers), maxItems: 50, batch: 40, streams });
    cri = createCriClient(server.address);
    return cri;
  }

  it('reads every item of every message of the stream, past what one unary answer may hold', async () => {
    const client = await serve('offered', 303, 120);
    const listed = await listAllSandboxes(client);
    assert.deepEqual([listed.strategy, listed.stream, listed.complete], ['stream', 'used', true]);
    assert.equal(listed.items.length, 303);
    assert.deepEqual(server?.calls, ['StreamPodSandboxes x8'], 'no unary list was needed');
    const first = listed.items.find((s) => s.id === hex(1));
    assert.deepEqual([first?.namespace, first?.uid, first?.state, first?.annotations.pad.length], ['ns-0', 'uid-0', 'SANDBOX_READY', 64]);
    const listedContainers = await listAllContainers(client, []);
    assert.deepEqual([listedContainers.strategy, listedContainers.items.length, listedContainers.complete], ['stream', 120, true]);
    assert.equal(listedContainers.items[0].podSandboxId, hex(1));
  });

  it('sends the filter with the stream request', async () => {
    const client = await serve('offered', 30, 0);
    const ready = await client.streamPodSandboxes?.({ state: 'SANDBOX_READY' });
    assert.deepEqual(ready?.map((s) => s.id), [hex(1)]);
    const ns = await client.streamPodSandboxes?.({ labelSelector: { 'io.kubernetes.pod.namespace': 'ns-3' } });
    assert.equal(ns?.length, 4);
  });

  it('falls back on the unary lists when the runtime answers Unimplemented', async () => {
    const client = await serve('unimplemented', 40, 10);
    const error = await client.streamPodSandboxes?.().then(() => undefined, (e: unknown) => e);
    assert.equal((error as { code?: number }).code, GrpcCode.UNIMPLEMENTED);
    const listed = await listAllSandboxes(client);
    assert.deepEqual([listed.strategy, listed.stream, listed.complete, listed.items.length], ['single-list', 'unimplemented', true, 40]);
    assert.deepEqual(server?.calls.slice(-2), ['StreamPodSandboxes unimplemented', 'ListPodSandbox']);
    assert.match(listed.notes[0], /does not offer it \(Unimplemented\)/);
  });
});
