import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AuditEntry } from '../../src/core/repair/types';
import { choose, closeAll, until } from './support';

const SEED = '055b221e44a28ce8d9120f771d5e1ef201f2457ce49c58999a0147104cca2708';
const FILE = `/var/lib/cni/results/cbr0-${SEED}-eth0`;
const SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const REF = { kind: 'bridge', context: 'prod-eu1', node: 'worker-3' } as const;

/**
 * The extension's global storage, where its audit log lives: code-server runs with --user-data-dir <tmp>/user-data and
 * XDG_CONFIG_HOME <tmp>/xdg-config (test/harness/codeServer.mjs), and the extension host inherits that environment.
 */
function auditLogPath(): string {
  const xdg = process.env.XDG_CONFIG_HOME;
  assert.ok(xdg, 'the harness sets XDG_CONFIG_HOME');
  return path.join(path.dirname(xdg), 'user-data', 'User', 'globalStorage', 'kube-node-doctor.kube-node-doctor', 'audit.jsonl');
}

function record(at: string, stepId: string, action: AuditEntry['action'], object: string, phase: 'intent' | 'outcome', extra: Partial<AuditEntry> = {}): AuditEntry {
  return {
    phase, at, actor: 'ops@laptop (VS Code)', node: 'worker-3', access: 'bridge pod in kube-system on node worker-3 (context prod-eu1)',
    stepId, findingId: 'f', repair: 'remove-cache-file-and-sandbox', action, object, before: 'b', after: phase === 'outcome' ? 'a' : '',
    result: phase === 'outcome' ? 'done' : 'intended', detail: 'd', ...extra,
  };
}

describe('repair history and dry run in a real VS Code', () => {
  const file = auditLogPath();
  before(() => {
    const backup = { original: FILE, quarantinePath: `/var/lib/kube-node-doctor/quarantine/x-cbr0-${SEED}-eth0`, size: 0, sha256: SHA, contentBase64: '', truncated: false };
    const at = new Date(Date.now() - 5 * 60_000).toISOString();
    const records = [
      record(at, '01-remove-cache-file', 'remove-cache-file', FILE, 'intent'),
      record(at, '01-remove-cache-file', 'remove-cache-file', FILE, 'outcome', { backup }),
      record(at, '02-remove-sandbox', 'remove-sandbox', `sandbox ${SEED}`, 'intent'),
      record(at, '02-remove-sandbox', 'remove-sandbox', `sandbox ${SEED}`, 'outcome'),
    ];
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.appendFileSync(file, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
  });
  afterEach(closeAll);
  after(async () => {
    await vscode.workspace.getConfiguration('kubeNodeDoctor').update('repair.dryRun', undefined, vscode.ConfigurationTarget.Global);
  });

  it('lists the node\'s runs from the audit log and opens them as a read-only document (what, when, result, backup)', async () => {
    await choose(vscode.commands.executeCommand('kubeNodeDoctor.showRepairHistory', { ref: REF }), 0);
    const document = await until(() => vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'kube-node-doctor-history'), 'the history document');
    const text = document.getText();
    assert.equal(document.languageId, 'markdown');
    assert.ok(!document.isDirty);
    assert.match(text, /^# Repair history of worker-3 \(context prod-eu1\)/);
    assert.match(text, /## Quarantined 1 file and removed 1 sandbox\n\n- When: 5 min ago \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)\n- Result: 2 done\n- Backup: 1 file backed up \(Undo available\)/);
    assert.ok(text.includes(`- done: remove-sandbox \`sandbox ${SEED}\``));
  });

  it('Turn On Dry Run writes the user setting, and a second Turn On leaves it as it is (Turn Off asks first: test/e2e)', async () => {
    const config = (): boolean | undefined => vscode.workspace.getConfiguration('kubeNodeDoctor').inspect<boolean>('repair.dryRun')?.globalValue;
    assert.equal(config(), undefined);
    await vscode.commands.executeCommand('kubeNodeDoctor.turnOnDryRun');
    assert.equal(config(), true);
    assert.equal(vscode.workspace.getConfiguration('kubeNodeDoctor').get('repair.dryRun'), true);
    await vscode.commands.executeCommand('kubeNodeDoctor.turnOnDryRun');
    assert.equal(config(), true);
  });
});
