import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { closeAll, until } from './support';

describe('prevention rules command', () => {
  afterEach(closeAll);

  it('opens the Talos containerd metrics patch and VictoriaMetrics alert rules as unsaved documents to review', async () => {
    const before = new Set(vscode.workspace.textDocuments.map((d) => d.uri.toString()));
    await vscode.commands.executeCommand('kubeNodeDoctor.generatePrevention', { monitoring: 'victoriametrics', os: 'talos' });
    const opened = await until(() => {
      const fresh = vscode.workspace.textDocuments.filter((d) => !before.has(d.uri.toString()) && d.isUntitled);
      return fresh.length >= 3 ? fresh : undefined;
    }, 'three generated documents');
    const texts = opened.map((d) => d.getText());
    assert.ok(texts.some((t) => t.includes('path: /etc/cri/conf.d/20-customization.part') && t.includes('address = "0.0.0.0:11234"')), 'Talos patch');
    assert.ok(texts.some((t) => t.includes('kind: VMRule') && t.includes('grpc_method=~"StopPodSandbox|RemovePodSandbox"')), 'VMRule');
    assert.ok(texts.some((t) => t.includes('kubernetes_sd_configs')), 'scrape config');
    assert.ok(opened.every((d) => d.languageId === 'yaml'));
  });
});
