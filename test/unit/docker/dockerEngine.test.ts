import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { DockerEngine, DockerError } from '../../../src/core/docker/dockerEngine';
import { isDockerEndpoint } from '../../../src/core/docker/dockerRuntime';
import { NodeDoctorError } from '../../../src/core/errors';

/** An HTTP server on a unix socket answering like dockerd (for the routes a test gives). */
async function daemon(routes: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<{ socket: string; requests: string[]; close(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-fake-dockerd-'));
  const socket = path.join(dir, 'docker.sock');
  const requests: string[] = [];
  const server = http.createServer((req, res) => { requests.push(`${req.method} ${req.url}`); routes(req, res); });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return {
    socket, requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const ID = 'c'.repeat(64);

describe('Docker Engine API client', () => {
  it('sends label filters as the daemon\'s filters JSON and returns the answer with its size', async () => {
    const d = await daemon((_req, res) => { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end('[]'); });
    const engine = new DockerEngine({ socketPath: d.socket });
    try {
      const listed = await engine.listContainers({ labels: ['io.kubernetes.docker.type=podsandbox'] });
      assert.deepEqual(listed, { containers: [], bytes: 2 });
      assert.equal(d.requests[0], `GET /containers/json?all=1&filters=${encodeURIComponent('{"label":["io.kubernetes.docker.type=podsandbox"]}')}`);
    } finally {
      engine.close();
      await d.close();
    }
  });

  it('turns daemon errors into typed errors with the daemon\'s message: 404 not-found, 409 rejected', async () => {
    const d = await daemon((req, res) => {
      res.writeHead(req.method === 'DELETE' ? 409 : 404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ message: req.method === 'DELETE' ? 'You cannot remove a running container' : `No such container: ${ID}` }));
    });
    const engine = new DockerEngine({ socketPath: d.socket });
    try {
      await assert.rejects(engine.inspectContainer(ID), (e: unknown) => e instanceof DockerError && e.reason === 'not-found' && e.status === 404 && e.details === `No such container: ${ID}`);
      await assert.rejects(engine.removeContainer(ID), (e: unknown) => e instanceof DockerError && e.reason === 'rejected' && /running container/.test(e.message));
      await assert.rejects(engine.removeContainer('../x'), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'invalid-id');
    } finally {
      engine.close();
      await d.close();
    }
  });

  it('reports 304 on stop as not running, and lets the request outlast the stop timeout', async () => {
    const d = await daemon((_req, res) => { res.writeHead(304); res.end(); });
    const engine = new DockerEngine({ socketPath: d.socket, defaultTimeoutMs: 50 });
    try {
      assert.equal(await engine.stopContainer(ID, 10), 'not-running');
      assert.equal(d.requests[0], `POST /containers/${ID}/stop?t=10`);
    } finally {
      engine.close();
      await d.close();
    }
  });

  it('meets its deadline, its abort signal, a missing socket and a socket that is no Docker daemon', async () => {
    const d = await daemon((req, res) => {
      if (req.url === '/_ping') { res.writeHead(200); res.end('hello'); }
      // otherwise never answers
    });
    const engine = new DockerEngine({ socketPath: d.socket });
    try {
      await assert.rejects(engine.version({ timeoutMs: 100 }), (e: unknown) => e instanceof DockerError && e.reason === 'timeout');
      const abort = new AbortController();
      setTimeout(() => abort.abort(), 20);
      await assert.rejects(engine.version({ signal: abort.signal, timeoutMs: 5_000 }), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'cancelled');
      await assert.rejects(engine.ping(), (e: unknown) => e instanceof DockerError && e.reason === 'unreachable' && /not as a Docker daemon/.test(e.message));
      const missing = new DockerEngine({ socketPath: path.join(os.tmpdir(), 'knd-no-such-dir', 'docker.sock') });
      await assert.rejects(missing.ping(), (e: unknown) => e instanceof DockerError && e.reason === 'unreachable' && e.status === 0);
      missing.close();
    } finally {
      engine.close();
      await d.close();
    }
  });

  it('recognises Docker socket endpoints', () => {
    assert.equal(isDockerEndpoint('unix:///var/run/docker.sock'), true);
    assert.equal(isDockerEndpoint('unix:///run/user/1000/docker.sock'), true);
    assert.equal(isDockerEndpoint('unix:///var/run/cri-dockerd.sock'), false);
    assert.equal(isDockerEndpoint('unix:///run/containerd/containerd.sock'), false);
  });
});
