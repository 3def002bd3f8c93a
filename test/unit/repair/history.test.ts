import * as assert from 'node:assert/strict';
import { lastUndoable, nodeRefOf, parseAuditLog, repairHistory } from '../../../src/core/repair/history';
import type { AuditEntry, Backup } from '../../../src/core/repair/types';
import { historyDocument, historyItem, nothingToUndo, whatWasDone } from '../../../src/ui/commands/repairHistoryText';

const SEED = '055b221e44a28ce8d9120f771d5e1ef201f2457ce49c58999a0147104cca2708';
const FILE = `/var/lib/cni/results/cbr0-${SEED}-eth0`;
const EMPTY_SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const ACTOR = 'ops@laptop (VS Code)';
const BRIDGE = 'bridge pod in kube-system on node worker-3 (context prod-eu1)';
const T0 = Date.parse('2027-01-15T08:00:00.000Z');
const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();
const backup: Backup = { original: FILE, quarantinePath: `/var/lib/kube-node-doctor/quarantine/20270115T080000Z-cbr0-${SEED}-eth0`, size: 0, sha256: EMPTY_SHA, contentBase64: '', truncated: false };

/** The two records the executor appends per step (write-ahead intent, then outcome). */
function step(seconds: number, stepId: string, action: AuditEntry['action'], object: string, result: AuditEntry['result'], extra: Partial<AuditEntry> = {}, node = 'worker-3'): AuditEntry[] {
  const base = { actor: ACTOR, node, access: BRIDGE, stepId, findingId: `f-${stepId}`, repair: 'remove-cache-file-and-sandbox' as const, action, object, before: 'b', after: '' };
  const intent: AuditEntry = { ...base, phase: 'intent', at: at(seconds), result: 'intended', detail: 'about to act' };
  if (result === 'intended') return [intent];
  return [intent, { ...base, phase: 'outcome', at: at(seconds + 1), result, detail: result === 'done' ? 'done' : 'the state changed', after: 'a', ...extra }];
}

function restore(seconds: number, result: 'done' | 'refused'): AuditEntry {
  return {
    at: at(seconds), actor: ACTOR, node: 'worker-3', access: BRIDGE, stepId: `undo-${EMPTY_SHA.slice(0, 12)}`, findingId: '', repair: 'undo', action: 'restore-file',
    object: FILE, before: `absent; backup ${backup.quarantinePath}`, after: 'present (0 bytes)', result, detail: 'restored',
  };
}

const lines = (records: AuditEntry[]): string => records.map((r) => JSON.stringify(r)).join('\n');

