import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { labPaths, startLabStandIn } from '../standin/labStandIn';
import type { LabStandIn } from '../standin/labStandIn';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');

function cli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

describe('kube-node-doctor inspect --context --node (bundled CLI through the bridge)', function () {
  this.timeout(60_000);
  let env: LabStandIn;

  before(async function () {
    const lab = labPaths();
    if (!lab || !fs.existsSync(CLI)) this.skip();
    env = await startLabStandIn(lab);
  });
  after(async () => {
    await env?.close();
  });

  it('prints the node inventory as JSON and leaves no bridge pod behind', async () => {
    const run = await cli(['inspect', '--kubeconfig', env.kubeconfig, '--context', 'lab', '--node', env.node, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const inventory = JSON.parse(run.stdout) as { runtime: { runtimeName?: string; name?: string }; sandboxes: unknown[]; findings: unknown[]; listStrategy: unknown };
    assert.ok(Array.isArray(inventory.sandboxes) && Array.isArray(inventory.findings));
    assert.match(JSON.stringify(inventory.runtime), /containerd/);
    assert.equal(env.standIn.podsIn('kube-system').length, 0);
  });

  it('ends with exit code 2 and one line naming the context for an unreachable cluster, missing RBAC and a missing context', async () => {
    env.standIn.denied.add('create pods');
    try {
      const cases: [string, RegExp][] = [
        ['unreachable', /context "unreachable" \(ECONNREFUSED\)/],
        ['lab', /RBAC in context "lab" does not allow create pods in namespace kube-system/],
        ['missing', /Context "missing" is not in the kubeconfig/],
        ['bad-token', /context "bad-token" rejected the credentials/],
      ];
      for (const [context, expected] of cases) {
        const run = await cli(['inspect', '--kubeconfig', env.kubeconfig, '--context', context, '--node', env.node]);
        assert.equal(run.code, 2, `${context}: ${run.stderr}`);
        const lines = run.stderr.trim().split('\n');
        assert.equal(lines.length, 1, `one line for ${context}: ${run.stderr}`);
        assert.match(lines[0], expected);
        assert.ok(!run.stderr.includes(env.standIn.token) && !/\bat .*\.js:\d+/.test(run.stderr), 'no credential, no stack');
      }
    } finally {
      env.standIn.denied.clear();
    }
  });
});
