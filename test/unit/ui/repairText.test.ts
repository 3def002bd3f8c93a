import * as assert from 'node:assert/strict';
import { computeFindings } from '../../../src/core/inventory/findings';
import type { CacheEntry, ContainerItem, Inventory, SandboxItem } from '../../../src/core/inventory/types';
import { planRepairs } from '../../../src/core/repair/planner';
import type { AuditEntry, Backup, StepResult } from '../../../src/core/repair/types';
import { describeNode } from '../../../src/core/session/nodeRef';
import type { NodeRef } from '../../../src/core/session/nodeRef';
import {
  auditEntriesOfRun, buttonLabel, confirmation, dryRunSummary, emptyPlanMessage, executionSummary, findingsAbout, fullPlanText, isBackup,
  manualCommandsText, removalTargetOf, repairTargetOf, SHOW_FULL_PLAN, selectFindings, undoConfirmation, undoSummary,
} from '../../../src/ui/commands/repairText';
import type { TreeElement } from '../../../src/ui/tree/treeModel';

// The seed incident: sandbox 055b221e44a2 of prod/web is NotReady and its cbr0 result cache file is 0 bytes, so every
// StopPodSandbox fails; a second sandbox vanished but its cache file (10.244.0.12) and one container stayed behind.
const SEED = '055b221e44a28ce8d9120f771d5e1ef201f2457ce49c58999a0147104cca2708';
const GONE = '9f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0';
const READY = '22548a6f0c0e3b1d9a7c5e2f4b6d8a0c1e3f5a7b9c2d4e6f8a0b1c3d5e7f9a1b';
const EMPTY_SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const NOW = Date.parse('2026-11-23T09:00:00.000Z');
const HOUR = 3_600_000;
const REF: NodeRef = { kind: 'bridge', context: 'prod-eu1', node: 'worker-3' };
const NODE = describeNode(REF);

function sandbox(id: string, state: SandboxItem['state'], ageMs = 2 * HOUR, name = 'web'): SandboxItem {
  return { id, state, name, namespace: 'prod', uid: `uid-${id.slice(0, 6)}`, attempt: 1, createdAtMs: NOW - ageMs, runtimeHandler: 'runc', ips: [] };
}

function cacheFile(sandboxId: string, content: 'empty' | 'valid', readOnTeardown: CacheEntry['readOnTeardown'] = 'yes', network = 'cbr0', ifName = 'eth0'): CacheEntry {
  const name = `${network}-${sandboxId}-${ifName}`;
  return {
    path: `/var/lib/cni/results/${name}`, name, network, sandboxId, ifName, size: content === 'empty' ? 0 : 1187, mtimeMs: NOW - HOUR,
    sha256: content === 'empty' ? EMPTY_SHA : 'c'.repeat(64), state: content, jsonValid: content === 'valid',
    ips: content === 'valid' ? ['10.244.0.12/24'] : [], readOnTeardown,
    readReason: readOnTeardown === 'no' ? 'cniVersion 0.3.1 < 0.4.0: libcni does not read cached results on DEL' : 'cniVersion 1.0.0 >= 0.4.0: libcni reads the cached result on DEL',
  };
}

function container(id: string, sandboxId: string, state: ContainerItem['state'], finishedAgoMs = 3 * HOUR): ContainerItem {
  return { id, name: 'app', state, sandboxId, attempt: 0, image: 'registry.example/web:1.4', createdAtMs: NOW - finishedAgoMs - HOUR, finishedAtMs: NOW - finishedAgoMs, exitCode: 137 };
}

