import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { createCriClient, nanosToMs, sandboxIdFromInfo } from '../../../src/core/cri/criClient';
import { CriError, GrpcCode, isSendLimitError } from '../../../src/core/cri/criError';
import { RUNTIME_V1_PROTO } from '../../../src/core/cri/runtimeProto';
import type { CriRuntime } from '../../../src/core/cri/types';

type Handler = (call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>, callback: grpc.sendUnaryData<unknown>) => void;

const ID = 'a'.repeat(64);
const CID = 'b'.repeat(64);

/** A RuntimeService speaking the same proto over a unix socket, answering what each test sets. */
async function startServer(handlers: Record<string, Handler>): Promise<{ address: string; stop: () => void }> {
  const root = protobuf.parse(RUNTIME_V1_PROTO, { keepCase: false }).root;
  const def = protoLoader.fromJSON(root.toJSON(), { keepCase: false, longs: String, enums: String, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: { RuntimeService: grpc.ServiceClientConstructor } } };
  const server = new grpc.Server();
  const notImplemented: Handler = (_call, cb) => cb({ code: grpc.status.UNIMPLEMENTED, details: 'not in this test' });
  const impl = Object.fromEntries(Object.keys(pkg.runtime.v1.RuntimeService.service).map((m) => [m, handlers[m] ?? notImplemented]));
  server.addService(pkg.runtime.v1.RuntimeService.service, impl);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-cri-'));
  const address = `unix://${dir}/cri.sock`;
  await new Promise<void>((resolve, reject) => server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (e) => (e ? reject(e) : resolve())));
  return { address, stop: () => { server.forceShutdown(); fs.rmSync(dir, { recursive: true, force: true }); } };
}

async function rejection(promise: Promise<unknown>): Promise<CriError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof CriError, `expected a CriError, got ${String(error)}`);
  return error;
}

