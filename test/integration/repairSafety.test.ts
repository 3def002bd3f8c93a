// Issue 12 §3–§4 on the real runtime: one plan whatever the path (CLI, tree selection, report), printed commands that
// run exactly what they show, and a repair that never acts without a record nor on what changed since its re-check.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inspectNode } from '../../src/core/inventory/inspect';
import type { Inventory } from '../../src/core/inventory/types';
import { LocalNodeAccess } from '../../src/core/node/localNodeAccess';
import type { NodeAccess } from '../../src/core/node/nodeAccess';
import { MemoryAuditSink } from '../../src/core/repair/audit';
import { RepairExecutor } from '../../src/core/repair/executor';
import { planSelection } from '../../src/core/repair/selection';
import type { RepairPlan } from '../../src/core/repair/types';
import { NodeDoctor } from '../../src/core/session/nodeDoctor';
import { manualCommandsText, selectFindings } from '../../src/ui/commands/repairText';
import type { TreeElement } from '../../src/ui/tree/treeModel';
import { cacheFilePath, labCri, repoRoot, requireLab, runSandbox } from './support/lab';
import { inspectLab, labNode, useLabRuntime } from './support/labNode';

interface Run { readonly code: number; readonly stdout: string; readonly stderr: string }

function cli(args: readonly string[], wrap: readonly string[] = []): Run {
  const lab = requireLab();
  // The lab's cache seen as the node sees it (as the extension's engine below names it).
  const nodeFlags = ['--runtime-endpoint', lab.endpoint, '--cni-cache-dir', lab.hostRoot ? '/var/lib/cni' : lab.cniCacheDir, '--cni-conf-dir', lab.cniConfDir, '--cni-bin-dir', lab.cniBinDir];
  if (lab.hostRoot) nodeFlags.push('--host-root', lab.hostRoot);
  const argv = [...wrap, process.execPath, path.join(repoRoot(), 'dist/cli.js'), ...args, ...nodeFlags];
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A plan's steps without what depends on when it was made (the backup name's time stamp). */
function essence(plan: RepairPlan): string[] {
  const stamp = /\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z-/g;
  return plan.steps.map((s) => `${s.id} ${s.findingId} ${s.object} | ${s.title} | ${s.manualCommand.replace(stamp, '<stamp>-')}`);
}

/** A sandbox left NotReady by an empty primary cache file and a NUL-filled Multus one (macvlan-net1/net1). */
async function twoBadFiles(name: string): Promise<{ id: string; primary: string; multus: string }> {
  const id = await runSandbox({ name, namespace: 'knd-safety' });
  const primary = cacheFilePath('cbr0', id, 'eth0');
  const multus = cacheFilePath('macvlan-net1', id, 'net1');
  fs.truncateSync(primary, 0);
  fs.writeFileSync(multus, Buffer.alloc(2048), { mode: 0o600 });
  const runtime = labCri();
  try {
    await runtime.stopPodSandbox(id).catch(() => undefined);
    assert.equal((await runtime.podSandboxStatus(id)).state, 'SANDBOX_NOTREADY');
  } finally {
    runtime.close();
  }
  return { id, primary, multus };
}

/** Writes an executable stand-in that appends its name, argv, CNI_* env and stdin to `log` and prints nothing else. */
function standIn(dir: string, name: string, log: string): void {
  fs.writeFileSync(path.join(dir, name), `#!/bin/sh\n{ printf '%s' ${JSON.stringify(name)}; for a in "$@"; do printf ' [%s]' "$a"; done; printf ' env[%s|%s|%s|%s|%s]' "$CNI_COMMAND" "$CNI_CONTAINERID" "$CNI_NETNS" "$CNI_IFNAME" "$CNI_PATH"; if [ -n "$CNI_COMMAND" ]; then printf ' stdin['; cat; printf ']'; fi; echo; } >> ${JSON.stringify(log)}\n`, { mode: 0o755 });
}

