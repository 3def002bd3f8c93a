import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { diagnoseText } from '../../../src/core/diagnosis/logDiagnoser';
import type { Finding, SandboxItem } from '../../../src/core/inventory/types';
import type { RepairPlan } from '../../../src/core/repair/types';
import { buttonLabel, confirmation } from '../../../src/ui/commands/repairText';
import { assertionConfirmation, hostPidConfirmation, isStopTimeoutLogFinding, reasonFromLog } from '../../../src/ui/commands/stuckSandboxText';
import { findingElement } from '../../../src/ui/tree/treeContent';
import { present } from '../../../src/ui/tree/treeLabels';
import type { PresentationContext } from '../../../src/ui/tree/treeLabels';
import { readLogFixture } from '../diagnosis/fixturePaths';

const ID = '1539506e4ba8fa3452b2388f2536f6c6a5f83331ec77049cc139bba4dd27cda3';
const repoRoot = path.resolve(__dirname, '../../../..');

const plan: RepairPlan = {
  node: 'w1', createdAt: '', endpoint: 'unix:///run/containerd/containerd.sock', quarantineDir: '/var/lib/kube-node-doctor/quarantine', findingIds: [`sandbox-stop-timeout:${ID}`], notes: ['Why: r', `If the stop does not finish within 30 s, PID 4242 is killed: /usr/bin/containerd-shim-runc-v2 -namespace k8s.io -id ${ID} -address /run/containerd/containerd.sock`],
  steps: [{
    id: '01-force-stop-sandbox', findingId: `sandbox-stop-timeout:${ID}`, repair: 'force-stop-stuck-sandbox', title: 'Force-stop stuck sandbox 1539506e4ba8 (prod/web-0): …', risk: 'high',
    object: `sandbox ${ID}`, precondition: 'the sandbox still exists', manualCommand: 'crictl …',
    action: { kind: 'force-stop-sandbox', sandboxId: ID, stopTimeoutMs: 30_000, needsHostProcesses: true },
  }],
};

describe('Force-Stop Stuck Sandbox: log, tree and modal texts', () => {
  it('a kubelet StopPodSandbox deadline on a gVisor sandbox (containerd 1.6 wording) names the sandbox and maps to the force-stop', () => {
    const findings = diagnoseText(readLogFixture('sandbox-stop-timeout-gvisor.log'), { year: 2026 }).findings;
    assert.equal(findings.length, 1);
    const f = findings[0];
    assert.deepEqual([f.category, f.sandboxId, f.reason, f.method], ['sandbox-stop-timeout', ID, 'context deadline exceeded', 'StopPodSandbox']);
    assert.ok(isStopTimeoutLogFinding(f));
    assert.equal(isStopTimeoutLogFinding({ category: 'cni-cache-corrupt' }), false);
    assert.equal(reasonFromLog(f), 'the log shows kubelet\'s StopPodSandbox of this sandbox failing with "context deadline exceeded" (log line 1): kubelet is stopping the pod.');
  });

  it('asks "Switch to Host-PID Profile" and says what the profile is before anything is killed', () => {
    const ask = hostPidConfirmation(plan, 'w1 (context prod)', 'least-privilege');
    assert.equal(ask.message, 'Force-stopping sandbox 1539506e4ba8 on w1 (context prod) needs the bridge\'s host-pid profile. Switch to it?');
    assert.equal(ask.button, 'Switch to Host-PID Profile');
    assert.match(ask.detail, /least-privilege profile\) cannot see the node's processes/);
    assert.match(ask.detail, /privileged, in the node's PID namespace \(hostPID\)/);
    assert.match(ask.detail, /Nothing is killed yet/);
  });

  it('the repair modal says "Force-Stop 1 Sandbox" and lists the notes naming the process', () => {
    assert.equal(buttonLabel(plan), 'Force-Stop 1 Sandbox');
    const ask = confirmation(plan, 'w1', { dryRun: false });
    assert.ok(ask.detail.includes(`• If the stop does not finish within 30 s, PID 4242 is killed: /usr/bin/containerd-shim-runc-v2 -namespace k8s.io -id ${ID} -address`), 'the exact process, with the full sandbox ID');
    assert.match(ask.detail, /Risk: high/);
  });

  it('asks for the user\'s word when nothing says the pod is gone', () => {
    const sandbox: SandboxItem = { id: ID, state: 'SANDBOX_READY', name: 'web-0', namespace: 'prod', uid: 'u', attempt: 0, createdAtMs: 0, runtimeHandler: 'runsc', ips: [] };
    const ask = assertionConfirmation(sandbox, 'w1');
    assert.equal(ask.button, 'The Pod Is Meant to Be Gone');
    assert.match(ask.message, /^Force-stop sandbox 1539506e4ba8 \(prod\/web-0\) on w1\?$/);
  });

  it('a stuck-sandbox finding and a Ready sandbox get the menu entry; a NotReady sandbox does not (package.json when clause)', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { contributes: { menus: Record<string, { command: string; when?: string }[]> } };
    const entry = manifest.contributes.menus['view/item/context'].find((m) => m.command === 'kubeNodeDoctor.forceStopStuckSandbox');
    const pattern = /viewItem =~ \/(.+)\/$/.exec(entry?.when ?? '')?.[1];
    assert.ok(pattern);
    const matches = (contextValue: string): boolean => new RegExp(pattern).test(contextValue);
    const finding: Finding = { id: `sandbox-stop-timeout:${ID}`, category: 'sandbox-stop-timeout', rule: 'pod-terminating-sandbox-ready', severity: 'error', title: 't', detail: 'd', repair: 'force-stop-stuck-sandbox', sandboxId: ID };
    const ctx = { nowMs: 0, pageSize: 100, nodeView: () => undefined, nodeElement: () => undefined } as unknown as PresentationContext;
    const item = present(findingElement({ kind: 'local', name: 'Local node' }, finding), ctx);
    assert.equal(item.contextValue, 'finding.error.repairable.stuck');
    assert.equal(matches(item.contextValue), true);
    assert.equal(matches('sandbox.ready'), true);
    assert.equal(matches('sandbox.notReady.badCache'), false);
    assert.equal(matches('finding.repairable'), false);
  });
});
