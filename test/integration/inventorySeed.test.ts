// The seed problem end to end on the real runtime, through the product's own layers only: a sandbox whose CNI cache
// file is corrupted cannot be stopped (containerd's exact error), inspectNode finds it, planRepairs + RepairExecutor
// fix it (backup, audit), and the runtime confirms the sandbox is gone. Harmless variants stay info.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GrpcCode, isNotFound } from '../../src/core/cri/criError';
import type { Inventory } from '../../src/core/inventory/types';
import { MemoryAuditSink } from '../../src/core/repair/audit';
import { planRepairs } from '../../src/core/repair/planner';
import { cacheFilePath, requireLab, runSandbox } from './support/lab';
import { inspectLab, labExecutor, stopError, useLabRuntime } from './support/labNode';

const seedError = (id: string, detail = 'unexpected end of JSON input'): string =>
  `failed to destroy network for sandbox "${id}": failed to get network "cbr0" cached result: decoding version from network config: ${detail}`;

describe('inventory and repair of a corrupt CNI cache file on a real containerd', function () {
  this.timeout(120_000);
  const runtime = useLabRuntime();
  // The lab seen as a node: its private /var/lib/cni through the holder's root, commands inside its mount namespace.
  const inspect = (): Promise<Inventory> => inspectLab(runtime.cri, { paths: 'node' });

  it('reproduces the seed error, finds the empty file, repairs it with a backup and an audit, and the sandbox is gone', async () => {
    const lab = requireLab();
    const id = await runSandbox({ name: 'seed', namespace: 'knd-inv' });
    const file = cacheFilePath(lab.network, id, 'eth0');
    fs.truncateSync(file, 0);
    const stop = await stopError(runtime.cri, id);
    assert.equal(stop.code, GrpcCode.UNKNOWN);
    assert.equal(stop.details, seedError(id));

    const inventory = await inspect();
    const name = path.basename(file);
    const finding = inventory.findings.find((f) => f.id === `cni-cache-corrupt:${name}`);
    assert.ok(finding, `finding for ${name} in ${inventory.findings.map((f) => f.id).join(', ')}`);
    assert.equal(finding.severity, 'error');
    assert.equal(finding.sandboxId, id);
    assert.equal(finding.repair, 'remove-cache-file-and-sandbox');
    assert.equal(inventory.sandboxes.find((s) => s.id === id)?.state, 'SANDBOX_NOTREADY');
    const entry = inventory.cniCache.find((e) => e.name === name);
    assert.equal(entry?.state, 'empty');
    assert.equal(entry?.readOnTeardown, 'yes');

    const plan = planRepairs(inventory, [finding.id], { cniBinDir: lab.cniBinDir, quarantineDir: path.join(lab.labDir, 'quarantine') });
    assert.ok(plan.steps.length >= 2, 'remove the file, then stop and remove the sandbox');
    assert.match(plan.steps.map((s) => s.manualCommand).join('\n'), new RegExp(`mv -n -- \\S*${name} `));

    const audit = new MemoryAuditSink();
    const report = await labExecutor(runtime.cri, audit).execute(plan);
    assert.ok(report.ok, JSON.stringify(report.results));
    assert.equal(fs.existsSync(file), false, 'the cache file is gone');
    await assert.rejects(runtime.cri.podSandboxStatus(id), (e: unknown) => isNotFound(e));
    const backups = report.results.map((r) => r.backup).filter((b) => b !== undefined);
    assert.equal(backups.length, 1);
    assert.equal(backups[0]?.size, 0);
    assert.ok(fs.existsSync(path.join(lab.hostRoot ?? '/', backups[0]?.quarantinePath ?? '/nonexistent')), 'the backup is kept on the node');
    assert.equal(audit.entries.length, 2 * plan.steps.length, 'intent and outcome of each step');
    assert.ok(audit.entries.every((e) => e.actor === 'integration-test' && e.result === (e.phase === 'intent' ? 'intended' : 'done')));

    const again = await labExecutor(runtime.cri, audit).execute(plan);
    assert.ok(again.results.every((r) => r.outcome === 'already-done'), 'a finished plan re-runs as already-done');
  });

  const variants: readonly [string, Buffer, string, string][] = [
    ['garbage', Buffer.from('garbage'), 'garbage', "invalid character 'g' looking for beginning of value"],
    ['1370 NUL bytes', Buffer.alloc(1370), 'nul-bytes', "invalid character '\\x00' looking for beginning of value"],
    ['the first half', Buffer.alloc(0), 'truncated', 'unexpected end of JSON input'],
  ];
  for (const [label, bytes, state, detail] of variants) {
    it(`flags a cache file holding ${label} as ${state} and the runtime fails with "${detail}"`, async () => {
      const lab = requireLab();
      const id = await runSandbox({ name: `variant-${state}`, namespace: 'knd-inv' });
      const file = cacheFilePath(lab.network, id, 'eth0');
      const content = state === 'truncated' ? fs.readFileSync(file).subarray(0, Math.floor(fs.statSync(file).size / 2)) : bytes;
      fs.writeFileSync(file, content);
      assert.equal((await stopError(runtime.cri, id)).details, seedError(id, detail));
      const inventory = await inspect();
      const finding = inventory.findings.find((f) => f.id === `cni-cache-corrupt:${path.basename(file)}`);
      assert.equal(finding?.severity, 'error');
      assert.equal(inventory.cniCache.find((e) => e.path.endsWith(path.basename(file)))?.state, state);
      fs.rmSync(file);
      await runtime.cri.stopPodSandbox(id);
      await runtime.cri.removePodSandbox(id);
    });
  }

  it('keeps "{}" and a 0-byte loopback file out of the alarms: the runtime stops the sandbox without error', async () => {
    const lab = requireLab();
    const id = await runSandbox({ name: 'harmless', namespace: 'knd-inv' });
    const eth0 = cacheFilePath(lab.network, id, 'eth0');
    const lo = cacheFilePath('cni-loopback', id, 'lo');
    fs.writeFileSync(eth0, '{}');
    fs.truncateSync(lo, 0);
    const inventory = await inspect();
    for (const file of [eth0, lo]) {
      const finding = inventory.findings.find((f) => f.path?.endsWith(path.basename(file)));
      assert.ok(finding === undefined || finding.severity === 'info', `${path.basename(file)}: ${finding?.severity}`);
      assert.equal(finding?.repair, undefined);
    }
    await runtime.cri.stopPodSandbox(id);
    await runtime.cri.removePodSandbox(id);
  });

  it('refuses a step whose file changed between plan and execution, and leaves the sandbox alone', async () => {
    const lab = requireLab();
    const id = await runSandbox({ name: 'changed', namespace: 'knd-inv' });
    const file = cacheFilePath(lab.network, id, 'eth0');
    fs.truncateSync(file, 0);
    await stopError(runtime.cri, id);
    const inventory = await inspect();
    const plan = planRepairs(inventory, [`cni-cache-corrupt:${path.basename(file)}`], { cniBinDir: lab.cniBinDir, quarantineDir: path.join(lab.labDir, 'quarantine') });
    fs.writeFileSync(file, 'garbage'); // someone else touched it meanwhile

    const report = await labExecutor(runtime.cri, new MemoryAuditSink()).execute(plan);
    assert.equal(report.ok, false);
    assert.equal(report.results[0]?.outcome, 'refused');
    assert.equal(report.results[0]?.reason, 'precondition-changed');
    assert.ok(report.results.slice(1).every((r) => r.outcome !== 'done'), 'nothing after a refused step acts on the sandbox');
    assert.equal(fs.readFileSync(file, 'utf8'), 'garbage', 'the file is untouched');
    assert.equal((await runtime.cri.podSandboxStatus(id)).state, 'SANDBOX_NOTREADY', 'the sandbox is still there');
  });
});
