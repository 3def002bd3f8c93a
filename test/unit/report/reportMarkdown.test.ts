import * as assert from 'node:assert/strict';
import { reportMarkdown } from '../../../src/core/report/reportMarkdown';
import { isWebviewMessage } from '../../../src/shared/reportProtocol';
import type { ReportModel } from '../../../src/shared/reportProtocol';

const SANDBOX = '055b221e44a28ce8d9120f771d5e1ef201f2457ce49c58999a0147104cca2708';

function model(overrides: Partial<ReportModel> = {}): ReportModel {
  return {
    node: 'talos-192-168-1-15',
    access: 'local',
    generatedAt: '2026-11-23T08:00:00.000Z',
    readAt: Date.parse('2026-11-23T08:00:00.000Z'),
    versions: { runtime: 'containerd 1.6.20~ds1' },
    counts: [{ label: 'Sandboxes', value: 1204, detail: '3 NotReady' }],
    listSizes: [{ method: 'ListPodSandbox', bytes: 5 * 1024 * 1024 }],
    listStrategy: 'single-list',
    findings: [{
      id: `cni-cache-corrupt:${SANDBOX}`,
      category: 'cni-cache-corrupt',
      severity: 'error',
      title: 'Empty CNI result cache | blocks teardown',
      explanation: 'The cache file is 0 bytes.',
      object: `sandbox ${SANDBOX.slice(0, 12)}`,
      steps: [
        { title: 'Remove the cache file (backed up)', risk: 'low', manualCommand: `rm -f /var/lib/cni/results/cbr0-${SANDBOX}-eth0` },
        { title: 'Remove the sandbox', risk: 'medium', manualCommand: `crictl rmp ${SANDBOX}` },
      ],
    }],
    ...overrides,
  };
}

describe('node report export', () => {
  it('lists each finding with its repair plan as runnable commands', () => {
    const md = reportMarkdown(model());
    assert.match(md, /^# Node report: talos-192-168-1-15$/m);
    assert.match(md, /^1\. Remove the cache file \(backed up\) \(risk: low\)$/m);
    assert.match(md, new RegExp(`^crictl rmp ${SANDBOX}$`, 'm'));
  });

  it('shows list sizes against both gRPC limits', () => {
    const md = reportMarkdown(model());
    assert.match(md, /\| ListPodSandbox \| 5\.0 MiB \| 125 % \| 31 % \|/);
  });

  it('escapes table separators in data so the table stays intact', () => {
    const md = reportMarkdown(model({ counts: [{ label: 'a|b', value: 1 }] }));
    assert.match(md, /\| a\\\|b \| 1 \|/);
  });

  it('says so when there is nothing to repair', () => {
    assert.match(reportMarkdown(model({ findings: [] })), /No problems found\./);
  });
});

describe('webview message protocol', () => {
  it('accepts the messages the report sends', () => {
    assert.ok(isWebviewMessage({ type: 'repair', findingId: 'cni-cache-corrupt:abc' }));
    assert.ok(isWebviewMessage({ type: 'generatePrevention', monitoring: 'victoriametrics', talos: true }));
    assert.ok(isWebviewMessage({ type: 'ready' }));
  });

  it('drops anything else a compromised or stale webview could post', () => {
    assert.ok(!isWebviewMessage({ type: 'repair' }));
    assert.ok(!isWebviewMessage({ type: 'repair', findingId: 'x'.repeat(600) }));
    assert.ok(!isWebviewMessage({ type: 'generatePrevention', monitoring: 'graphite', talos: false }));
    assert.ok(!isWebviewMessage({ type: 'runShell', argv: ['rm', '-rf', '/'] }));
    assert.ok(!isWebviewMessage('repair'));
    assert.ok(!isWebviewMessage(null));
  });
});
