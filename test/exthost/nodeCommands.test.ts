import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { closeAll, until } from './support';

// Tree elements as the Node Doctor view passes them to its menu commands (plain data, see src/ui/tree/treeModel.ts).
const SEED = '055b221e44a28ce8d9120f771d5e1ef201f2457ce49c58999a0147104cca2708';
const REF = { kind: 'bridge', context: 'prod-eu1', node: 'worker-3' } as const;
const SANDBOX = {
  kind: 'sandbox', id: `bridge/prod-eu1/worker-3#sandbox:${SEED}`, ref: REF, badCache: true,
  sandbox: { id: SEED, state: 'SANDBOX_NOTREADY', name: 'web', namespace: 'prod', uid: 'u', attempt: 1, createdAtMs: 0, runtimeHandler: 'runc', ips: [] },
};

describe('node commands in a real VS Code', () => {
  afterEach(closeAll);

  it('copies the full 64-hex sandbox ID of a tree element', async () => {
    await vscode.env.clipboard.writeText('');
    await vscode.commands.executeCommand('kubeNodeDoctor.copyId', SANDBOX);
    assert.equal(await vscode.env.clipboard.readText(), SEED);
  });

  it('shows a sandbox as JSON in a read-only document (closing it never asks to save)', async () => {
    await vscode.commands.executeCommand('kubeNodeDoctor.showObjectJson', SANDBOX);
    const document = await until(() => vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'kube-node-doctor-object' && d.getText().includes(SEED)), 'the JSON document');
    assert.equal(document.languageId, 'json');
    assert.ok(!document.isUntitled && !document.isDirty);
    const parsed = JSON.parse(document.getText()) as { node: string; sandbox: { id: string; state: string } };
    assert.equal(parsed.node, 'worker-3 (context prod-eu1)');
    assert.deepEqual([parsed.sandbox.id, parsed.sandbox.state], [SEED, 'SANDBOX_NOTREADY']);
  });
});
