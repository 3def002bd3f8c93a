import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalNodeAccess } from '../../../src/core/node/localNodeAccess';

const reasonOf = (e: unknown): string | undefined => (e as { reason?: string }).reason;

describe('local node access', () => {
  let root: string;
  let access: LocalNodeAccess;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-node-'));
    fs.mkdirSync(path.join(root, 'var/lib/cni/results'), { recursive: true });
    fs.writeFileSync(path.join(root, 'var/lib/cni/results/cbr0-' + 'a'.repeat(64) + '-eth0'), '');
    fs.writeFileSync(path.join(root, 'var/lib/cni/results/cni-loopback-' + 'a'.repeat(64) + '-lo'), '{"kind":"cniCacheV1"}');
    access = new LocalNodeAccess({ hostRoot: root, maxOutputBytes: 1000 });
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('maps node-absolute paths under the host root and reports them node-absolute', async () => {
    const entries = await access.listDir('/var/lib/cni/results');
    assert.deepEqual(entries?.map((e) => [e.path, e.size, e.isFile]), [
      [`/var/lib/cni/results/cbr0-${'a'.repeat(64)}-eth0`, 0, true],
      [`/var/lib/cni/results/cni-loopback-${'a'.repeat(64)}-lo`, 21, true],
    ]);
    assert.equal(access.hostPath('/var/lib/cni'), path.join(root, 'var/lib/cni'));
    assert.equal(await access.listDir('/var/lib/nothing'), undefined);
    assert.equal(await access.stat('/var/lib/nothing'), undefined);
  });

  it('lists only the names of a directory under the host root, sorted, and undefined when it is missing', async () => {
    fs.mkdirSync(path.join(root, 'var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes', 'b'.repeat(64)), { recursive: true });
    fs.mkdirSync(path.join(root, 'var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes', 'a'.repeat(64)), { recursive: true });
    assert.deepEqual(await access.listNames('/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes'), ['a'.repeat(64), 'b'.repeat(64)]);
    assert.equal(await access.listNames('/var/lib/containerd/io.containerd.grpc.v1.cri/containers'), undefined);
  });

  it('refuses relative paths and .. escapes from the host root', async () => {
    await assert.rejects(access.stat('var/lib'), (e: unknown) => reasonOf(e) === 'bad-input');
    await assert.rejects(access.readFile('/var/../../etc/passwd', 100), (e: unknown) => reasonOf(e) === 'bad-input');
    assert.throws(() => access.hostPath('/../etc'), (e: unknown) => reasonOf(e) === 'bad-input');
  });

  it('reads a bounded amount and refuses a larger file', async () => {
    const file = `/var/lib/cni/results/cni-loopback-${'a'.repeat(64)}-lo`;
    assert.equal((await access.readFile(file, 21)).toString(), '{"kind":"cniCacheV1"}');
    await assert.rejects(access.readFile(file, 20), (e: unknown) => reasonOf(e) === 'bad-input');
    await assert.rejects(access.readFile('/missing', 20), (e: unknown) => reasonOf(e) === 'not-found');
  });

  it('reads many small files in one call, leaving out missing, oversized and symlinked ones', async () => {
    const dir = path.join(root, 'var/lib/cni/results');
    fs.writeFileSync(path.join(dir, 'big'), 'x'.repeat(100));
    fs.symlinkSync('/etc/hostname', path.join(dir, 'link'));
    const names = [`cbr0-${'a'.repeat(64)}-eth0`, `cni-loopback-${'a'.repeat(64)}-lo`, 'big', 'link', 'gone'];
    const read = await access.readSmallFiles('/var/lib/cni/results', names, 50);
    assert.deepEqual(read.map((b) => b?.toString()), ['', '{"kind":"cniCacheV1"}', undefined, undefined, undefined]);
    await assert.rejects(access.readSmallFiles('/var/lib/cni/results', ['../x'], 50), (e: unknown) => reasonOf(e) === 'bad-input');
  });

  it('writes without overwriting, moves and removes (idempotently)', async () => {
    await access.makeDir('/var/lib/knd/quarantine', 0o700);
    await access.writeFile('/var/lib/knd/quarantine/x', Buffer.from('one'), 0o600);
    await assert.rejects(access.writeFile('/var/lib/knd/quarantine/x', Buffer.from('two'), 0o600), (e: unknown) => reasonOf(e) === 'precondition-changed');
    assert.equal(fs.statSync(path.join(root, 'var/lib/knd/quarantine/x')).mode & 0o777, 0o600);
    await access.moveFile('/var/lib/knd/quarantine/x', '/var/lib/knd/y');
    assert.equal(fs.readFileSync(path.join(root, 'var/lib/knd/y'), 'utf8'), 'one');
    await access.removeFile('/var/lib/knd/y');
    await access.removeFile('/var/lib/knd/y');
    assert.equal(fs.existsSync(path.join(root, 'var/lib/knd/y')), false);
  });

  it('runs an argv without a shell and returns exit code and output', async () => {
    const result = await access.run(['sh', '-c', 'printf "%s" "$1"; echo err >&2; exit 3', 'sh', 'a; rm -rf /'], { timeoutMs: 5000 });
    assert.deepEqual([result.exitCode, result.stdout.toString(), result.stderr.toString()], [3, 'a; rm -rf /', 'err\n']);
  });

  it('bounds the output it keeps', async () => {
    const result = await access.run(['head', '-c', '100000', '/dev/zero'], { timeoutMs: 5000 });
    assert.equal(result.stdout.length, 1000);
    assert.equal(result.exitCode, 0);
  });

  it('kills a command at its timeout and on abort', async () => {
    await assert.rejects(access.run(['sleep', '10'], { timeoutMs: 100 }), (e: unknown) => reasonOf(e) === 'timeout');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(access.run(['sleep', '10'], { timeoutMs: 5000, signal: controller.signal }), (e: unknown) => reasonOf(e) === 'cancelled');
  });

  it('puts the configured prefix in front of every command', async () => {
    const prefixed = new LocalNodeAccess({ runPrefix: ['env', 'KND_PREFIXED=1'] });
    const result = await prefixed.run(['sh', '-c', 'echo $KND_PREFIXED'], { timeoutMs: 5000 });
    assert.equal(result.stdout.toString(), '1\n');
  });

  it('opens the CRI socket under the host root and refuses a missing one', async () => {
    fs.mkdirSync(path.join(root, 'run/containerd'), { recursive: true });
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(root, 'run/containerd/containerd.sock'), resolve));
    try {
      const lease = await access.openCriEndpoint('unix:///run/containerd/containerd.sock');
      assert.equal(lease.address, `unix://${path.join(root, 'run/containerd/containerd.sock')}`);
      await lease.close();
      await assert.rejects(access.openCriEndpoint('unix:///run/crio/crio.sock'), (e: unknown) => reasonOf(e) === 'unreachable');
      await assert.rejects(access.openCriEndpoint('tcp://1.2.3.4:1'), (e: unknown) => reasonOf(e) === 'bad-input');
    } finally {
      server.close();
    }
  });

  it('follows absolute symlinks in directories under the host root, as the node would, never into this machine', async () => {
    // most hosts have /var/run -> /run; in a debug pod the target must be /host/run, not the pod's own /run
    fs.mkdirSync(path.join(root, 'run/crio'), { recursive: true });
    fs.writeFileSync(path.join(root, 'run/crio/marker'), 'node');
    fs.symlinkSync('/run', path.join(root, 'var/run'));
    assert.equal((await access.readFile('/var/run/crio/marker', 100)).toString(), 'node');
    assert.deepEqual((await access.listDir('/var/run/crio'))?.map((e) => e.path), ['/var/run/crio/marker']);
    // a link to /etc reads the node's /etc under the root (absent here), never the local /etc/passwd
    fs.symlinkSync('/etc', path.join(root, 'var/lib/evil'));
    await assert.rejects(access.readFile('/var/lib/evil/passwd', 100_000), (e: unknown) => reasonOf(e) === 'not-found');
    fs.symlinkSync('../../../../../../etc', path.join(root, 'var/lib/up'));
    await assert.rejects(access.readFile('/var/lib/up/passwd', 100_000), (e: unknown) => reasonOf(e) === 'not-found');
  });

  it('does not read through a symlink as the final component', async () => {
    fs.symlinkSync(`cni-loopback-${'a'.repeat(64)}-lo`, path.join(root, 'var/lib/cni/results/link'));
    await assert.rejects(access.readFile('/var/lib/cni/results/link', 100), (e: unknown) => reasonOf(e) === 'bad-input');
  });

  it('stops before starting when the signal has already fired', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(access.listDir('/var/lib/cni/results', controller.signal), (e: unknown) => reasonOf(e) === 'cancelled');
  });
});
