// Repairs of what a sandbox removed underneath the runtime leaves behind (runtime lab, "Orphan scenario"): after a
// containerd restart its containers are orphans and its cache files, netns, veth and host-local IP leak. The plan
// releases the network with the CNI DEL built from the cache file's own contents and removes the orphan containers.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isNotFound } from '../../src/core/cri/criError';
import type { Inventory } from '../../src/core/inventory/types';
import { MemoryAuditSink } from '../../src/core/repair/audit';
import { planSelection } from '../../src/core/repair/selection';
import { cacheFilePath, requireLab, runExitedContainer, runSandbox } from './support/lab';
import { inspectLab, labExecutor, labNode, reservedIps, useLabRuntime } from './support/labNode';

describe('repair of orphans left by a sandbox removed underneath a real containerd', function () {
  this.timeout(180_000);
  const runtime = useLabRuntime();
  const inspect = (): Promise<Inventory> => inspectLab(runtime.cri, { paths: 'node' });

  it('releases the leaked IP with the CNI DEL from the cache file, removes the orphan container, and re-runs as already done', async () => {
    const lab = requireLab();
    const id = await runSandbox({ name: 'orphaned', namespace: 'knd-repair' });
    const job = await runExitedContainer(id, 'job', 2);
    const eth0 = cacheFilePath(lab.network, id, 'eth0');
    assert.equal(reservedIps(id).length, 1, 'host-local reserved one IP for the sandbox');
    await runtime.removeSandboxUnderneath(id);

    const inventory = await inspect();
    const wanted = [`cni-cache-orphaned:${id}`, `runtime-object-missing:${job}`];
    for (const id of wanted) assert.ok(inventory.findings.some((f) => f.id === id), `${id} in ${inventory.findings.map((f) => f.id).join(', ')}`);

    const { plan } = await planSelection(labNode('node').access, inventory, { kind: 'findings', findingIds: wanted }, { cniBinDir: lab.cniBinDir, quarantineDir: path.join(lab.labDir, 'quarantine') });
    assert.ok(plan);
    assert.ok(plan.steps.some((s) => s.action.kind === 'cni-del'), 'a CNI DEL step');
    assert.ok(plan.steps.some((s) => s.action.kind === 'remove-container'), 'an orphan container step');
    const del = plan.steps.find((s) => s.action.kind === 'cni-del' && s.object.includes(path.basename(eth0)));
    assert.match(del?.manualCommand ?? '', /CNI_COMMAND=DEL/);

    const audit = new MemoryAuditSink();
    const executor = labExecutor(runtime.cri, audit);
    const report = await executor.execute(plan);
    assert.ok(report.ok, JSON.stringify(report.results, null, 1));
    assert.deepEqual(reservedIps(id), [], 'host-local released the IP');
    assert.equal(fs.existsSync(eth0), false, 'the cache file is gone');
    await assert.rejects(runtime.cri.containerStatus(job), (e: unknown) => isNotFound(e));
    assert.ok(report.results.filter((r) => r.backup).length >= 1, 'the cache files were backed up before removal');
    assert.ok(audit.entries.every((e) => (e.phase === 'intent' ? e.result === 'intended' : e.result === 'done')));
    assert.ok(report.results.filter((r) => r.backup).every((r) => (r.backup?.released === true) === (path.basename(r.backup?.original ?? '') === path.basename(eth0))), 'the released network\'s file is marked so Undo leaves it in quarantine; the loopback file is not');

    const again = await executor.execute(plan);
    assert.ok(again.results.every((r) => r.outcome === 'already-done'), JSON.stringify(again.results.map((r) => r.outcome)));
    const after = await inspect();
    assert.equal(after.findings.filter((f) => wanted.includes(f.id)).length, 0, 'nothing left to find');
  });
});
