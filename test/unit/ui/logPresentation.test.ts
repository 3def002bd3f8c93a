import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { diagnoseText } from '../../../src/core/diagnosis/logDiagnoser';
import { fixCommandsFor } from '../../../src/core/diagnosis/explain';
import type { LogFinding } from '../../../src/core/diagnosis/types';
import {
  findingActions, findingSummary, hiddenLensMessage, hiddenLensReason, lensTitle, relatedLines, shortObject,
} from '../../../src/ui/logs/presentation';
import { repoRoot } from '../diagnosis/fixturePaths';

const SEED = '055b221e44a28ce8d9120f771d5e1ef201f2457ce49c58999a0147104cca2708';

function demo(name: string): LogFinding[] {
  return diagnoseText(fs.readFileSync(path.join(repoRoot, 'test/fixtures/demo/logs', name), 'utf8')).findings;
}

describe('log lens presentation', () => {
  it('makes the lens short: the category short name, the short sandbox ID and the count; the hover keeps the full sentence', () => {
    const [first] = demo('kubelet-talos-worker.log');
    assert.equal(lensTitle(first), 'Empty or corrupt CNI cache file · 055b221e44a2 · 120 lines');
    assert.equal(findingSummary(first), 'Empty or invalid CNI result cache · sandbox 055b221e44a2 · network cbr0 · 120 lines');
  });

  it('names the method or the cause when a finding names no sandbox, and nothing for the node as a whole', () => {
    const titles = demo('cri-message-too-large.log').map(lensTitle);
    assert.deepEqual(titles, [
      'CRI response larger than the gRPC message limit · ListPodSandbox 8,398,577 > 8,388,608 bytes · 3 lines',
      'CRI response larger than the gRPC message limit · 1 line',
    ]);
    const stop = demo('describe-pod-terminating.log').find((f) => f.sandboxId === undefined && f.category === 'sandbox-stop-timeout');
    assert.ok(stop);
    assert.equal(shortObject(stop), 'context deadline exceeded');
  });

  it('clips a long object so the lens stays one short line', () => {
    const finding: LogFinding = { category: 'runtime-call-failed', rule: 'runtime-call-failed', severity: 'error', title: 'x', count: 2, lines: [1, 2], reason: 'a'.repeat(200) };
    const object = shortObject(finding) ?? '';
    assert.ok(object.length <= 48 && object.endsWith('…'), object);
  });

  it('offers Explain and Copy Fix Commands on every finding, and Find/Repair on Node only when it names a sandbox', () => {
    const [withSandbox] = demo('kubelet-talos-worker.log');
    const actions = findingActions(withSandbox, 'file:///tmp/kubelet.log');
    assert.deepEqual(actions.map((a) => a.id), ['explain', 'copyFixCommands', 'findOnNode', 'repairOnNode']);
    assert.deepEqual(actions.map((a) => a.command), ['kubeNodeDoctor.explainFinding', 'kubeNodeDoctor.copyFixCommands', 'kubeNodeDoctor.findOnNode', 'kubeNodeDoctor.repairOnNode']);
    assert.deepEqual(actions[0].arguments, [withSandbox, 'file:///tmp/kubelet.log'], 'Explain knows which log the finding came from');
    assert.equal(actions[2].arguments[0], SEED, 'the node actions get the full sandbox ID');
    const fix = fixCommandsFor(withSandbox);
    assert.equal(actions[1].detail, `${fix.length} commands to run on the node: ${fix[0]} …`);
    const [noSandbox] = demo('cri-message-too-large.log');
    assert.deepEqual(findingActions(noSandbox).map((a) => a.id), ['explain', 'copyFixCommands']);
    assert.match(findingActions(noSandbox)[0].fixTitle, /^Explain: CRI response larger than the gRPC message limit \(ListPodSandbox/);
  });

  it('numbers the related lines against the lens count and says when it lists only the first N of M', () => {
    const [first] = demo('kubelet-talos-worker.log');
    const related = relatedLines(first, 20);
    assert.equal(related.length, 20);
    assert.deepEqual(related.map((r) => r.line), first.lines.slice(1, 21));
    assert.equal(related[0].message, 'same problem, line 2 of 120 (the first 21 are listed)');
    assert.equal(related[19].message, 'same problem, line 21 of 120 (the first 21 are listed)');
    const small: LogFinding = { ...first, count: 3, lines: [4, 9, 12] };
    assert.deepEqual(relatedLines(small, 20).map((r) => r.message), ['same problem, line 2 of 3', 'same problem, line 3 of 3']);
    // An event row "(x229 over 49m)" counts 229 times on one line: no other line to list.
    const repeated: LogFinding = { ...first, count: 229, lines: [2] };
    assert.deepEqual(relatedLines(repeated, 20), []);
  });

  it('explains hidden lenses once with the command-line alternative: editor.codeLens off, large-file optimisations, over the limit', () => {
    const base = { editorCodeLens: true, largeFileOptimizations: true, bytes: 1000, chars: 1000, lines: 10, limit: 50 * 1024 * 1024 };
    assert.equal(hiddenLensReason(base), undefined);
    assert.deepEqual(hiddenLensReason({ ...base, editorCodeLens: false }), { kind: 'codeLens-off' });
    assert.deepEqual(hiddenLensReason({ ...base, lines: 300_001 }), { kind: 'large-file', bytes: 1000, lines: 300_001 });
    assert.deepEqual(hiddenLensReason({ ...base, chars: 21 * 1024 * 1024, bytes: 21 * 1024 * 1024 }), { kind: 'large-file', bytes: 21 * 1024 * 1024, lines: 10 });
    assert.equal(hiddenLensReason({ ...base, largeFileOptimizations: false, lines: 400_000 }), undefined);
    assert.deepEqual(hiddenLensReason({ ...base, bytes: 60 * 1024 * 1024 }), { kind: 'too-large', bytes: 60 * 1024 * 1024, limit: 50 * 1024 * 1024 });
    const off = hiddenLensMessage({ kind: 'codeLens-off' }, 'kubelet.log', 3);
    assert.match(off, /editor\.codeLens/);
    assert.match(off, /3 problems: see the Problems panel/);
    assert.match(off, /kube-node-doctor diagnose FILE/);
    assert.match(hiddenLensMessage({ kind: 'too-large', bytes: 60 * 1024 * 1024, limit: 50 * 1024 * 1024 }, 'big.log', undefined), /^big\.log \(60 MB\) is over the 50 MB limit/);
  });
});
