import * as assert from 'node:assert/strict';
import { createCriClient } from '../../src/core/cri/criClient';
import { LocalNodeAccess } from '../../src/core/node/localNodeAccess';
import { cleanupAll, labCri, labEnv, runSandbox } from './support/lab';

describe('local node access to the real test runtime', function () {
  this.timeout(60_000);
  let sandboxId: string;

  before(async function () {
    const lab = labEnv();
    if (!lab) this.skip();
    if (!lab.hostRoot || !lab.mountNsPid) this.skip(); // lab started with KND_PRIVATE_RESULTS=0: no private mount namespace
    await cleanupAll();
    sandboxId = await runSandbox({ name: 'node-view', namespace: 'knd-node' });
  });
  after(async () => {
    if (labEnv()) await cleanupAll();
  });

  function nodeView(): LocalNodeAccess {
    const lab = labEnv();
    assert.ok(lab?.hostRoot && lab.mountNsPid);
    return new LocalNodeAccess({ hostRoot: lab.hostRoot, runPrefix: ['nsenter', '-t', String(lab.mountNsPid), '-m', '--'] });
  }

  it('sees the lab as a node: its private /var/lib/cni/results holds the sandbox cache files', async () => {
    const entries = await nodeView().listDir('/var/lib/cni/results');
    const names = (entries ?? []).filter((e) => e.name.includes(sandboxId)).map((e) => e.name);
    assert.deepEqual(names, [`cbr0-${sandboxId}-eth0`, `cni-loopback-${sandboxId}-lo`]);
    const cached = JSON.parse((await nodeView().readFile(`/var/lib/cni/results/cbr0-${sandboxId}-eth0`, 64 * 1024)).toString()) as { kind: string; containerId: string };
    assert.deepEqual([cached.kind, cached.containerId], ['cniCacheV1', sandboxId]);
  });

  it('opens the CRI socket through the host root', async () => {
    const lab = labEnv();
    assert.ok(lab);
    const lease = await nodeView().openCriEndpoint(lab.endpoint);
    const cri = createCriClient(lease.address);
    try {
      assert.equal((await cri.version()).runtimeName, 'containerd');
    } finally {
      cri.close();
      await lease.close();
    }
  });

  it('reaches the pod network namespace from the lab namespace and from the host alike (netns mounts propagate out)', async () => {
    const cri = labCri();
    const status = await cri.podSandboxStatus(sandboxId).finally(() => cri.close());
    const netns = status.networkNamespacePath;
    assert.ok(netns && status.ip);
    const argv = ['nsenter', `--net=${netns}`, 'ip', '-o', '-4', 'addr', 'show', 'dev', 'eth0'];
    for (const access of [nodeView(), new LocalNodeAccess()]) {
      const shown = await access.run(argv, { timeoutMs: 10_000 });
      assert.equal(shown.exitCode, 0, `${access.description}: ${shown.stderr.toString()}`);
      assert.match(shown.stdout.toString(), new RegExp(`inet ${status.ip.replace(/\./g, '\\.')}/`));
      const fsType = await access.run(['stat', '-f', '-c', '%T', netns], { timeoutMs: 10_000 });
      assert.equal(fsType.stdout.toString().trim(), 'nsfs');
    }
  });

  it('keeps the host /var/lib/cni out of it: the lab cache is not mounted there', async () => {
    const host = await new LocalNodeAccess().listDir('/var/lib/cni/results');
    assert.ok(!(host ?? []).some((e) => e.name.includes(sandboxId)), 'no cache file of the lab in the host /var/lib/cni');
  });
});