describe('repair history from the audit log', () => {
  const firstRun = [
    ...step(0, '01-remove-cache-file', 'remove-cache-file', FILE, 'done', { backup }),
    ...step(3, '02-remove-sandbox', 'remove-sandbox', `sandbox ${SEED}`, 'done'),
  ];
  // A second plan on the same node 5 minutes later: its step numbers start again at 01.
  const secondRun = [
    ...step(300, '01-remove-container', 'remove-container', `container ${'4d'.repeat(32)}`, 'done'),
    ...step(302, '02-remove-sandbox', 'remove-sandbox', `sandbox ${'9f'.repeat(32)}`, 'refused'),
  ];

  it('groups each run\'s intent and outcome records into one entry, newest first, with its counts and undoable backups', () => {
    const text = `${lines([...firstRun, ...secondRun])}\n{"at":"cut by a concurrent app`;
    const { records, skipped } = parseAuditLog(text);
    assert.equal(skipped, 1);
    const history = repairHistory(records);
    assert.equal(history.length, 2);
    const [second, first] = history;
    assert.deepEqual(first.steps.map((s) => [s.stepId, s.result]), [['01-remove-cache-file', 'done'], ['02-remove-sandbox', 'done']]);
    assert.deepEqual([first.startedAt, first.endedAt], [at(0), at(4)]);
    assert.deepEqual(first.undoable, [backup]);
    assert.deepEqual(first.removed, { sandboxes: 1, containers: 0, released: 0 });
    assert.equal(whatWasDone(first), 'quarantined 1 file and removed 1 sandbox');
    assert.deepEqual([second.counts.done, second.counts.refused], [1, 1]);
    assert.equal(second.undoable.length, 0);
    assert.equal(lastUndoable(history), first, 'Undo Last Repair skips the newer run that backed nothing up');
  });

  it('marks a backup restored by a later Undo, so the run no longer offers it, and shows the Undo as its own entry', () => {
    const history = repairHistory(parseAuditLog(lines([...firstRun, restore(600, 'done')])).records);
    assert.deepEqual(history.map((e) => e.kind), ['undo', 'repair']);
    assert.deepEqual([history[1].undoable.length, history[1].restored.length], [0, 1]);
    assert.equal(whatWasDone(history[0]), 'restored 1 file from quarantine (Undo)');
    assert.equal(lastUndoable(history), undefined);
    assert.match(nothingToUndo(3), /^None of the 3 recorded repairs has a backed-up file left to restore/);
    assert.equal(nothingToUndo(1), 'The one recorded repair has no backed-up file left to restore (removed sandboxes and containers cannot be put back).');
  });

  it('keeps a refused restore undoable, and a step whose outcome never came as interrupted', () => {
    const interrupted = [...step(0, '01-remove-cache-file', 'remove-cache-file', FILE, 'done', { backup }), ...step(2, '02-remove-sandbox', 'remove-sandbox', `sandbox ${SEED}`, 'intended')];
    const history = repairHistory(parseAuditLog(lines([...interrupted, restore(100, 'refused')])).records);
    const run = history.find((e) => e.kind === 'repair');
    assert.ok(run);
    assert.equal(run.undoable.length, 1);
    assert.deepEqual(run.steps.map((s) => s.result), ['done', 'interrupted']);
  });

  it('starts a new run when a plan starts again at step 01, even right after a one-step run', () => {
    const records = [
      ...step(0, '01-remove-container', 'remove-container', 'container x', 'done'),
      ...step(2, '01-remove-cache-file', 'remove-cache-file', FILE, 'done', { backup }),
      ...step(3, '02-remove-sandbox', 'remove-sandbox', `sandbox ${SEED}`, 'done'),
      ...step(5, '01-remove-cache-file', 'remove-cache-file', FILE, 'refused'),
    ];
    assert.deepEqual(repairHistory(records).map((e) => e.steps.map((s) => s.stepId)), [['01-remove-cache-file'], ['01-remove-cache-file', '02-remove-sandbox'], ['01-remove-container']]);
  });

  it('starts a new run after a 10-minute gap, and keeps nodes apart (filtered by node)', () => {
    const records = [
      ...step(0, '01-remove-cache-file', 'remove-cache-file', FILE, 'done', { backup }),
      ...step(1200, '02-remove-sandbox', 'remove-sandbox', `sandbox ${SEED}`, 'done'),
      ...step(5, '01-remove-container', 'remove-container', 'container x', 'done', {}, 'worker-4'),
    ];
    assert.equal(repairHistory(records).length, 3);
    assert.deepEqual(repairHistory(records, { node: 'worker-4' }).map((e) => e.node), ['worker-4']);
  });

  it('groups records by their run ID exactly, even two interleaved runs that the step numbers alone would split wrongly', () => {
    const a = (r: AuditEntry): AuditEntry => ({ ...r, runId: 'run-a' });
    const b = (r: AuditEntry): AuditEntry => ({ ...r, runId: 'run-b' });
    const [a1i, a1o] = step(0, '01-remove-cache-file', 'remove-cache-file', FILE, 'done', { backup });
    const [b1i, b1o] = step(1, '01-remove-container', 'remove-container', `container ${'4d'.repeat(32)}`, 'done');
    const [a2i, a2o] = step(2, '02-remove-sandbox', 'remove-sandbox', `sandbox ${SEED}`, 'done');
    const history = repairHistory([a(a1i), b(b1i), a(a1o), b(b1o), a(a2i), a(a2o)]);
    assert.equal(history.length, 2);
    const byFirstStep = new Map(history.map((h) => [h.steps[0].stepId, h.steps.map((s) => s.stepId)]));
    assert.deepEqual(byFirstStep.get('01-remove-cache-file'), ['01-remove-cache-file', '02-remove-sandbox']);
    assert.deepEqual(byFirstStep.get('01-remove-container'), ['01-remove-container']);
  });

  it('knows how to reach the node again from the recorded access', () => {
    assert.deepEqual(nodeRefOf({ node: 'worker-3', access: BRIDGE }), { kind: 'bridge', context: 'prod-eu1', node: 'worker-3' });
    assert.deepEqual(nodeRefOf({ node: 'demo', access: 'local (host root /host)' }), { kind: 'local', name: 'demo' });
    assert.equal(nodeRefOf({ node: 'worker-3', access: 'bridge pod in kube-system on node other (context c)' }), undefined);
  });

  it('reads as what, when (relative and absolute), result and backup in the quick pick and the document', () => {
    const [run] = repairHistory(parseAuditLog(lines(firstRun)).records);
    const item = historyItem(run, T0 + 3 * 60_000);
    assert.equal(item.label, '$(check) Quarantined 1 file and removed 1 sandbox');
    assert.equal(item.detail, '3 min ago (2027-01-15 08:00:00 UTC) · 2 done · 1 file backed up (Undo available)');
    const doc = historyDocument([run], 'worker-3 (context prod-eu1)', T0 + 2 * 3_600_000);
    assert.match(doc, /^# Repair history of worker-3 \(context prod-eu1\)\n\n1 run in the audit log, newest first\./);
    assert.match(doc, /- When: 2 h ago \(2027-01-15 08:00:00 UTC\)\n- Result: 2 done\n- Backup: 1 file backed up \(Undo available\)/);
    assert.ok(doc.includes(`- done: remove-cache-file \`${FILE}\`; backup \`${backup.quarantinePath}\``));
  });

});
