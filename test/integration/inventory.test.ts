import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { CriError } from '../../src/core/cri/criError';
import type { Inventory } from '../../src/core/inventory/types';
import { cacheFilePath, cleanupAll, runExitedContainer, runSandbox } from './support/lab';
import { inspectLab, useLabRuntime } from './support/labNode';

describe('inventory of a real containerd node', function () {
  this.timeout(120_000);
  const runtime = useLabRuntime();
  // Cache paths as the lab's own directory: entries and findings compare directly with cacheFilePath().
  const inspect = (extra: { perPodThreshold?: number } = {}): Promise<Inventory> => inspectLab(runtime.cri, { paths: 'host', ...extra });

  it('flags a 0-byte cache file whose sandbox is NotReady as the seed failure the runtime will hit', async () => {
    const id = await runSandbox({ name: 'inv-seed', namespace: 'knd-inv' });
    const file = cacheFilePath('cbr0', id, 'eth0');
    fs.truncateSync(file, 0);
    const stop = await runtime.cri.stopPodSandbox(id).then(() => undefined, (e: unknown) => e);
    assert.ok(stop instanceof CriError);
    assert.equal(stop.details, `failed to destroy network for sandbox "${id}": failed to get network "cbr0" cached result: decoding version from network config: unexpected end of JSON input`);

    const inv = await inspect();
    const sandbox = inv.sandboxes.find((s) => s.id === id);
    assert.equal(sandbox?.state, 'SANDBOX_NOTREADY');
    assert.equal(sandbox?.namespace, 'knd-inv');
    const entry = inv.cniCache.find((e) => e.path === file);
    assert.equal(entry?.state, 'empty');
    assert.equal(entry?.readOnTeardown, 'yes');
    assert.equal(entry?.sandboxId, id);
    const finding = inv.findings.find((f) => f.id === `cni-cache-corrupt:cbr0-${id}-eth0`);
    assert.ok(finding, JSON.stringify(inv.findings.map((f) => f.id)));
    assert.equal(finding.category, 'cni-cache-corrupt');
    assert.equal(finding.rule, 'cni-cache-empty');
    assert.equal(finding.severity, 'error');
    assert.equal(finding.repair, 'remove-cache-file-and-sandbox');
    assert.equal(finding.sandboxId, id);
    assert.equal(inv.findings.filter((f) => f.sandboxId === id).length, 1, 'only the bad file is a finding');
    assert.equal(inv.listStrategy.sandboxes, 'single-list');
  });

  it('classifies garbage, NUL-filled, truncated and whitespace files, and calls an empty loopback file harmless', async () => {
    const variants: [string, (original: Buffer) => Buffer, string][] = [
      ['inv-garbage', () => Buffer.from('garbage'), 'garbage'],
      ['inv-nul', () => Buffer.alloc(1370), 'nul-bytes'],
      ['inv-trunc', (o) => o.subarray(0, Math.floor(o.length / 2)), 'truncated'],
      ['inv-ws', () => Buffer.from('\n'), 'whitespace'],
      ['inv-empty-obj', () => Buffer.from('{}'), 'not-cache-v1'],
    ];
    const ids: string[] = [];
    for (const [name, corrupt] of variants) {
      const id = await runSandbox({ name, namespace: 'knd-inv' });
      const file = cacheFilePath('cbr0', id, 'eth0');
      fs.writeFileSync(file, corrupt(fs.readFileSync(file)));
      ids.push(id);
    }
    const lo = await runSandbox({ name: 'inv-lo', namespace: 'knd-inv' });
    fs.truncateSync(cacheFilePath('cni-loopback', lo, 'lo'), 0);

    const inv = await inspect();
    variants.forEach(([, , state], i) => {
      const f = inv.findings.find((x) => x.id === `cni-cache-corrupt:cbr0-${ids[i]}-eth0`);
      assert.equal(f?.state, state);
      const harmless = state === 'not-cache-v1';
      assert.equal(f?.severity, harmless ? 'info' : 'warning', `${state} of a Ready sandbox`);
      assert.equal(f?.repair, harmless ? undefined : 'remove-cache-file-and-sandbox');
    });
    const loFinding = inv.findings.find((x) => x.id === `cni-cache-corrupt:cni-loopback-${lo}-lo`);
    assert.equal(loFinding?.severity, 'info');
    assert.equal(loFinding?.repair, undefined);
    assert.equal(inv.cniCache.find((e) => e.sandboxId === lo && e.ifName === 'lo')?.readOnTeardown, 'no');
  });

  it('finds the orphan container and the leaked cache files of a sandbox removed underneath the runtime', async () => {
    await cleanupAll();
    const id = await runSandbox({ name: 'inv-orphan', namespace: 'knd-inv' });
    const job = await runExitedContainer(id, 'job', 1);
    await runtime.removeSandboxUnderneath(id);

    const inv = await inspect();
    assert.equal(inv.sandboxes.some((s) => s.id === id), false);
    const orphan = inv.findings.find((f) => f.id === `runtime-object-missing:${job}`);
    assert.equal(orphan?.rule, 'orphan-container');
    assert.equal(orphan?.repair, 'remove-orphan-containers');
    assert.equal(orphan?.sandboxId, id);
    const leaked = inv.findings.filter((f) => f.category === 'cni-cache-orphaned' && f.sandboxId === id);
    assert.deepEqual(leaked.map((f) => f.id), [`cni-cache-orphaned:${id}`], 'one finding for the vanished sandbox, not one per file (loopback included)');
    assert.equal(leaked[0].repair, 'release-leaked-ips');
    assert.ok(leaked[0].path?.endsWith(`-${id}-eth0`), 'it names the network file, not the loopback one');
    assert.match(leaked[0].ips?.[0] ?? '', /^10\.244\.\d+\.\d+\/\d+$/);
    const container = inv.containers.find((c) => c.id === job);
    assert.equal(container?.exitCode, 1, 'ContainerStatus of exited containers is read');
  });

  it('counts dead objects per pod and in total, with several sandboxes for the same pod name', async () => {
    await cleanupAll();
    const sandboxes: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = await runSandbox({ name: 'inv-pile', namespace: 'knd-inv', uid: `pile-uid-${i}` });
      await runExitedContainer(id, 'app', 2);
      await runtime.cri.stopPodSandbox(id);
      sandboxes.push(id);
    }
    const inv = await inspect({ perPodThreshold: 4 });
    const pod = inv.counts.perPod.find((p) => p.pod === 'knd-inv/inv-pile');
    assert.deepEqual(pod, { pod: 'knd-inv/inv-pile', sandboxes: 3, notReadySandboxes: 3, exitedContainers: 3 });
    const pile = inv.findings.find((f) => f.id === 'dead-objects-piling-up:knd-inv/inv-pile');
    assert.equal(pile?.count, 6);
    assert.equal(pile?.repair, 'prune-dead-objects');
    const size = inv.listSizes.find((s) => s.method === 'ListPodSandbox');
    assert.ok(size && size.bytes > 3 * 200 && size.items === 3, JSON.stringify(size));
  });
});
