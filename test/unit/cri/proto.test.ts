import * as assert from 'node:assert/strict';
import * as protobuf from 'protobufjs';
import { RUNTIME_V1_PROTO } from '../../../src/core/cri/runtimeProto';

describe('runtime.v1 proto subset', () => {
  const root = protobuf.parse(RUNTIME_V1_PROTO, { keepCase: true }).root;
  const type = (name: string): protobuf.Type => root.lookupType(`runtime.v1.${name}`);
  const fields = (name: string): Record<string, number> =>
    Object.fromEntries(Object.values(type(name).fields).map((f) => [f.name, f.id]));

  it('declares exactly the RuntimeService methods the tool calls', () => {
    const service = root.lookupService('runtime.v1.RuntimeService');
    assert.deepEqual(Object.keys(service.methods).sort(), [
      'ContainerStatus', 'ListContainers', 'ListPodSandbox', 'PodSandboxStatus', 'RemoveContainer', 'RemovePodSandbox',
      'Status', 'StopContainer', 'StopPodSandbox', 'StreamContainers', 'StreamPodSandboxes', 'Version',
    ]);
    // cri-api 1.36 (KEP-5825): server-streaming, same request filter as the unary lists.
    assert.equal(service.methods.StreamPodSandboxes.responseStream, true);
    assert.equal(service.methods.StreamContainers.responseStream, true);
    assert.equal(service.methods.ListPodSandbox.responseStream, undefined);
  });

  // Field numbers as published in kubernetes/cri-api pkg/apis/runtime/v1/api.proto.
  it('uses the upstream field numbers', () => {
    assert.deepEqual(fields('PodSandbox'), { id: 1, metadata: 2, state: 3, created_at: 4, labels: 5, annotations: 6, runtime_handler: 7 });
    assert.deepEqual(fields('PodSandboxStatus'), { id: 1, metadata: 2, state: 3, created_at: 4, network: 5, labels: 7, annotations: 8, runtime_handler: 9 });
    assert.deepEqual(fields('PodSandboxFilter'), { id: 1, state: 2, label_selector: 3 });
    assert.deepEqual(fields('PodSandboxMetadata'), { name: 1, uid: 2, namespace: 3, attempt: 4 });
    assert.deepEqual(fields('Container'), {
      id: 1, pod_sandbox_id: 2, metadata: 3, image: 4, image_ref: 5, state: 6, created_at: 7, labels: 8, annotations: 9, image_id: 10,
    });
    assert.deepEqual(fields('StreamPodSandboxesRequest'), { filter: 1 });
    assert.deepEqual(fields('StreamPodSandboxesResponse'), { pod_sandboxes: 1 });
    assert.deepEqual(fields('StreamContainersRequest'), { filter: 1 });
    assert.deepEqual(fields('StreamContainersResponse'), { containers: 1 });
    assert.equal(type('StreamPodSandboxesResponse').fields.pod_sandboxes.repeated, true);
    assert.equal(type('StreamContainersResponse').fields.containers.repeated, true);
    assert.deepEqual(fields('ContainerFilter'), { id: 1, state: 2, pod_sandbox_id: 3, label_selector: 4 });
    assert.deepEqual(fields('ContainerStatus'), {
      id: 1, metadata: 2, state: 3, created_at: 4, started_at: 5, finished_at: 6, exit_code: 7, image: 8, image_ref: 9,
      reason: 10, message: 11, labels: 12, annotations: 13, log_path: 15, image_id: 17,
    });
    assert.deepEqual(fields('StopContainerRequest'), { container_id: 1, timeout: 2 });
    assert.deepEqual(fields('StatusResponse'), { status: 1, info: 2 });
    assert.deepEqual(fields('VersionResponse'), { version: 1, runtime_name: 2, runtime_version: 3, runtime_api_version: 4 });
    assert.deepEqual({ ...root.lookupEnum('runtime.v1.ContainerState').values }, { CONTAINER_CREATED: 0, CONTAINER_RUNNING: 1, CONTAINER_EXITED: 2, CONTAINER_UNKNOWN: 3 });
    assert.deepEqual({ ...root.lookupEnum('runtime.v1.PodSandboxState').values }, { SANDBOX_READY: 0, SANDBOX_NOTREADY: 1 });
  });
});