function inventoryOf(sandboxes: SandboxItem[], containers: ContainerItem[], cache: CacheEntry[]): Inventory {
  return {
    node: 'worker-3', access: 'bridge pod kube-system/kube-node-doctor-worker-3', generatedAt: '2026-11-23T09:00:00.000Z', cniCacheDir: '/var/lib/cni',
    runtime: { endpoint: 'unix:///run/containerd/containerd.sock', runtimeName: 'containerd', runtimeVersion: 'v1.7.22', runtimeApiVersion: 'v1', conditions: [] },
    sandboxes, containers, cniCache: cache,
    cniNetworks: [{ name: 'cbr0', cniVersion: '1.0.0', source: '/etc/cni/net.d/10-cbr0.conflist', plugins: ['bridge', 'portmap'], hostLocalDir: '/var/lib/cni/networks/cbr0' }],
    findings: computeFindings(sandboxes, containers, cache, [], { listComplete: true }),
    listStrategy: { sandboxes: 'single-list', containers: 'single-list', complete: true, notes: [] }, listSizes: [],
    counts: { sandboxes: sandboxes.length, readySandboxes: 0, notReadySandboxes: 0, containers: containers.length, runningContainers: 0, exitedContainers: 0, cacheFiles: cache.length, unreadableCacheFiles: 0, perPod: [] },
    timingsMs: {},
  };
}

const orphan = container('4d3c2b1a'.repeat(8), GONE, 'CONTAINER_EXITED');
const seedInventory = inventoryOf(
  [sandbox(SEED, 'SANDBOX_NOTREADY'), sandbox(READY, 'SANDBOX_READY', HOUR, 'api')],
  [orphan],
  [cacheFile(SEED, 'empty'), cacheFile(SEED, 'empty', 'no', 'cni-loopback', 'lo'), cacheFile(GONE, 'valid')],
);
const seedFile = seedInventory.cniCache[0];
const loopbackFile = seedInventory.cniCache[1];
const leakedFile = seedInventory.cniCache[2];

function element(e: TreeElement): { kind: 'element'; ref: NodeRef; element: Extract<TreeElement, { ref: NodeRef }> } {
  const target = repairTargetOf(e);
  assert.ok(target && target.kind === 'element', `${e.kind} is a repair target`);
  return target as { kind: 'element'; ref: NodeRef; element: Extract<TreeElement, { ref: NodeRef }> };
}

const plan = (ids: readonly string[], inventory = seedInventory): ReturnType<typeof planRepairs> => planRepairs(inventory, ids, { nowMs: NOW });

