import * as assert from 'node:assert/strict';
import {
  checkpointBytes, containerFromDocker, containerState, exitCodeFromStatus, fnv32a, parseCheckpoint, parseKubeName, sandboxFromCheckpoint, sandboxFromContainer,
} from '../../../src/core/docker/dockershim';
import { hexId } from './fakeDocker';

describe('dockershim naming, labels and checkpoints', () => {
  it('parses dockershim container names, with the random suffix it adds on a name conflict, and nothing else', () => {
    assert.deepEqual(parseKubeName('/k8s_POD_nginxx-7664b4dd7-db8zt_default_9f4c1e6b-af2e-47c3-b6ee-0b5f2d54364e_0'),
      { container: 'POD', pod: 'nginxx-7664b4dd7-db8zt', namespace: 'default', uid: '9f4c1e6b-af2e-47c3-b6ee-0b5f2d54364e', attempt: 0 });
    assert.equal(parseKubeName('k8s_nginx_web_default_uid_3_a1b2c3d4')?.attempt, 3);
    assert.equal(parseKubeName('/registry'), undefined);
    assert.equal(parseKubeName('/k8s_app_web_default_uid_x'), undefined);
  });

  it('maps a podsandbox container to a sandbox (Ready only while running), annotations from annotation.* labels, internal labels hidden', () => {
    const base = {
      Id: hexId(1), Names: ['/k8s_POD_web_default_u1_2'], Image: 'pause:3.2', ImageID: '', Created: 1_600_000_000, Status: '',
      Labels: { 'io.kubernetes.docker.type': 'podsandbox', 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': 'u1', 'annotation.kubernetes.io/config.seen': 'x', app: 'web' },
    };
    const ready = sandboxFromContainer({ ...base, State: 'running' });
    assert.deepEqual([ready.state, ready.name, ready.namespace, ready.uid, ready.attempt, ready.createdAtMs], ['SANDBOX_READY', 'web', 'default', 'u1', 2, 1_600_000_000_000]);
    assert.deepEqual(ready.annotations, { 'kubernetes.io/config.seen': 'x' });
    assert.equal(ready.labels['io.kubernetes.docker.type'], undefined);
    assert.equal(ready.labels.app, 'web');
    assert.equal(sandboxFromContainer({ ...base, State: 'exited' }).state, 'SANDBOX_NOTREADY');
  });

  it('maps container states as dockershim does and reads the exit code from the list status', () => {
    assert.deepEqual(['running', 'paused', 'exited', 'created', 'restarting', 'dead'].map(containerState),
      ['CONTAINER_RUNNING', 'CONTAINER_RUNNING', 'CONTAINER_EXITED', 'CONTAINER_CREATED', 'CONTAINER_UNKNOWN', 'CONTAINER_UNKNOWN']);
    assert.equal(exitCodeFromStatus('Exited (137) 2 hours ago'), 137);
    assert.equal(exitCodeFromStatus('Up 5 minutes'), undefined);
    const c = containerFromDocker({ Id: hexId(2), Names: ['/k8s_nginx_web_default_u1_1'], Image: 'nginx', ImageID: '', Created: 1, State: 'exited', Status: 'Exited (0) 1 second ago',
      Labels: { 'io.kubernetes.docker.type': 'container', 'io.kubernetes.sandbox.id': hexId(1), 'io.kubernetes.container.name': 'nginx' } });
    assert.deepEqual([c.podSandboxId, c.name, c.attempt, c.state], [hexId(1), 'nginx', 1, 'CONTAINER_EXITED']);
  });

  it('computes FNV-32a as Go hash/fnv does', () => {
    assert.equal(fnv32a(''), 0x811c9dc5);
    assert.equal(fnv32a('a'), 0xe40c292c);
    assert.equal(fnv32a('foobar'), 0xbf9cf968);
  });

  it('writes checkpoints in dockershim field order and reads them back with a matching checksum', () => {
    const bytes = checkpointBytes('accounting', 'nginx-one');
    assert.match(bytes.toString(), /^\{"version":"v1","name":"nginx-one","namespace":"accounting","data":\{\},"checksum":\d+\}$/);
    const cp = parseCheckpoint(hexId(3), `/var/lib/dockershim/sandbox/${hexId(3)}`, bytes, 5_000);
    assert.deepEqual([cp.valid, cp.name, cp.namespace, cp.checksum, cp.hostNetwork], [true, 'nginx-one', 'accounting', 'match', false]);
    const tampered = Buffer.from(bytes.toString().replace(/"checksum":\d+/, '"checksum":1'));
    assert.equal(parseCheckpoint(hexId(3), 'p', tampered, 0).checksum, 'differs');
    const ports = Buffer.from('{"version":"v1","name":"a","namespace":"b","data":{"port_mappings":[{"protocol":"tcp","container_port":80,"host_port":8080}]},"checksum":42}');
    assert.equal(parseCheckpoint(hexId(3), 'p', ports, 0).checksum, 'not-checked');
    assert.equal(parseCheckpoint(hexId(3), 'p', Buffer.from('\0\0\0'), 0).valid, false);
    const sandbox = sandboxFromCheckpoint(cp);
    assert.deepEqual([sandbox.id, sandbox.state, sandbox.name, sandbox.namespace, sandbox.createdAtMs], [hexId(3), 'SANDBOX_NOTREADY', 'nginx-one', 'accounting', 5_000]);
  });
});
