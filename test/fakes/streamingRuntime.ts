// A small test-only CRI RuntimeService that offers the streaming lists of cri-api 1.36 (KEP-5825), for the stream
// path the real test runtime (containerd 1.6, which answers Unimplemented) cannot exercise. Its proto is written here
// from the published definition (kubernetes/cri-api pkg/apis/runtime/v1/api.proto: StreamPodSandboxes /
// StreamContainers, `repeated PodSandbox pod_sandboxes = 1`, `repeated Container containers = 1`, request
// `filter = 1`) independently of the product's runtimeProto.ts, so a wrong field number there fails the tests.
// It behaves like containerd at a lowered send cap: any unary list answer over `maxItems` items is refused with
// grpc-go's send-limit text, while a stream sends batches of at most `batch` items.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';

const STREAMING_PROTO = `
syntax = "proto3";
package runtime.v1;

service RuntimeService {
  rpc ListPodSandbox(ListPodSandboxRequest) returns (ListPodSandboxResponse) {}
  rpc StreamPodSandboxes(StreamPodSandboxesRequest) returns (stream StreamPodSandboxesResponse) {}
  rpc ListContainers(ListContainersRequest) returns (ListContainersResponse) {}
  rpc StreamContainers(StreamContainersRequest) returns (stream StreamContainersResponse) {}
}

message PodSandboxMetadata { string name = 1; string uid = 2; string namespace = 3; uint32 attempt = 4; }
enum PodSandboxState { SANDBOX_READY = 0; SANDBOX_NOTREADY = 1; }
message PodSandboxStateValue { PodSandboxState state = 1; }
message PodSandboxFilter { string id = 1; PodSandboxStateValue state = 2; map<string, string> label_selector = 3; }
message PodSandbox {
  string id = 1; PodSandboxMetadata metadata = 2; PodSandboxState state = 3; int64 created_at = 4;
  map<string, string> labels = 5; map<string, string> annotations = 6; string runtime_handler = 7;
}
message ListPodSandboxRequest { PodSandboxFilter filter = 1; }
message ListPodSandboxResponse { repeated PodSandbox items = 1; }
message StreamPodSandboxesRequest { PodSandboxFilter filter = 1; }
message StreamPodSandboxesResponse { repeated PodSandbox pod_sandboxes = 1; }

message ContainerMetadata { string name = 1; uint32 attempt = 2; }
message ImageSpec { string image = 1; }
enum ContainerState { CONTAINER_CREATED = 0; CONTAINER_RUNNING = 1; CONTAINER_EXITED = 2; CONTAINER_UNKNOWN = 3; }
message ContainerStateValue { ContainerState state = 1; }
message ContainerFilter { string id = 1; ContainerStateValue state = 2; string pod_sandbox_id = 3; map<string, string> label_selector = 4; }
message Container {
  string id = 1; string pod_sandbox_id = 2; ContainerMetadata metadata = 3; ImageSpec image = 4; string image_ref = 5;
  ContainerState state = 6; int64 created_at = 7; map<string, string> labels = 8; map<string, string> annotations = 9;
}
message ListContainersRequest { ContainerFilter filter = 1; }
message ListContainersResponse { repeated Container containers = 1; }
message StreamContainersRequest { ContainerFilter filter = 1; }
message StreamContainersResponse { repeated Container containers = 1; }
`;

export interface WireSandbox {
  readonly id: string;
  readonly metadata: { name: string; uid: string; namespace: string; attempt: number };
  readonly state: 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
  readonly createdAt: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

export interface WireContainer {
  readonly id: string;
  readonly podSandboxId: string;
  readonly metadata: { name: string; attempt: number };
  readonly image: { image: string };
  readonly state: 'CONTAINER_RUNNING' | 'CONTAINER_EXITED';
  readonly createdAt: string;
}

export interface StreamingRuntimeOptions {
  readonly sandboxes: readonly WireSandbox[];
  readonly containers: readonly WireContainer[];
  /** Unary answers with more items are refused with the send-limit error. */
  readonly maxItems: number;
  /** Items per stream message. */
  readonly batch: number;
  /** `unimplemented`: the stream methods answer Unimplemented (a runtime before cri-api 1.36). */
  readonly streams: 'offered' | 'unimplemented';
}

export interface StreamingRuntime {
  readonly address: string;
  /** Method names in call order, with the number of messages sent for streams (`StreamPodSandboxes x4`). */
  readonly calls: string[];
  stop(): void;
}

type Filter = { id?: string; state?: { state?: string }; labelSelector?: Record<string, string>; podSandboxId?: string } | undefined;

function matches(item: { id: string; state: string; labels?: Record<string, string>; podSandboxId?: string }, filter: Filter): boolean {
  if (!filter) return true;
  if (filter.id && item.id !== filter.id) return false;
  if (filter.state && item.state !== filter.state.state) return false;
  if (filter.podSandboxId && item.podSandboxId !== filter.podSandboxId) return false;
  return Object.entries(filter.labelSelector ?? {}).every(([k, v]) => item.labels?.[k] === v);
}

/** Starts the server on a unix socket in a private temp dir. */
export async function startStreamingRuntime(options: StreamingRuntimeOptions): Promise<StreamingRuntime> {
  const root = protobuf.parse(STREAMING_PROTO, { keepCase: false }).root;
  const def = protoLoader.fromJSON(root.toJSON(), { keepCase: false, longs: String, enums: String, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: { RuntimeService: grpc.ServiceClientConstructor } } };
  const calls: string[] = [];
  const refuse = (n: number): grpc.ServiceError => Object.assign(new Error('refused'), {
    code: grpc.status.RESOURCE_EXHAUSTED, details: `grpc: trying to send message larger than max (${n * 1000} vs. ${options.maxItems * 1000})`, metadata: new grpc.Metadata(),
  });
  const unary = <T>(name: string, items: () => T[], key: string) => (call: grpc.ServerUnaryCall<{ filter?: Filter }, unknown>, cb: grpc.sendUnaryData<unknown>): void => {
    calls.push(name);
    const found = items().filter((i) => matches(i as never, call.request.filter));
    if (found.length > options.maxItems) cb(refuse(found.length));
    else cb(null, { [key]: found });
  };
  const stream = <T>(name: string, items: () => readonly T[], key: string) => (call: grpc.ServerWritableStream<{ filter?: Filter }, unknown>): void => {
    if (options.streams === 'unimplemented') {
      calls.push(`${name} unimplemented`);
      call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: `unknown method ${name} for service runtime.v1.RuntimeService` });
      return;
    }
    const found = items().filter((i) => matches(i as never, call.request.filter));
    let messages = 0;
    for (let start = 0; start < found.length; start += options.batch) {
      call.write({ [key]: found.slice(start, start + options.batch) });
      messages += 1;
    }
    calls.push(`${name} x${messages}`);
    call.end();
  };
  const server = new grpc.Server();
  server.addService(pkg.runtime.v1.RuntimeService.service, {
    ListPodSandbox: unary('ListPodSandbox', () => [...options.sandboxes], 'items'),
    StreamPodSandboxes: stream('StreamPodSandboxes', () => options.sandboxes, 'podSandboxes'),
    ListContainers: unary('ListContainers', () => [...options.containers], 'containers'),
    StreamContainers: stream('StreamContainers', () => options.containers, 'containers'),
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-stream-'));
  const address = `unix://${dir}/cri.sock`;
  await new Promise<void>((resolve, reject) => server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (e) => (e ? reject(e) : resolve())));
  return { address, calls, stop: () => { server.forceShutdown(); fs.rmSync(dir, { recursive: true, force: true }); } };
}