describe('repair commands: findings, confirmation and summary text', () => {
  it('maps the empty cbr0 cache file of a NotReady sandbox to its repair, and asks to "Remove 1 file and 1 sandbox"', () => {
    const target = element({ kind: 'cniCache', id: 'c1', ref: REF, entry: seedFile, status: 'empty' });
    const selection = selectFindings('removeCacheFileAndSandbox', target, seedInventory, NODE);
    assert.deepEqual(selection.findingIds, [`cni-cache-corrupt:${seedFile.name}`]);
    assert.equal(buttonLabel(plan(selection.findingIds)), 'Remove 1 file and 1 sandbox');
  });

  it('maps a NotReady sandbox with a bad cache file to the same finding, not to the harmless loopback file', () => {
    const target = element({ kind: 'sandbox', id: 's1', ref: REF, sandbox: seedInventory.sandboxes[0], badCache: true });
    assert.deepEqual(selectFindings('removeCacheFileAndSandbox', target, seedInventory, NODE).findingIds, [`cni-cache-corrupt:${seedFile.name}`]);
  });

  it('takes every bad cache file of a NotReady sandbox (one per Multus network), so its removal is not blocked by the other', () => {
    const multus: CacheEntry = { ...cacheFile(SEED, 'empty', 'yes', 'macvlan-net1', 'net1'), state: 'nul-bytes', size: 4096 };
    const inventory = inventoryOf([sandbox(SEED, 'SANDBOX_NOTREADY')], [], [cacheFile(SEED, 'empty'), multus]);
    const target = element({ kind: 'cniCache', id: 'c1', ref: REF, entry: inventory.cniCache[0], status: 'empty' });
    const selection = selectFindings('removeCacheFileAndSandbox', target, inventory, NODE);
    assert.deepEqual(selection.findingIds, [`cni-cache-corrupt:${seedFile.name}`]);
    const p = plan(selection.findingIds, inventory);
    assert.deepEqual(p.steps.map((s) => s.action.kind), ['remove-cache-file', 'remove-cache-file', 'remove-sandbox'], 'both files before the sandbox');
    assert.deepEqual(p.findingIds, [`cni-cache-corrupt:${seedFile.name}`, `cni-cache-corrupt:${multus.name}`], 'the planner adds the sandbox\'s other bad file');
    assert.equal(buttonLabel(p), 'Remove 2 files and 1 sandbox');
    const fromReport = repairTargetOf({ ref: REF, findingId: `cni-cache-corrupt:${multus.name}` });
    assert.ok(fromReport);
    const reportPlan = plan(selectFindings('repairFinding', fromReport, inventory, NODE).findingIds, inventory);
    assert.deepEqual(reportPlan.steps.map((s) => s.object).sort(), p.steps.map((s) => s.object).sort(), 'the report card of either file plans the same 3 steps');
  });

  it('explains why a harmless bad file (cniVersion < 0.4.0) has no repair instead of planning', () => {
    const target = element({ kind: 'cniCache', id: 'c2', ref: REF, entry: loopbackFile, status: 'empty' });
    const selection = selectFindings('removeCacheFileAndSandbox', target, seedInventory, NODE);
    assert.deepEqual(selection.findingIds, []);
    assert.match(selection.nothing ?? '', /^No automatic repair applies to cache file cni-loopback-055b221e44a2.*-lo: .*harmless/);
  });

  it('maps a leaked cache file to a CNI DEL and removal: "Release 1 network and remove 1 file"', () => {
    const target = element({ kind: 'cniCache', id: 'c3', ref: REF, entry: leakedFile, status: 'orphaned' });
    const selection = selectFindings('releaseLeakedCacheFile', target, seedInventory, NODE);
    assert.deepEqual(selection.findingIds, [`cni-cache-orphaned:${GONE}`]);
    assert.equal(buttonLabel(plan(selection.findingIds)), 'Release 1 network and remove 1 file');
  });

  it('maps the orphan containers group to every orphan container finding', () => {
    const target = element({ kind: 'group', id: 'g', ref: REF, group: 'containers', subgroup: 'orphans', label: 'Orphaned (sandbox missing)' });
    const selection = selectFindings('removeOrphanContainers', target, seedInventory, NODE);
    assert.deepEqual(selection.findingIds, [`runtime-object-missing:${orphan.id}`]);
    assert.equal(buttonLabel(plan(selection.findingIds)), 'Remove 1 container');
  });

  it('takes the findings from the node\'s current inventory, so a repaired file is "nothing to do", not a stale plan', () => {
    const repaired = inventoryOf([sandbox(READY, 'SANDBOX_READY', HOUR, 'api')], [], []);
    const target = element({ kind: 'cniCache', id: 'c1', ref: REF, entry: seedFile, status: 'empty' });
    const selection = selectFindings('removeCacheFileAndSandbox', target, repaired, NODE);
    assert.deepEqual(selection.findingIds, []);
    assert.match(selection.nothing ?? '', /last inspection of worker-3 \(context prod-eu1\) \(2026-11-23T09:00:00.000Z\) has no finding it repairs/);
  });

  it('accepts {ref, findingId} from the report and says when the finding has no repair', () => {
    const target = repairTargetOf({ ref: REF, findingId: `cni-cache-corrupt:${loopbackFile.name}` });
    assert.ok(target && target.kind === 'finding');
    const selection = selectFindings('repairFinding', target, seedInventory, NODE);
    assert.deepEqual(selection.findingIds, []);
    assert.match(selection.nothing ?? '', /^No automatic repair applies to/);
    assert.equal(repairTargetOf({ ref: { kind: 'bridge', context: '', node: 'x' }, findingId: 'a' }), undefined, 'a malformed ref is refused');
    assert.equal(repairTargetOf({ kind: 'message', id: 'm', text: 'x', severity: 'info' }), undefined, 'a message element is not a target');
  });

  it('maps a sandbox named in a log to every repairable finding about it (Repair on node)', () => {
    const target = repairTargetOf({ ref: REF, sandboxId: GONE.toUpperCase() });
    assert.ok(target && target.kind === 'sandbox' && target.sandboxId === GONE);
    assert.deepEqual([...selectFindings('repairOnNode', target, seedInventory, NODE).findingIds].sort(), [`cni-cache-orphaned:${GONE}`, `runtime-object-missing:${orphan.id}`].sort());
  });

  it('asks in a short modal: the node, the steps counted per kind, the risk, each step with its exact object, and "Show Full Plan" first', () => {
    const p = plan([`cni-cache-corrupt:${seedFile.name}`]);
    const ask = confirmation(p, NODE, { dryRun: false, inspectedAt: seedInventory.generatedAt });
    assert.equal(ask.message, 'Remove 1 file and 1 sandbox on worker-3 (context prod-eu1)?');
    assert.equal(ask.button, 'Remove 1 file and 1 sandbox');
    assert.deepEqual(ask.buttons, [SHOW_FULL_PLAN, 'Remove 1 file and 1 sandbox'], 'the default (first) button is not the destructive one');
    const lines = ask.detail.split('\n');
    assert.equal(lines[0], '2 steps: 1 file moved to quarantine and 1 sandbox removed. Risk: medium at most.');
    assert.equal(lines[1], 'Inspected 2026-11-23 09:00:00 UTC; each step is re-checked before it runs.');
    assert.ok(lines.includes(`1. Move the empty CNI cache file ${seedFile.name} into quarantine`));
    assert.ok(lines.includes(`    ${seedFile.path}`), 'the exact file');
    assert.ok(lines.includes(`    sandbox ${SEED}`), 'the sandbox by its full ID');
    assert.match(ask.detail, /Files are backed up first \(Undo restores them\)\. Every step is audited\./);
    assert.ok(lines.length <= 12, `${lines.length} lines`);
  });

  it('keeps a 240-step prune to 6 step lines and a one-line GC note, with every step, check and command in the full plan', () => {
    const ready = sandbox(READY, 'SANDBOX_READY', 10 * HOUR);
    const dead = Array.from({ length: 120 }, (_, i) => sandbox(`${(i + 1).toString(16).padStart(4, '0')}${'ab'.repeat(30)}`, 'SANDBOX_NOTREADY', (3 + i) * HOUR));
    const exited = Array.from({ length: 121 }, (_, i) => container(`${(i + 1).toString(16).padStart(4, '0')}${'cd'.repeat(30)}`, READY, 'CONTAINER_EXITED', (2 + i) * HOUR));
    const inventory = inventoryOf([ready, ...dead], exited, []);
    const target = element({ kind: 'group', id: 'g', ref: REF, group: 'sandboxes', label: 'Sandboxes' });
    const selection = selectFindings('pruneDeadObjects', target, inventory, NODE);
    assert.deepEqual(selection.findingIds, ['dead-objects-piling-up:prod/web']);
    const p = plan(selection.findingIds, inventory);
    assert.equal(p.steps.length, 240);
    const ask = confirmation(p, NODE, { dryRun: false });
    assert.equal(ask.button, 'Prune 240 objects');
    const lines = ask.detail.split('\n');
    assert.match(lines[0], /^240 steps: 120 containers removed and 120 sandboxes removed\. Risk: medium at most\.$/);
    const stepLines = lines.filter((l) => /^\d+\. /.test(l));
    assert.equal(stepLines.length, 5);
    assert.match(stepLines[0], /^1\. Remove exited container app \(\w{12}\)$/);
    assert.match(ask.detail, /… and 235 more steps: Show Full Plan lists each one\./);
    assert.ok(lines.length <= 14, `${lines.length} lines`);
    assert.ok(lines.slice(1).every((l) => l.length <= 76), 'steps and notes take one line each in a 75-character dialog');
    const full = fullPlanText(p, NODE, { dryRun: false });
    assert.equal(full.split('\n').filter((l) => /^## \d+\. /.test(l)).length, 240, 'the full plan has every step');
    assert.match(full, /--maximum-dead-containers-per-container=1/, 'and the whole kubelet GC note');
    assert.equal(full.split('\n').filter((l) => l.startsWith('crictl ')).length, 240, 'with each step\'s command');
  });

  it('says in a dry run that nothing will change, and summarises what a real run would do', () => {
    const p = plan([`cni-cache-corrupt:${seedFile.name}`]);
    const ask = confirmation(p, NODE, { dryRun: true });
    assert.equal(ask.button, 'Remove 1 file and 1 sandbox (Dry Run)');
    assert.match(ask.message, /^Dry run: remove 1 file and 1 sandbox on worker-3 \(context prod-eu1\)\? Nothing will be changed\.$/);
    assert.match(ask.detail, /nothing will be changed/);
    assert.doesNotMatch(ask.detail, /copied to the quarantine directory/);
    assert.equal(dryRunSummary(p, NODE),
      `Dry run: nothing was changed on worker-3 (context prod-eu1). A real run would remove 1 file and 1 sandbox in 2 steps: 1) Move the empty CNI cache file cbr0-055b221e44a2…-eth0 into quarantine; 2) Stop and remove NotReady sandbox 055b221e44a2 (prod/web), which its bad cache file kept from being removed.`);
  });

  it('says why a plan has no step (its notes) instead of asking', () => {
    const young = inventoryOf(Array.from({ length: 7 }, (_, i) => sandbox(`${i}${'e'.repeat(63)}`, 'SANDBOX_NOTREADY', 60_000)), [], []);
    const p = plan(['dead-objects-piling-up:prod/web'], young);
    assert.equal(p.steps.length, 0);
    assert.match(emptyPlanMessage(p, 'Sandboxes', NODE), /^Nothing to repair on worker-3 \(context prod-eu1\) for Sandboxes\. Prune keeps 7 NotReady sandboxes of 1 pod: 1 the newest 1 per pod \(keep-count 1: --keep, setting kubeNodeDoctor\.repair\.pruneKeep\); 6 younger than 1h \(--min-age, setting kubeNodeDoctor\.repair\.pruneMinAge\)\. So that dead containers do not pile up again/);
  });

  it('summarises done and already-done steps as a success', () => {
    const p = plan([`cni-cache-corrupt:${seedFile.name}`]);
    const backup: Backup = { original: seedFile.path, quarantinePath: `/var/lib/kube-node-doctor/quarantine/20261123T090000Z-${seedFile.name}`, size: 0, sha256: EMPTY_SHA, contentBase64: '', truncated: false };
    const results: StepResult[] = [
      { stepId: p.steps[0].id, findingId: p.steps[0].findingId, outcome: 'done', detail: `backed up to ${backup.quarantinePath} and removed`, backup },
      { stepId: p.steps[1].id, findingId: p.steps[1].findingId, outcome: 'already-done', detail: 'sandbox NOT_FOUND' },
    ];
    const summary = executionSummary(p, results, NODE);
    assert.equal(summary.ok, true);
    assert.equal(summary.message, 'Repaired worker-3 (context prod-eu1): 2 steps, 1 done, 1 already done.');
    assert.deepEqual(summary.backups, [backup]);
  });

  it('gives the reason of a refused step and the runtime\'s exact error of a failed one, and what Undo does not undo', () => {
    const p = plan([`cni-cache-corrupt:${seedFile.name}`, `runtime-object-missing:${orphan.id}`]);
    const byKind = (kind: string): (typeof p.steps)[number] => p.steps.find((s) => s.action.kind === kind) ?? assert.fail(kind);
    const backup: Backup = { original: seedFile.path, quarantinePath: '/var/lib/kube-node-doctor/quarantine/x', size: 0, sha256: EMPTY_SHA, contentBase64: '', truncated: false };
    const runtimeError = 'rpc error: code = Unknown desc = failed to destroy network for sandbox "055b221e44a2…": plugin type="bridge" failed (delete): netplugin failed';
    const results: StepResult[] = [
      { stepId: byKind('remove-cache-file').id, findingId: '', outcome: 'done', detail: 'backed up and removed', backup },
      { stepId: byKind('remove-container').id, findingId: '', outcome: 'refused', detail: `sandbox ${GONE.slice(0, 12)} exists again`, reason: 'precondition-changed' },
      { stepId: byKind('remove-sandbox').id, findingId: '', outcome: 'failed', detail: 'StopPodSandbox failed', error: runtimeError },
    ];
    const summary = executionSummary(p, results, NODE);
    assert.equal(summary.ok, false);
    assert.equal(summary.message, [
      'Repair on worker-3 (context prod-eu1) did not complete: 1 done, 1 refused, 1 failed.',
      `Refused "${byKind('remove-container').title}": the state changed since the plan (sandbox 9f1e2d3c4b5a exists again).`,
      `Failed "${byKind('remove-sandbox').title}": ${runtimeError}`,
    ].join(' '));
    assert.equal(summary.removedSandboxes, 0);
  });

  it('summarises a cancelled run by the steps that ran, and offers Undo only when a file was backed up', () => {
    const p = plan([`cni-cache-corrupt:${seedFile.name}`]);
    const backup: Backup = { original: seedFile.path, quarantinePath: '/q/x', size: 0, sha256: EMPTY_SHA, contentBase64: '', truncated: false };
    const summary = executionSummary(p, [{ stepId: p.steps[0].id, findingId: '', outcome: 'done', detail: 'removed', backup }], NODE, { interrupted: 'cancelled' });
    assert.equal(summary.ok, false);
    assert.equal(summary.message, 'Repair on worker-3 (context prod-eu1) cancelled after 1 of 2 steps (1 done).');
    assert.equal(summary.backups.length, 1);
    const ask = undoConfirmation(summary.backups, NODE, { sandboxes: 1, containers: 0 });
    assert.equal(ask.button, 'Restore 1 file');
    assert.equal(ask.detail.split('\n')[0], '1. cbr0-055b221e44a2…-eth0 (0 bytes, sha256 e3b0c44298fc)');
    assert.equal(ask.detail.split('\n')[1], 'Back into /var/lib/cni/results from /q.');
    assert.match(ask.detail, /The 1 sandbox the repair removed is not recreated/);
    assert.match(ask.detail, /blocks its sandbox's teardown again/);
  });

  it('keeps the cache files of released networks out of Undo, and says what Undo restores and what it cannot', () => {
    const p = plan([`cni-cache-orphaned:${GONE}`, `cni-cache-corrupt:${seedFile.name}`]);
    const released: Backup = { original: leakedFile.path, quarantinePath: '/q/leaked', size: 1187, sha256: 'c'.repeat(64), contentBase64: '', truncated: false, released: true };
    const bad: Backup = { original: seedFile.path, quarantinePath: '/q/seed', size: 0, sha256: EMPTY_SHA, contentBase64: '', truncated: false };
    const byKind = (kind: string): string => p.steps.find((s) => s.action.kind === kind)?.id ?? '';
    const moves = p.steps.filter((s) => s.action.kind === 'remove-cache-file');
    const summary = executionSummary(p, [
      { stepId: byKind('cni-del'), findingId: '', outcome: 'done', detail: 'DEL bridge ok' },
      { stepId: moves[0].id, findingId: '', outcome: 'done', detail: 'moved', backup: released },
      { stepId: moves[1].id, findingId: '', outcome: 'done', detail: 'moved', backup: bad },
    ], NODE);
    assert.deepEqual(summary.backups, [bad], 'Undo offers only the file it can meaningfully restore');
    assert.deepEqual(summary.released, [released]);
    assert.match(summary.message, /Undo restores the backed-up files only; the 1 cache file of released networks stay in quarantine \(their IPs were given back; restoring a file would not take them back and would only show a false leak\)/);
    const ask = undoConfirmation(summary.backups, NODE, { sandboxes: 0, containers: 0, released: 1 });
    assert.match(ask.detail, /The 1 cache file of released networks stays in quarantine: their IPs and veths were given back by the CNI DEL/);
    assert.doesNotMatch(ask.detail, new RegExp(leakedFile.name));
  });

  it('summarises Undo with each refusal\'s reason', () => {
    const backup: Backup = { original: seedFile.path, quarantinePath: '/q/x', size: 0, sha256: EMPTY_SHA, contentBase64: '', truncated: false };
    assert.equal(undoSummary([{ backup }], NODE).message, 'Restored 1 file on worker-3 (context prod-eu1). Removed sandboxes and containers were not recreated.');
    const refused = undoSummary([{ backup, error: `${seedFile.path} exists again on worker-3 (context prod-eu1); the backup was not restored over it.` }], NODE);
    assert.equal(refused.ok, false);
    assert.match(refused.message, /^Restored 0 of 1 file on worker-3 \(context prod-eu1\)\. \/var\/lib\/cni\/results\/cbr0-.*exists again/);
  });

  it('copies the manual commands of the plan for a cache file, in order, with the notes', () => {
    const target: TreeElement = { kind: 'cniCache', id: 'c1', ref: REF, entry: seedFile, status: 'empty' };
    const p = plan(findingsAbout(target, seedInventory));
    const text = manualCommandsText(p, NODE);
    const backup = `/var/lib/kube-node-doctor/quarantine/2026-11-23T09-00-00-000Z-${seedFile.name}`;
    assert.deepEqual(text.split('\n').filter((l) => l !== '' && !l.startsWith('#')), [
      'mkdir -p -m 700 -- /var/lib/kube-node-doctor/quarantine',
      `[ "$(sha256sum < ${seedFile.path})" = '${EMPTY_SHA}  -' ] && mv -n -- ${seedFile.path} ${backup}`,
      `crictl --runtime-endpoint unix:///run/containerd/containerd.sock stopp ${SEED} && crictl --runtime-endpoint unix:///run/containerd/containerd.sock rmp ${SEED}`,
    ]);
    assert.match(text, /^# Runtime unix:\/\/\/run\/containerd\/containerd\.sock; removed files go to \/var\/lib\/kube-node-doctor\/quarantine\./m);
  });

  it('finds the audit entries of one run among other lines, skipping a line cut by a concurrent append', () => {
    const entry = (node: string, stepId: string): AuditEntry => ({
      at: '2026-11-23T09:01:00.000Z', actor: 'alice@laptop (VS Code)', node, access: 'bridge', stepId, findingId: 'f', repair: 'remove-cache-file-and-sandbox',
      action: 'remove-cache-file', object: seedFile.path, before: '0 bytes', after: 'gone', result: 'done', detail: 'removed',
    });
    const text = [entry('worker-3', '01-remove-cache-file'), entry('worker-9', '01-remove-cache-file'), entry('worker-3', '02-remove-sandbox')]
      .map((e) => JSON.stringify(e)).join('\n') + '\n{"at":"2026-11-23T09:0';
    assert.deepEqual(auditEntriesOfRun(text, 'worker-3', ['01-remove-cache-file', '02-remove-sandbox']).map((e) => [e.node, e.stepId]),
      [['worker-3', '01-remove-cache-file'], ['worker-3', '02-remove-sandbox']]);
  });

  it('accepts only well-formed backups from an Undo argument', () => {
    assert.equal(isBackup({ original: seedFile.path, quarantinePath: '/q/x', size: 0, sha256: EMPTY_SHA }), true);
    assert.equal(isBackup({ original: 'relative/path', quarantinePath: '/q/x', size: 0, sha256: EMPTY_SHA }), false);
    assert.equal(isBackup({ original: seedFile.path, quarantinePath: '/q/x', size: 0, sha256: 'nope' }), false);
  });

  it('takes the object of Remove Sandbox… / Remove Container… from a tree element, {ref, sandboxId} or {ref, id}', () => {
    const sandboxElement = { kind: 'sandbox', id: `bridge/prod-eu1/worker-3#sandbox:${SEED}`, ref: REF, sandbox: seedInventory.sandboxes[0], badCache: true };
    assert.deepEqual(removalTargetOf(sandboxElement, 'sandbox'), { ref: REF, object: { kind: 'sandbox', sandboxId: SEED } });
    assert.deepEqual(removalTargetOf({ ref: REF, id: SEED.toUpperCase() }, 'sandbox'), { ref: REF, object: { kind: 'sandbox', sandboxId: SEED } });
    assert.deepEqual(removalTargetOf({ ref: REF, containerId: orphan.id }, 'container'), { ref: REF, object: { kind: 'container', containerId: orphan.id } });
    assert.deepEqual(removalTargetOf({ kind: 'container', id: 'tree#container:x', ref: REF, container: orphan }, 'container'), { ref: REF, object: { kind: 'container', containerId: orphan.id } });
    assert.equal(removalTargetOf(sandboxElement, 'container'), undefined, 'a sandbox element is no container');
    assert.equal(removalTargetOf({ ref: REF, id: 'abc' }, 'sandbox'), undefined, 'a short ID is refused');
    assert.equal(removalTargetOf({ id: SEED }, 'sandbox'), undefined, 'no node');
  });
});
