import * as assert from 'node:assert/strict';
import type { RepairPlan } from '../../../src/core/repair/types';
import { findingDocumentName, findingMarkdown } from '../../../src/ui/tree/findingText';
import { SEED, seedNode } from './inventories';

describe('the document a finding opens (its article and repair plan)', () => {
  it('has the sentence, the full IDs, the category\'s article and the plan\'s exact commands, saying nothing has run', async () => {
    const finding = (await seedNode()).findings.find((f) => f.category === 'cni-cache-corrupt' && f.sandboxId === SEED.stuck);
    assert.ok(finding);
    const plan: RepairPlan = {
      node: 'w1', createdAt: '', endpoint: 'unix:///run/containerd/containerd.sock', quarantineDir: '/var/lib/kube-node-doctor/quarantine', findingIds: [finding.id],
      notes: ['kubelet recreates the pod'],
      steps: [{
        id: '01-remove-cache-file', findingId: finding.id, repair: 'remove-cache-file-and-sandbox', title: 'Move the empty cache file into quarantine', risk: 'low',
        object: finding.path ?? '', precondition: 'the file is still empty', manualCommand: "mv -- '/var/lib/cni/results/x' '/var/lib/kube-node-doctor/quarantine/x'",
        action: { kind: 'remove-cache-file', path: finding.path ?? '', expectedSha256: '', quarantineTo: '' },
      } as unknown as RepairPlan['steps'][number]],
    };
    const text = findingMarkdown(finding, 'w1 (context lab)', { kind: 'plan', plan });
    assert.match(text, /^# Empty or corrupt CNI cache file — `prod\/web-6c9b8`\n\n\*\*ERROR\*\* on `w1 \(context lab\)`/);
    assert.ok(text.includes('```text\nCNI cache file is empty (0 bytes) for sandbox 055b221e44a2 (prod/web-6c9b8, NotReady)\n'), 'the sentence, literally');
    assert.ok(text.indexOf('## Repair plan') < text.indexOf('## What it means'), 'the plan before the article');
    assert.ok(text.includes(`\`${SEED.stuck}\``), 'the full sandbox ID');
    assert.match(text, /## What it means/);
    assert.match(text, /1 step on w1, in this order\. Nothing has run/);
    assert.ok(text.includes("```sh\n   mv -- '/var/lib/cni/results/x'"), text);
    assert.match(text, /## References\n\n- \[containerd\/containerd\\#8197/);
    assert.equal(findingDocumentName(finding), `cni-cache-corrupt-${SEED.stuck.slice(0, 12)}.md`);
  });

  it('says why there is no plan: no automatic repair, or the plan could not be made', async () => {
    const info = (await seedNode()).findings.find((f) => f.severity === 'info');
    assert.ok(info);
    assert.match(findingMarkdown({ ...info, repair: undefined }, 'w1', { kind: 'none' }), /has no automatic repair/);
    assert.match(findingMarkdown(info, 'w1', { kind: 'failed', message: 'the bridge pod could not start' }), /The plan could not be made: the bridge pod could not start/);
  });
});
