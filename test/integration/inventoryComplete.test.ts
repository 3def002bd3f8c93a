// Issue 12 §1 on the real runtime: a containerd whose send cap is lowered to 256 KiB, 300 stopped sandboxes with
// 2 KiB annotations in namespaces that have no Ready sandbox (CronJob leftovers: no CNI cache files, their DEL removed
// them), plus the seed's Ready sandbox. Before discovery, `inspect` listed 3 of these 303 and called it complete.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isSendLimitError } from '../../src/core/cri/criError';
import { NodeDoctorError } from '../../src/core/errors';
import { listAllContainers } from '../../src/core/cri/listing';
import type { CriRuntime } from '../../src/core/cri/types';
import { incompleteText } from '../../src/core/inventory/completeness';
import { inspectNode } from '../../src/core/inventory/inspect';
import type { InspectOptions } from '../../src/core/inventory/inspect';
import type { Inventory } from '../../src/core/inventory/types';
import { cleanupAll, labCri, labEnv, removeSandboxUnderneath, repoRoot, requireLab, restartContainerd, runExitedContainer, runSandbox, sandboxCacheFiles } from './support/lab';
import { labNode } from './support/labNode';

const KIB = 1024;
const NAMESPACES = 6;
const STOPPED = 300;

/** The lab's real discovery paths (its containerd root and state, its kubelet-style pod log dir). */
function labDiscovery(): InspectOptions {
  const lab = requireLab();
  return { containerdRoot: path.join(lab.labDir, 'root'), containerdState: path.join(lab.labDir, 'state'), crioStorage: '', podLogDir: path.join(lab.labDir, 'pod-logs') };
}

function inspect(cri: CriRuntime, extra: InspectOptions = {}): Promise<Inventory> {
  const node = labNode();
  return inspectNode(node.access, cri, { cniCacheDir: node.cniCacheDir, cniConfDir: node.cniConfDir, endpoint: node.endpoint, ...labDiscovery(), ...extra });
}

async function pool(count: number, width: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => { while (next < count) await work(next++); }));
}

