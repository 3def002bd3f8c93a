import * as assert from 'node:assert/strict';
import { NodeDoctorError } from '../../../src/core/errors';
import { CriError, GrpcCode, isNotFound, isSendLimitError } from '../../../src/core/cri/criError';

describe('CriError', () => {
  it('recognises containerd refusing to send a list and keeps its figures', () => {
    // exact text from containerd 1.6 at 7,500 sandboxes (labs/runtime REPORT)
    const error = new CriError('ListPodSandbox', GrpcCode.RESOURCE_EXHAUSTED, 'grpc: trying to send message larger than max (17775539 vs. 16777216)');
    assert.ok(error instanceof NodeDoctorError);
    assert.ok(isSendLimitError(error));
    assert.deepEqual(error.sizeLimit, { side: 'runtime-send', size: 17775539, limit: 16777216 });
    assert.equal(error.reason, 'runtime-error');
    assert.ok(error.hint);
  });

  it('tells the client receive limit apart from the runtime send limit', () => {
    const error = new CriError('ListPodSandbox', GrpcCode.RESOURCE_EXHAUSTED, 'Received message larger than max (4736139 vs 4194304)');
    assert.equal(isSendLimitError(error), false);
    assert.deepEqual(error.sizeLimit, { side: 'client-receive', size: 4736139, limit: 4194304 });
  });

  it('keeps the runtime text verbatim and renders it the way kubelet logs it', () => {
    const details = 'failed to destroy network for sandbox "abc": failed to get network "cbr0" cached result: decoding version from network config: unexpected end of JSON input';
    const error = new CriError('StopPodSandbox', GrpcCode.UNKNOWN, details);
    assert.equal(error.details, details);
    assert.equal(error.method, 'StopPodSandbox');
    assert.equal(error.grpcText, `rpc error: code = Unknown desc = ${details}`);
    assert.equal(new CriError('StopPodSandbox', GrpcCode.DEADLINE_EXCEEDED, 'x').grpcText, 'rpc error: code = DeadlineExceeded desc = x');
    assert.equal(new CriError('StopPodSandbox', GrpcCode.CANCELLED, 'x').grpcText, 'rpc error: code = Canceled desc = x');
  });

  it('maps gRPC codes to error reasons', () => {
    assert.equal(new CriError('X', GrpcCode.NOT_FOUND, 'gone').reason, 'not-found');
    assert.ok(isNotFound(new CriError('X', GrpcCode.NOT_FOUND, 'gone')));
    assert.equal(new CriError('X', GrpcCode.DEADLINE_EXCEEDED, 'late').reason, 'timeout');
    assert.equal(new CriError('X', GrpcCode.UNAVAILABLE, 'no socket').reason, 'unreachable');
    assert.equal(new CriError('X', GrpcCode.CANCELLED, 'stop').reason, 'cancelled');
    assert.equal(new CriError('X', GrpcCode.PERMISSION_DENIED, 'no').reason, 'forbidden');
  });
});
