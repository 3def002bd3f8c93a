import * as assert from 'node:assert/strict';
import { CriError } from '../../src/core/cri/criError';
import { isNodeDoctorError, NodeDoctorError } from '../../src/core/errors';

describe('NodeDoctorError across bundles', () => {
  it('recognises an error built by another copy of the class (the lazily loaded engine bundle) by its brand', () => {
    const foreign = Object.defineProperty(new Error('from the engine bundle'), Symbol.for('kube-node-doctor.error'), { value: true });
    assert.ok(foreign instanceof NodeDoctorError);
    assert.ok(isNodeDoctorError(foreign));
    assert.ok(!(new Error('plain') instanceof NodeDoctorError));
  });

  it('keeps the ordinary prototype check for subclasses', () => {
    const plain = new NodeDoctorError('timeout', 'slow');
    assert.ok(plain instanceof NodeDoctorError);
    assert.ok(!(plain instanceof CriError), 'a NodeDoctorError is not a CriError');
  });
});