describe('an inventory that is complete, or says it is not (send cap 256 KiB, 300 stopped sandboxes)', function () {
  this.timeout(600_000);
  const fat = { 'knd.test/padding': 'x'.repeat(2 * KIB) };
  const stopped: string[] = [];
  let seed = '';
  let cri: CriRuntime;

  before(async function () {
    if (!labEnv()) this.skip();
    // Earlier files' pod log directories would add namespaces to split by; this file's scenario has only its own.
    const podLogs = path.join(requireLab().labDir, 'pod-logs');
    for (const name of fs.readdirSync(podLogs)) fs.rmSync(path.join(podLogs, name), { recursive: true, force: true });
    await cleanupAll();
    cri = labCri();
    seed = await runSandbox({ name: 'seed', namespace: 'knd-seed' });
    await pool(STOPPED, 4, async (i) => {
      // 30 CronJob pods (names repeat: each run of a job leaves a sandbox), 10 leftover sandboxes each.
      const id = await runSandbox({ name: `cron-${i % 30}`, namespace: `knd-cron-${i % NAMESPACES}`, uid: `cron-uid-${i}`, annotations: fat });
      await cri.stopPodSandbox(id);
      stopped.push(id);
    });
    cri.close();
    restartContainerd({ KND_GRPC_MAX_MSG: String(256 * KIB) });
    cri = labCri();
  });
  after(async () => {
    if (!labEnv()) return;
    cri?.close();
    restartContainerd({ KND_GRPC_MAX_MSG: String(16 * 1024 * 1024) });
    await cleanupAll();
  });

  it('is the issue\'s state: the runtime refuses the list, and the stopped sandboxes have no CNI cache files', async () => {
    const refused = await cri.listPodSandbox().then(() => undefined, (e: unknown) => e);
    assert.ok(isSendLimitError(refused), String(refused));
    assert.equal(refused.sizeLimit?.limit, 256 * KIB);
    assert.deepEqual(stopped.flatMap((id) => sandboxCacheFiles(id)), []);
    assert.ok(sandboxCacheFiles(seed).length > 0, 'the Ready seed sandbox has its files');
  });

  it('lists all 301 with the namespaces of the pod log directories, proven against the runtime\'s directories', async () => {
    const inv = await inspect(cri);
    assert.equal(inv.listStrategy.complete, true, JSON.stringify(inv.listStrategy.reasons));
    assert.deepEqual(inv.listStrategy.reasons, []);
    assert.equal(incompleteText(inv), undefined);
    assert.equal(inv.sandboxes.length, STOPPED + 1);
    assert.deepEqual(inv.sandboxes.map((s) => s.id).sort(), [seed, ...stopped].sort());
    assert.equal(inv.counts.readySandboxes, 1);
    assert.equal(inv.counts.notReadySandboxes, STOPPED);
    assert.equal(inv.listStrategy.sandboxes, 'by-label');
    assert.equal(inv.listStrategy.stream?.sandboxes, 'unimplemented', 'containerd 1.6 answers Unimplemented; the unary list is used');
    assert.equal(inv.discovery?.runtimeIdsKnown, true);
    assert.ok((inv.discovery?.sandboxIdsOnDisk ?? 0) >= STOPPED + 1);
    const size = inv.listSizes.find((s) => s.method === 'ListPodSandbox');
    assert.ok(size && size.items === STOPPED + 1 && size.bytes > 256 * KIB, `the payload comes from the complete set: ${JSON.stringify(size)}`);
    // The pile-up per pod counts every leftover, not those of the namespaces seen first.
    assert.equal(inv.counts.perPod.length, 30);
    assert.ok(inv.counts.perPod.every((p) => p.notReadySandboxes === 10 && p.sandboxes === 10), JSON.stringify(inv.counts.perPod.slice(0, 2)));
    const pile = inv.findings.filter((f) => f.id.startsWith('dead-objects-piling-up:knd-cron-'));
    assert.equal(pile.length, 30);
    assert.ok(pile.every((f) => f.count === 10));
    const stated = size.limits.find((l) => l.bytes === 256 * KIB);
    assert.equal(stated?.label, '256 KiB send cap this runtime stated');
    assert.ok((stated?.percent ?? 0) > 100);
  });

  it('lists all 301 one by one from the runtime\'s directories when no source names the namespaces', async () => {
    const inv = await inspect(cri, { podLogDir: '' });
    assert.equal(inv.listStrategy.complete, true, JSON.stringify(inv.listStrategy.reasons));
    assert.equal(inv.listStrategy.sandboxes, 'by-id');
    assert.equal(inv.listStrategy.lookups?.sandboxes, STOPPED);
    assert.equal(inv.sandboxes.length, STOPPED + 1);
    assert.equal(inv.counts.notReadySandboxes, STOPPED);
  });

  it('says it is incomplete, with the count, when more IDs are missing than the lookup bound', async () => {
    const inv = await inspect(cri, { podLogDir: '', maxIdLookups: 100 });
    assert.equal(inv.listStrategy.complete, false);
    const bound = inv.listStrategy.reasons?.find((r) => r.code === 'lookup-bound');
    assert.equal(bound?.count, STOPPED - 100);
    assert.equal(inv.sandboxes.length, 1 + 100);
    assert.match(incompleteText(inv) ?? '', /^inventory incomplete: 300 sandbox IDs found on disk were in no list answer; 100 were looked up one by one \(the bound\), 200 were not$/);
  });

  it('says it is incomplete when the runtime\'s directories are not where it looks (the state the issue found)', async () => {
    const inv = await inspect(cri, { podLogDir: '', containerdRoot: '/var/lib/rancher/k3s/agent/containerd', containerdState: '/run/k3s/containerd' });
    assert.equal(inv.sandboxes.length, 1, 'only the namespace of the Ready sandbox was known');
    assert.equal(inv.listStrategy.complete, false);
    assert.deepEqual(inv.listStrategy.reasons?.map((r) => r.code).slice(0, 1), ['no-runtime-dir']);
    assert.match(incompleteText(inv) ?? '', /^inventory incomplete: none of the runtime's directories was found \(\/var\/lib\/rancher\/k3s\/agent\/containerd\/io\.containerd\.grpc\.v1\.cri, \/run\/k3s\/containerd\/io\.containerd\.grpc\.v1\.cri\)/);
    const pile = inv.findings.filter((f) => f.category === 'cni-cache-orphaned');
    assert.deepEqual(pile, [], 'nothing is called leaked on an incomplete list');
  });

  it('prints "complete": true with 301 sandboxes from the built CLI, and "complete": false with the code when it cannot prove it', () => {
    const lab = requireLab();
    const cli = (extra: readonly string[]): Record<string, unknown> => {
      const r = spawnSync(process.execPath, [path.join(repoRoot(), 'dist/cli.js'), 'inspect', '--json', '--runtime-endpoint', lab.endpoint,
        '--cni-cache-dir', '/var/lib/cni', '--cni-conf-dir', lab.cniConfDir, ...(lab.hostRoot ? ['--host-root', lab.hostRoot] : []), ...extra], { encoding: 'utf8', timeout: 120_000 });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as Record<string, unknown>;
    };
    const paths = labDiscovery();
    const ok = cli(['--containerd-root', paths.containerdRoot ?? '', '--containerd-state', paths.containerdState ?? '', '--pod-log-dir', paths.podLogDir ?? '']);
    assert.equal(ok.complete, true);
    assert.deepEqual(ok.incomplete, []);
    assert.equal((ok.sandboxes as unknown[]).length, STOPPED + 1);
    const wrong = cli(['--containerd-root', '/var/lib/rancher/rke2/agent/containerd', '--containerd-state', '/run/k3s/containerd', '--pod-log-dir', 'off']);
    assert.equal(wrong.complete, false);
    assert.equal((wrong.incomplete as { code: string }[])[0]?.code, 'no-runtime-dir');
    assert.equal((wrong.sandboxes as unknown[]).length, 1);
  });

  it('says it is incomplete when a runtime directory cannot be read', async () => {
    const node = labNode();
    const denied = Object.create(node.access) as typeof node.access;
    const root = labDiscovery().containerdRoot ?? '';
    denied.listNames = async (dir: string, signal?: AbortSignal) => {
      if (dir.startsWith(root)) {
        throw new NodeDoctorError('forbidden', `Permission denied to list ${dir}.`);
      }
      return node.access.listNames(dir, signal);
    };
    const inv = await inspectNode(denied, cri, { cniCacheDir: node.cniCacheDir, cniConfDir: node.cniConfDir, ...labDiscovery(), podLogDir: '' });
    assert.equal(inv.listStrategy.complete, false);
    assert.equal(inv.listStrategy.reasons?.[0]?.code, 'runtime-dir-unreadable');
    assert.equal(inv.discovery?.sources.find((s) => s.source === 'containerd-root')?.status, 'unreadable');
  });
});

describe('orphan containers past the send cap', function () {
  this.timeout(300_000);
  let cri: CriRuntime;
  const jobs: string[] = [];
  let sandbox = '';

  before(async function () {
    if (!labEnv()) this.skip();
    await cleanupAll();
    cri = labCri();
    sandbox = await runSandbox({ name: 'orphaned', namespace: 'knd-orphans' });
    for (let i = 0; i < 30; i++) jobs.push(await runExitedContainer(sandbox, `job-${i}`, i % 3));
    cri.close();
    await removeSandboxUnderneath(sandbox);
    // Its CRI directory is still on disk after the removal underneath; take it away too (a sandbox gone for good),
    // so only the containers' own directories lead to them.
    const lab = requireLab();
    for (const base of ['root', 'state']) fs.rmSync(path.join(lab.labDir, base, 'io.containerd.grpc.v1.cri/sandboxes', sandbox), { recursive: true, force: true });
    restartContainerd({ KND_GRPC_MAX_MSG: String(8 * KIB) });
    cri = labCri();
  });
  after(async () => {
    if (!labEnv()) return;
    cri?.close();
    restartContainerd({ KND_GRPC_MAX_MSG: String(16 * 1024 * 1024) });
    await cleanupAll();
  });

  it('finds every orphan through the containers\' directories, complete', async () => {
    const refused = await cri.listContainers({ state: 'CONTAINER_EXITED' }).then(() => undefined, (e: unknown) => e);
    assert.ok(isSendLimitError(refused), 'even the EXITED part is over the cap');
    const inv = await inspect(cri);
    assert.equal(inv.listStrategy.complete, true, JSON.stringify(inv.listStrategy.reasons));
    assert.deepEqual(inv.containers.map((c) => c.id).sort(), [...jobs].sort());
    assert.ok(inv.containers.every((c) => c.sandboxId === sandbox));
    const orphans = inv.findings.filter((f) => f.rule === 'orphan-container');
    assert.equal(orphans.length, jobs.length);
  });

  it('without the runtime\'s directories the split cannot reach them, and says so', async () => {
    const listed = await listAllContainers(cri, []);
    assert.equal(listed.complete, false);
    assert.equal(listed.items.length, 0);
    assert.equal(listed.reasons[0]?.code, 'no-runtime-dir');
  });
});