describe('one repair core, and a repair that never acts without a record nor on what changed (real containerd)', function () {
  this.timeout(120_000);
  const runtime = useLabRuntime();
  let work: string;

  beforeEach(() => { work = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-safety-')); });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  const inspect = (): Promise<Inventory> => inspectLab(runtime.cri, { paths: 'node' });
  const planIds = async (inventory: Inventory, ids: string[], quarantineDir: string): Promise<RepairPlan> => {
    const { plan } = await planSelection(labNode('node').access, inventory, { kind: 'findings', findingIds: ids }, { cniBinDir: requireLab().cniBinDir, quarantineDir, endpoint: requireLab().endpoint });
    assert.ok(plan);
    return plan;
  };

  it('plans the same 3 steps for two bad files of a NotReady sandbox from the CLI, the tree selection and the report, and runs them', async () => {
    const { id, primary, multus } = await twoBadFiles('two-files');
    const quarantine = path.join(work, 'quarantine');
    const primaryId = `cni-cache-corrupt:${path.basename(primary)}`;
    const multusId = `cni-cache-corrupt:${path.basename(multus)}`;

    // CLI: repair --finding <primary> --dry-run --json
    const dry = cli(['repair', '--finding', primaryId, '--dry-run', '--json', '--quarantine-dir', quarantine]);
    assert.equal(dry.code, 0, dry.stderr);
    const fromCli = (JSON.parse(dry.stdout) as { plan: RepairPlan }).plan;
    assert.deepEqual(fromCli.steps.map((s) => s.action.kind), ['remove-cache-file', 'remove-cache-file', 'remove-sandbox']);

    // Tree: "Remove Bad Cache File and Sandbox" on the primary file's tree item, planned by the extension's engine.
    const inventory = await inspect();
    const doctor = new NodeDoctor({
      settings: () => ({ localNode: 'auto', local: { name: 'lab-node', runtimeEndpoint: requireLab().endpoint, hostRoot: requireLab().hostRoot, cniCacheDir: '/var/lib/cni', cniConfDir: requireLab().cniConfDir, cniBinDir: requireLab().cniBinDir }, bridge: {}, quarantineDir: quarantine }),
      audit: new MemoryAuditSink(), actor: 'test', client: 'test', log: () => undefined,
    });
    try {
      const ref = doctor.localRef();
      await doctor.inspect(ref);
      const entry = inventory.cniCache.find((e) => e.name === path.basename(primary));
      assert.ok(entry);
      const element: TreeElement = { kind: 'cniCache', id: 'c', ref, entry, status: 'empty' };
      const selection = selectFindings('removeCacheFileAndSandbox', { kind: 'element', ref, element }, inventory, 'lab-node');
      const fromTree = (await doctor.plan(ref, { kind: 'findings', findingIds: selection.findingIds })).plan;
      // Report: the card of either file, and what its Copy button copies.
      const cards = await doctor.planEach(ref);
      const copied = (await doctor.plan(ref, { kind: 'findings', findingIds: [multusId] })).plan;
      assert.ok(fromTree && copied);
      assert.deepEqual(essence(fromTree), essence(fromCli), 'tree = CLI');
      assert.deepEqual(essence(cards.get(primaryId) as RepairPlan), essence(fromCli), 'report card of the primary file = CLI');
      assert.deepEqual(essence(cards.get(multusId) as RepairPlan).map((l) => l.split(' | ')[0].split(' ').slice(2).join(' ')).sort(),
        essence(fromCli).map((l) => l.split(' | ')[0].split(' ').slice(2).join(' ')).sort(), 'the Multus card acts on the same 3 objects');
      assert.deepEqual(essence(copied), essence(cards.get(multusId) as RepairPlan), 'the Copy button copies the card\'s plan');
    } finally {
      await doctor.dispose();
    }

    const auditLog = path.join(work, 'audit.jsonl');
    const applied = cli(['repair', '--finding', primaryId, '--yes', '--audit-log', auditLog, '--quarantine-dir', quarantine]);
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.match(applied.stdout, /01-remove-cache-file {2}DONE[\s\S]*02-remove-cache-file {2}DONE[\s\S]*03-remove-sandbox {2}DONE/);
    assert.equal(fs.existsSync(primary) || fs.existsSync(multus), false);
    await assert.rejects(runtime.cri.podSandboxStatus(id));
    assert.deepEqual(fs.readdirSync(quarantine).map((n) => n.replace(/^.*Z-/, '')).sort(), [path.basename(multus), path.basename(primary)].sort());
  });

  it('prints commands for a shell-hostile cache file name that, pasted into a shell, run only what they show', async () => {
    const lab = requireLab();
    const hostile = '$(id>x)';
    // A NotReady sandbox whose bad cache file has a hostile interface part, and a vanished sandbox whose valid file does.
    const id = await runSandbox({ name: 'hostile', namespace: 'knd-safety' });
    const bad = cacheFilePath('cbr0', id, hostile);
    fs.writeFileSync(bad, '');
    // The interface name a pod author chose through Multus is recorded in the file too.
    const valid = Buffer.from(fs.readFileSync(cacheFilePath('cbr0', id, 'eth0'), 'utf8').replace('"ifName":"eth0"', `"ifName":${JSON.stringify(hostile)}`));
    assert.ok(valid.includes(hostile));
    const gone = randomBytes(32).toString('hex');
    const leaked = cacheFilePath('cbr0', gone, hostile);
    fs.writeFileSync(leaked, valid, { mode: 0o600 });
    await runtime.cri.stopPodSandbox(id).catch(() => undefined);

    const quarantine = path.join(work, "q'uar $(touch y)");
    const bin = path.join(work, 'bin');
    fs.mkdirSync(bin);
    const log = path.join(work, 'ran.log');
    for (const name of ['crictl', 'bridge', 'portmap']) standIn(bin, name, log);
    const inventory = await inspectLab(runtime.cri, { paths: 'host' });
    const ids = inventory.findings.filter((f) => f.path === bad || f.sandboxId === gone).map((f) => f.id);
    assert.equal(ids.length, 2, inventory.findings.map((f) => f.id).join('\n'));
    const { plan } = await planSelection(labNode('host').access, inventory, { kind: 'findings', findingIds: ids }, { cniBinDir: bin, quarantineDir: quarantine, endpoint: lab.endpoint });
    assert.ok(plan);
    const text = manualCommandsText(plan, 'lab-node');
    assert.ok(plan.steps.some((s) => s.action.kind === 'cni-del'), 'the leaked network is released by DEL commands');

    // Run what was printed in a shell, in an empty directory, with the stand-ins first on PATH.
    const cwd = path.join(work, 'cwd');
    fs.mkdirSync(cwd);
    const shell = spawnSync('sh', ['-e'], { input: text, cwd, encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin` } });
    assert.equal(shell.status, 0, shell.stderr);
    assert.deepEqual(fs.readdirSync(cwd), [], 'no "x" (nor anything else) was created: `id` never ran');
    assert.equal(fs.existsSync(path.join(work, 'y')) || fs.existsSync(path.join(cwd, 'y')), false, 'the quarantine dir\'s $(touch y) never ran');
    assert.equal(fs.existsSync(bad) || fs.existsSync(leaked), false, 'both files were moved');
    assert.equal(fs.readdirSync(quarantine).length, 2);
    const ran = fs.readFileSync(log, 'utf8').trim().split('\n');
    assert.deepEqual(ran.map((l) => l.split(' ')[0]), ['portmap', 'bridge', 'crictl', 'crictl'], 'the DEL plugins in reverse order, then stopp and rmp');
    assert.match(ran[0], new RegExp(`env\\[DEL\\|${id}\\|\\|\\$\\(id>x\\)\\|${bin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\]`), 'CNI_IFNAME is the literal name');
    assert.match(ran[1], /stdin\[\{.*"type":"bridge".*\}\]$/);
    assert.equal(ran[2], `crictl [--runtime-endpoint] [${lab.endpoint}] [stopp] [${id}] env[||||]`);
  });

  it('stops before acting when the audit record cannot be written (read-only dir, full disk): nothing is touched', async function () {
    if (spawnSync('unshare', ['-m', 'true']).status !== 0) this.skip();
    const { id, primary, multus } = await twoBadFiles('no-audit');
    const quarantine = path.join(work, 'quarantine');
    const findingId = `cni-cache-corrupt:${path.basename(primary)}`;
    const mnt = path.join(work, 'mnt');
    fs.mkdirSync(mnt);
    const cases: [string, string][] = [
      ['read-only dir', `mount -t tmpfs -o ro,size=64k tmpfs ${mnt}`],
      ['full disk', `mount -t tmpfs -o size=8k tmpfs ${mnt} && (dd if=/dev/zero of=${mnt}/fill bs=1k count=64 2>/dev/null || true)`],
    ];
    for (const [label, setup] of cases) {
      // A private mount namespace: the tmpfs goes away with it.
      const wrap = ['unshare', '-m', 'sh', '-c', `${setup} && exec "$@"`, 'knd'];
      const r = cli(['repair', '--finding', findingId, '--yes', '--audit-log', path.join(mnt, 'audit.jsonl'), '--quarantine-dir', quarantine], wrap);
      assert.equal(r.code, 2, `${label}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /cannot write the audit log .*audit\.jsonl: (read-only file system|no space left on the device)/, label);
      assert.match(r.stderr, /stopped before the step acted: nothing was changed/, label);
      assert.doesNotMatch(r.stdout, /DONE/, label);
      assert.equal(fs.statSync(primary).size, 0, `${label}: the file is untouched`);
      assert.equal(fs.statSync(multus).size, 2048);
      assert.equal(fs.existsSync(quarantine) && fs.readdirSync(quarantine).length > 0, false, `${label}: nothing moved into quarantine`);
      assert.equal((await runtime.cri.podSandboxStatus(id)).state, 'SANDBOX_NOTREADY', `${label}: the sandbox is untouched`);
    }
    // A path under a regular file: the same stop, through the executor's own audit sink.
    fs.writeFileSync(path.join(work, 'file'), '');
    const r = cli(['repair', '--finding', findingId, '--yes', '--audit-log', path.join(work, 'file', 'audit.jsonl'), '--quarantine-dir', quarantine]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.equal(fs.statSync(primary).size, 0);
  });

  /** Wraps a node access so `hook` runs once, right before the first move of `file` (after the executor's re-check). */
  function beforeMove(access: NodeAccess, file: string, hook: () => void): NodeAccess {
    let done = false;
    return new Proxy(access, {
      get(target, prop, receiver) {
        if (prop === 'moveFile') {
          return async (from: string, to: string, signal?: AbortSignal): Promise<void> => {
            if (!done && from === file) { done = true; hook(); }
            return target.moveFile(from, to, signal);
          };
        }
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  it('refuses a file that changed between the re-check and the move, puts it back, and records what was actually there', async () => {
    const { id, primary } = await twoBadFiles('changed');
    const quarantine = path.join(work, 'quarantine');
    const inventory = await inspectLab(runtime.cri, { paths: 'host' });
    const plan = await (async () => {
      const { plan: p } = await planSelection(labNode('host').access, inventory, { kind: 'findings', findingIds: [`cni-cache-corrupt:${path.basename(primary)}`] }, { quarantineDir: quarantine, endpoint: requireLab().endpoint });
      assert.ok(p);
      return p;
    })();
    const audit = new MemoryAuditSink();
    const access = beforeMove(labNode().access, primary, () => fs.writeFileSync(primary, '{"kind":"cniCacheV1"}'));
    const report = await new RepairExecutor({ access, cri: runtime.cri, audit, actor: 'test' }).execute(plan);
    assert.equal(report.results[0].outcome, 'refused');
    assert.equal(report.results[0].reason, 'precondition-changed');
    assert.match(report.results[0].detail, /changed after the re-check .*moved back untouched/);
    assert.equal(fs.readFileSync(primary, 'utf8'), '{"kind":"cniCacheV1"}', 'the changed file is back in place, unchanged');
    assert.deepEqual(fs.readdirSync(quarantine).filter((n) => n.endsWith(path.basename(primary))), [], 'no backup of it is left behind');
    assert.equal((await runtime.cri.podSandboxStatus(id)).state, 'SANDBOX_NOTREADY', 'the sandbox step did not run');
    const outcome = audit.entries.find((e) => e.stepId === report.results[0].stepId && e.phase === 'outcome');
    assert.match(outcome?.before ?? '', /21 bytes, sha256 [0-9a-f]{64} \(not the planned/, 'the audit says what was really there');
  });

  it('does not hang on a FIFO swapped in for a planned file (before the re-check, and between the re-check and the move)', async () => {
    const { id, primary } = await twoBadFiles('fifo');
    const quarantine = path.join(work, 'quarantine');
    try {
    const inventory = await inspect();
    const plan = await planIds(inventory, [`cni-cache-corrupt:${path.basename(primary)}`], quarantine);
    fs.rmSync(primary);
    assert.equal(spawnSync('mkfifo', [primary]).status, 0);
    const started = Date.now();
    const first = await new RepairExecutor({ access: labNode().access, cri: runtime.cri, audit: new MemoryAuditSink(), actor: 'test', timeoutMs: 5_000 }).execute(plan);
    assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
    assert.equal(first.results[0].outcome, 'refused');
    assert.match(first.results[0].detail, /no longer a regular file/);

    // Between the re-check and the move: the regular file passes the re-check, then a FIFO takes its place.
    fs.rmSync(primary);
    fs.writeFileSync(primary, '');
    const second = await new RepairExecutor({
      access: beforeMove(labNode().access, `/var/lib/cni/results/${path.basename(primary)}`, () => {
        fs.rmSync(primary);
        spawnSync('mkfifo', [primary]);
      }), cri: runtime.cri, audit: new MemoryAuditSink(), actor: 'test', timeoutMs: 5_000,
    }).execute(plan);
    assert.ok(Date.now() - started < 10_000);
    assert.equal(second.results[0].outcome, 'refused', JSON.stringify(second.results[0]));
    assert.ok(fs.lstatSync(primary).isFIFO(), 'the FIFO is back where it was');
    assert.equal((await runtime.cri.podSandboxStatus(id)).state, 'SANDBOX_NOTREADY', 'the sandbox step never ran');
    } finally {
      fs.rmSync(primary, { force: true });
    }
  });

  it('removes a partial backup when the quarantine disk is full, refuses the step and leaves the file in place', async function () {
    const lab = requireLab();
    if (!lab.mountNsPid) this.skip();
    const { id, primary, multus } = await twoBadFiles('disk-full');
    // A full 4 KiB tmpfs as the quarantine dir, mounted in the lab's mount namespace (where the node's paths resolve).
    const quarantine = path.join(lab.labDir, `qfull-${randomBytes(4).toString('hex')}`);
    fs.mkdirSync(quarantine);
    const inNs = (script: string): string => {
      const r = spawnSync('nsenter', ['-t', String(lab.mountNsPid), '-m', 'sh', '-c', script, 'knd', quarantine], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    inNs('mount -t tmpfs -o size=4k tmpfs "$1" && { dd if=/dev/zero of="$1/fill" bs=1k count=64 2>/dev/null || true; }');
    try {
      const inventory = await inspect();
      const plan = await planIds(inventory, [`cni-cache-corrupt:${path.basename(multus)}`], quarantine);
      const audit = new MemoryAuditSink();
      const report = await new RepairExecutor({ access: labNode().access, cri: runtime.cri, audit, actor: 'test' }).execute(plan);
      const step = plan.steps.findIndex((s) => s.object.endsWith(path.basename(multus)));
      assert.equal(report.results[step].outcome, 'refused', JSON.stringify(report.results));
      assert.equal(report.results[step].reason, 'backup-failed');
      assert.match(report.results[step].detail, /could not move .* into quarantine .*(no space|ENOSPC).*left in place/i);
      assert.equal(fs.statSync(multus).size, 2048, 'the file is still in place, whole');
      assert.deepEqual(inNs('ls -A "$1"').split('\n').filter((n) => n !== '' && n !== 'fill' && n.endsWith(path.basename(multus))), [], 'no partial copy is left in quarantine');
      assert.equal((await runtime.cri.podSandboxStatus(id)).state, 'SANDBOX_NOTREADY', 'the sandbox step did not run');
      assert.ok(fs.existsSync(primary) || report.results.some((r) => r.backup?.original.endsWith(path.basename(primary))));
    } finally {
      spawnSync('nsenter', ['-t', String(lab.mountNsPid), '-m', 'umount', quarantine]);
      fs.rmSync(quarantine, { recursive: true, force: true });
    }
  });

  it('never deletes outside the host root when the results dir is swapped for a symbolic link after the inventory', async () => {
    // A node root of its own (the lab's runtime answers for sandboxes): its results dir holds one empty cache file.
    const root = path.join(work, 'root');
    const results = path.join(root, 'var/lib/cni/results');
    fs.mkdirSync(results, { recursive: true });
    const name = `cbr0-${randomBytes(32).toString('hex')}-eth0`;
    fs.writeFileSync(path.join(results, name), '');
    const victimDir = path.join(work, 'victim');
    fs.mkdirSync(victimDir);
    fs.writeFileSync(path.join(victimDir, name), '');
    const access = new LocalNodeAccess({ hostRoot: root });
    const inventory = await inspectNode(access, runtime.cri, { cniCacheDir: '/var/lib/cni', cniConfDir: '/etc/cni/net.d', endpoint: requireLab().endpoint });
    const finding = inventory.findings.find((f) => f.path === `/var/lib/cni/results/${name}`);
    assert.ok(finding, inventory.findings.map((f) => f.id).join('\n'));
    const { plan } = await planSelection(access, inventory, { kind: 'findings', findingIds: [finding.id] }, { quarantineDir: '/quarantine' });
    assert.ok(plan);
    // Swapped right after the inventory (within the access's directory cache): results -> the victim dir outside the root.
    fs.renameSync(results, `${results}.old`);
    fs.symlinkSync(victimDir, results);
    const report = await new RepairExecutor({ access, cri: runtime.cri, audit: new MemoryAuditSink(), actor: 'test' }).execute(plan);
    assert.ok(fs.existsSync(path.join(victimDir, name)), 'the file outside the host root is still there');
    assert.notEqual(report.results[0].outcome, 'done', JSON.stringify(report.results[0]));
    assert.equal(fs.existsSync(path.join(root, 'quarantine')) && fs.readdirSync(path.join(root, 'quarantine')).length > 0, false);
  });

  it('repairs a cache file whose name is 255 bytes, with a backup name shortened to 255 bytes', async () => {
    const id = await runSandbox({ name: 'long', namespace: 'knd-safety' });
    const network = `n${'e'.repeat(255 - 64 - 2 - 'eth0'.length - 1)}`;
    const long = cacheFilePath(network, id, 'eth0');
    assert.equal(Buffer.byteLength(path.basename(long)), 255);
    fs.writeFileSync(long, Buffer.alloc(64));
    const quarantine = path.join(work, 'quarantine');
    const inventory = await inspect();
    const finding = inventory.findings.find((f) => f.path?.endsWith(path.basename(long)));
    assert.ok(finding, inventory.findings.map((f) => f.id).join('\n'));
    const plan = await planIds(inventory, [finding.id], quarantine);
    const report = await new RepairExecutor({ access: labNode().access, cri: runtime.cri, audit: new MemoryAuditSink(), actor: 'test' }).execute(plan);
    assert.equal(report.results[0].outcome, 'done', JSON.stringify(report.results));
    const [backup] = fs.readdirSync(quarantine);
    assert.equal(Buffer.byteLength(backup), 255);
    assert.match(backup, /~[0-9a-f]{16}$/);
    assert.equal(fs.existsSync(long), false);
  });

  it('runs the CNI DEL plugin from the node\'s plugin dir under --host-root, not from this machine\'s', async () => {
    const root = path.join(work, 'root');
    const results = path.join(root, 'var/lib/cni/results');
    const nodeBin = path.join(root, 'opt/cni/bin');
    fs.mkdirSync(results, { recursive: true });
    fs.mkdirSync(nodeBin, { recursive: true });
    const log = path.join(work, 'ran.log');
    for (const name of ['bridge', 'portmap']) standIn(nodeBin, name, log);
    // A valid cache file of a sandbox the runtime does not have (copied from a real one).
    const id = await runSandbox({ name: 'hostroot', namespace: 'knd-safety' });
    const gone = randomBytes(32).toString('hex');
    const content = fs.readFileSync(cacheFilePath('cbr0', id, 'eth0'), 'utf8').split(id).join(gone);
    fs.writeFileSync(path.join(results, `cbr0-${gone}-eth0`), content);
    assert.equal(fs.existsSync('/opt/cni/bin/bridge') && fs.readFileSync('/opt/cni/bin/bridge', 'utf8').includes(log), false);
    const access = new LocalNodeAccess({ hostRoot: root });
    const inventory = await inspectNode(access, runtime.cri, { cniCacheDir: '/var/lib/cni', cniConfDir: '/etc/cni/net.d', endpoint: requireLab().endpoint });
    const { plan } = await planSelection(access, inventory, { kind: 'findings', findingIds: [`cni-cache-orphaned:${gone}`] }, { cniBinDir: '/opt/cni/bin', quarantineDir: '/quarantine' });
    assert.ok(plan);
    assert.match(plan.steps[0].manualCommand, /env CNI_COMMAND=DEL .* \/opt\/cni\/bin\/portmap$/m, 'the printed command names the node path');
    const report = await new RepairExecutor({ access, cri: runtime.cri, audit: new MemoryAuditSink(), actor: 'test' }).execute(plan);
    assert.ok(report.ok, JSON.stringify(report.results, undefined, 1));
    const ran = fs.readFileSync(log, 'utf8').trim().split('\n');
    assert.deepEqual(ran.map((l) => l.split(' ')[0]), ['portmap', 'bridge']);
    assert.ok(ran.every((l) => l.includes(`|eth0|${nodeBin}]`)), `CNI_PATH is the node's plugin dir under the host root: ${ran.join('\n')}`);
    assert.ok(fs.existsSync(path.join(root, 'quarantine')), 'the cache file was moved into the quarantine dir under the host root');
  });
});
