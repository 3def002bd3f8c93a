import * as assert from 'node:assert/strict';
import { NodeDoctorError, describeError } from '../../src/core/errors';
import { describeOpenFailure } from '../../src/core/bridge/podExec';
import { displayUrl, redact } from '../../src/core/redact';

const SECRET = 's3cr3t-VALUE-9f8e7d';

/** Hostile inputs: each holds SECRET somewhere a credential can hide. */
const HOSTILE: readonly string[] = [
  `token refresh failed: refresh_token=${SECRET}`,
  `https://admin:${SECRET}@k8s.example.com:6443`,
  `https://${SECRET}@k8s.example.com/`,
  `https://k8s.example.com:6443/?access_token=${SECRET}&x=1`,
  `GET /api?foo=1&token=${SECRET} failed`,
  `Authorization: Bearer ${SECRET}`,
  `authorization: basic ${SECRET}`,
  `Bearer ${SECRET}`,
  `{"apiVersion":"client.authentication.k8s.io/v1","status":{"token":"${SECRET}"}}`,
  `{"refresh_token": "${SECRET}", "id_token":"x"}`,
  `client-key-data: ${SECRET}`,
  `password=${SECRET}`,
  `PASSWORD: ${SECRET}`,
  `client_secret=${SECRET};`,
  `X-Amz-Signature=${SECRET}`,
  `-----BEGIN RSA PRIVATE KEY-----\nMIIE${SECRET}\n-----END RSA PRIVATE KEY-----`,
  `-----BEGIN EC PRIVATE KEY-----\n${SECRET} (cut off)`,
  `error: eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIke${SECRET}.sig${SECRET}`,
  `line one\napi_key: ${SECRET}\nline three`,
  `env AWS_SESSION_TOKEN=${SECRET} aws eks get-token`,
];

describe('redaction of credential material', () => {
  for (const input of HOSTILE) {
    it(`removes the secret from ${JSON.stringify(input.slice(0, 60))}`, () => {
      const out = redact(input);
      assert.ok(!out.includes(SECRET), out);
      assert.ok(out.includes('***'), out);
      assert.equal(redact(out), out, 'idempotent');
    });
  }

  it('keeps ordinary messages as they are', () => {
    for (const text of [
      'Cannot reach the API server of context "prod" (ECONNREFUSED).',
      'The bridge pod kube-system/knd-bridge-n1-abc on node n1 was deleted while in use.',
      'token refresh failed',
      'failed to destroy network for sandbox "4f0c2b1e": plugin type="bridge" name="cbr0" failed (delete): invalid character',
      'https://k8s.example.com:6443',
      'sandbox 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    ]) assert.equal(redact(text), text);
  });

  it('shows server URLs without user information, query or fragment', () => {
    assert.equal(displayUrl(`https://admin:${SECRET}@k8s.example.com:6443`), 'https://***@k8s.example.com:6443');
    assert.equal(displayUrl(`https://k8s.example.com:6443/?access_token=${SECRET}`), 'https://k8s.example.com:6443?***');
    assert.equal(displayUrl('https://k8s.example.com:6443/prefix/'), 'https://k8s.example.com:6443/prefix/');
    assert.equal(displayUrl('https://k8s.example.com'), 'https://k8s.example.com');
    assert.equal(displayUrl(undefined), undefined);
    assert.ok(!displayUrl(`not a url token=${SECRET}`)?.includes(SECRET));
  });

  it('describeError (what the CLI and the extension print) redacts', () => {
    assert.ok(!describeError(new NodeDoctorError('unreachable', `failed: refresh_token=${SECRET}`)).includes(SECRET));
    assert.ok(!describeError(`https://u:${SECRET}@h`).includes(SECRET));
  });

  it('describes an exec stream that could not open without the auth plugin\'s stderr', () => {
    const plugin = new Error(`token refresh failed: refresh_token=${SECRET}\nsome other line ${SECRET}`);
    const text = describeOpenFailure(plugin);
    assert.ok(!text.includes(SECRET) && !text.includes('refresh_token'), text);
    assert.match(text, /credentials, auth plugin or TLS settings failed/);
    assert.equal(describeOpenFailure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })), 'connection failed (ECONNREFUSED)');
    assert.equal(describeOpenFailure(new Error('Unexpected server response: 403')), 'the API server answered 403');
  });
});