describe('CRI gRPC client', () => {
  let stop: (() => void) | undefined;
  let cri: CriRuntime | undefined;
  afterEach(() => { cri?.close(); stop?.(); cri = undefined; stop = undefined; });

  async function serve(handlers: Record<string, Handler>, options = {}): Promise<CriRuntime> {
    const server = await startServer(handlers);
    stop = server.stop;
    cri = createCriClient(server.address, options);
    return cri;
  }

  it('maps sandboxes to domain objects and sends the filter server-side', async () => {
    let seen: unknown;
    const client = await serve({
      ListPodSandbox: (call, cb) => {
        seen = call.request.filter;
        cb(null, { items: [{
          id: ID, metadata: { name: 'web-0', uid: 'u1', namespace: 'shop', attempt: 2 }, state: 'SANDBOX_NOTREADY',
          createdAt: '1763884800123456789', labels: { app: 'web' }, annotations: { a: 'b' }, runtimeHandler: 'runc',
        }] });
      },
    });
    const [sandbox] = await client.listPodSandbox({ state: 'SANDBOX_NOTREADY', labelSelector: { app: 'web' } });
    assert.deepEqual(sandbox, {
      id: ID, name: 'web-0', uid: 'u1', namespace: 'shop', attempt: 2, state: 'SANDBOX_NOTREADY', createdAtMs: 1763884800123,
      labels: { app: 'web' }, annotations: { a: 'b' }, runtimeHandler: 'runc',
    });
    assert.deepEqual(seen, { id: '', state: { state: 'SANDBOX_NOTREADY' }, labelSelector: { app: 'web' } });
  });

  it('reads the container sandbox ID, exit code and times from a verbose ContainerStatus', async () => {
    const client = await serve({
      ContainerStatus: (call, cb) => {
        assert.equal(call.request.verbose, true);
        cb(null, {
          status: {
            id: CID, metadata: { name: 'app', attempt: 1 }, state: 'CONTAINER_EXITED', createdAt: '1000000000', startedAt: '2000000000',
            finishedAt: '3000000000', exitCode: 137, image: { image: 'busybox' }, reason: 'Error', message: '', logPath: '/var/log/pods/x/app/1.log',
          },
          info: { info: JSON.stringify({ sandboxID: ID, pid: 0 }) },
        });
      },
    });
    const status = await client.containerStatus(CID);
    assert.deepEqual(
      [status.podSandboxId, status.exitCode, status.createdAtMs, status.startedAtMs, status.finishedAtMs, status.image, status.name, status.attempt],
      [ID, 137, 1000, 2000, 3000, 'busybox', 'app', 1],
    );
  });

  it('retries "server is not initialized yet" until the runtime has recovered', async () => {
    let calls = 0;
    const client = await serve({
      Version: (_call, cb) => {
        calls += 1;
        if (calls < 3) cb({ code: grpc.status.UNKNOWN, details: 'server is not initialized yet' });
        else cb(null, { version: '0.1.0', runtimeName: 'containerd', runtimeVersion: '1.6.20', runtimeApiVersion: 'v1' });
      },
    });
    assert.equal((await client.version()).runtimeName, 'containerd');
    assert.equal(calls, 3);
  });

  it('gives up on "not initialized" after the retry window and keeps the text', async () => {
    const client = await serve({ Version: (_c, cb) => cb({ code: grpc.status.UNKNOWN, details: 'server is not initialized yet' }) }, { notReadyRetryMs: 300 });
    const error = await rejection(client.version());
    assert.deepEqual([error.code, error.details, error.method], [GrpcCode.UNKNOWN, 'server is not initialized yet', 'Version']);
  });

  it('turns a runtime error into a CriError with code, verbatim details and method, without retrying it', async () => {
    let calls = 0;
    const details = `failed to destroy network for sandbox "${ID}": failed to get network "cbr0" cached result: decoding version from network config: unexpected end of JSON input`;
    const client = await serve({ StopPodSandbox: (_c, cb) => { calls += 1; cb({ code: grpc.status.UNKNOWN, details }); } });
    const error = await rejection(client.stopPodSandbox(ID));
    assert.deepEqual([error.code, error.details, error.method, error.reason, calls], [GrpcCode.UNKNOWN, details, 'StopPodSandbox', 'runtime-error', 1]);
  });

  it('recognises a send-cap refusal from the runtime', async () => {
    const client = await serve({
      ListPodSandbox: (_c, cb) => cb({ code: grpc.status.RESOURCE_EXHAUSTED, details: 'grpc: trying to send message larger than max (17775539 vs. 16777216)' }),
    });
    assert.ok(isSendLimitError(await rejection(client.listPodSandbox())));
  });

  it('accepts answers far larger than the 4 MiB gRPC default', async () => {
    const annotations = { big: 'x'.repeat(6 * 1024 * 1024) };
    const client = await serve({
      ListPodSandbox: (_c, cb) => cb(null, { items: [{ id: ID, metadata: { name: 'n', uid: 'u', namespace: 'ns' }, state: 'SANDBOX_READY', createdAt: '1', annotations }] }),
    });
    assert.equal((await client.listPodSandbox())[0].annotations.big.length, 6 * 1024 * 1024);
  });

  it('cancels an in-flight call when its signal aborts, and applies the deadline otherwise', async () => {
    const client = await serve({ StopPodSandbox: () => undefined /* never answers */ });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const cancelled = await rejection(client.stopPodSandbox(ID, { signal: controller.signal }));
    assert.deepEqual([cancelled.code, cancelled.reason], [GrpcCode.CANCELLED, 'cancelled']);
    const late = await rejection(client.stopPodSandbox(ID, { timeoutMs: 100 }));
    assert.deepEqual([late.code, late.reason], [GrpcCode.DEADLINE_EXCEEDED, 'timeout']);
  });

  it('reports an absent socket as unreachable with a hint', async () => {
    const client = createCriClient('unix:///nonexistent/knd/cri.sock');
    cri = client;
    const error = await rejection(client.version({ timeoutMs: 2000 }));
    assert.equal(error.reason, 'unreachable');
    assert.ok(error.hint?.includes('unix:///nonexistent/knd/cri.sock'));
  });

  it('refuses an endpoint that is not a unix socket or loopback address', () => {
    assert.throws(() => createCriClient('/run/containerd/containerd.sock'), (e: unknown) => (e as { reason?: string }).reason === 'bad-input');
  });

  it('converts int64 nanoseconds without losing precision and reads sandboxID from verbose info', () => {
    assert.equal(nanosToMs('1763884800999999999'), 1763884800999);
    assert.equal(nanosToMs('0'), 0);
    assert.equal(sandboxIdFromInfo({ info: `{"sandboxID":"${ID}"}` }), ID);
    assert.equal(sandboxIdFromInfo({ info: 'not json' }), undefined);
    assert.equal(sandboxIdFromInfo(undefined), undefined);
  });
});
