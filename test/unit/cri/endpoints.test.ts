import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { WELL_KNOWN_ENDPOINTS, discoverEndpoint, socketPath } from '../../../src/core/cri/endpoints';
import { LocalNodeAccess } from '../../../src/core/node/localNodeAccess';

/** A host root with real unix sockets listening at the given node paths. */
async function fakeHost(socketPaths: readonly string[]): Promise<{ root: string; close: () => void }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-host-'));
  const servers: net.Server[] = [];
  for (const p of socketPaths) {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(root, p), resolve));
    servers.push(server);
  }
  return { root, close: () => { for (const s of servers) s.close(); fs.rmSync(root, { recursive: true, force: true }); } };
}

describe('CRI endpoint discovery', () => {
  it('knows the sockets of containerd, CRI-O, cri-dockerd, k3s/RKE2, MicroK8s, k0s and Talos', () => {
    const paths = WELL_KNOWN_ENDPOINTS.map((e) => e.path);
    for (const p of [
      '/run/containerd/containerd.sock', '/var/run/crio/crio.sock', '/var/run/cri-dockerd.sock', '/run/k3s/containerd/containerd.sock',
      '/var/snap/microk8s/common/run/containerd.sock', '/run/k0s/containerd.sock', '/system/run/containerd/containerd.sock',
    ]) assert.ok(paths.includes(p), p);
  });

  it('finds the k3s socket under a host root and ignores a regular file at a well-known path', async () => {
    const host = await fakeHost(['/run/k3s/containerd/containerd.sock']);
    try {
      fs.mkdirSync(path.join(host.root, 'run/containerd'), { recursive: true });
      fs.writeFileSync(path.join(host.root, 'run/containerd/containerd.sock'), 'not a socket');
      const found = await discoverEndpoint(new LocalNodeAccess({ hostRoot: host.root }));
      assert.deepEqual(found, { endpoint: 'unix:///run/k3s/containerd/containerd.sock', runtime: 'containerd (k3s, RKE2)' });
    } finally {
      host.close();
    }
  });

  it('prefers containerd when several runtimes are present, and the override over everything', async () => {
    const host = await fakeHost(['/var/run/crio/crio.sock', '/run/containerd/containerd.sock']);
    try {
      const access = new LocalNodeAccess({ hostRoot: host.root });
      assert.equal((await discoverEndpoint(access))?.endpoint, 'unix:///run/containerd/containerd.sock');
      assert.deepEqual(await discoverEndpoint(access, 'unix:///custom/cri.sock'), { endpoint: 'unix:///custom/cri.sock', runtime: 'configured' });
    } finally {
      host.close();
    }
  });

  it('finds the CRI-O socket through the host\'s /var/run -> /run symlink', async () => {
    const host = await fakeHost(['/run/crio/crio.sock']);
    try {
      fs.mkdirSync(path.join(host.root, 'var'), { recursive: true });
      fs.symlinkSync('/run', path.join(host.root, 'var/run'));
      assert.deepEqual(await discoverEndpoint(new LocalNodeAccess({ hostRoot: host.root })), { endpoint: 'unix:///var/run/crio/crio.sock', runtime: 'CRI-O' });
    } finally {
      host.close();
    }
  });

  it('finds nothing on a host without a runtime', async () => {
    const host = await fakeHost([]);
    try {
      assert.equal(await discoverEndpoint(new LocalNodeAccess({ hostRoot: host.root })), undefined);
    } finally {
      host.close();
    }
  });

  it('reads the socket path of a unix endpoint only', () => {
    assert.equal(socketPath('unix:///run/containerd/containerd.sock'), '/run/containerd/containerd.sock');
    assert.equal(socketPath('127.0.0.1:1234'), undefined);
  });
});
