import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CriRuntime } from '../../src/core/cri/types';
import { cacheFilePath, cleanupAll, labCri, labEnv, repoRoot, requireLab, runSandbox } from './support/lab';

interface Run { readonly code: number; readonly stdout: string; readonly stderr: string }

function cli(args: readonly string[]): Run {
  const lab = requireLab();
  const nodeFlags = ['--runtime-endpoint', lab.endpoint, '--cni-cache-dir', lab.cniCacheDir, '--cni-conf-dir', lab.cniConfDir, '--cni-bin-dir', lab.cniBinDir];
  if (lab.hostRoot) nodeFlags.push('--host-root', lab.hostRoot);
  const r = spawnSync(process.execPath, [path.join(repoRoot(), 'dist/cli.js'), ...args, ...nodeFlags], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('kube-node-doctor inspect and repair (the built CLI)', function () {
  this.timeout(120_000);
  let cri: CriRuntime;
  let work: string;

  before(async function () {
    if (!labEnv()) this.skip();
    if (!fs.existsSync(path.join(repoRoot(), 'dist/cli.js'))) throw new Error('dist/cli.js missing: run "node esbuild.mjs" first');
    cri = labCri();
    await cleanupAll();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-cli-'));
  });
  after(async () => {
    if (!labEnv()) return;
    await cleanupAll();
    cri.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('prints the inventory as JSON with the seed finding, then dry-runs, then repairs it with --yes', async () => {
    const id = await runSandbox({ name: 'cli-seed', namespace: 'knd-cli' });
    const file = cacheFilePath('cbr0', id, 'eth0');
    fs.truncateSync(file, 0);
    await cri.stopPodSandbox(id).catch(() => undefined);

    const inspected = cli(['inspect', '--json']);
    assert.equal(inspected.code, 0, inspected.stderr);
    const doc = JSON.parse(inspected.stdout) as Record<string, unknown>;
    for (const key of ['runtime', 'sandboxes', 'containers', 'cniCache', 'findings', 'listStrategy']) assert.ok(key in doc, key);
    const findings = doc.findings as { id: string; category: string; rule: string; title: string; sandboxId?: string; path?: string }[];
    const finding = findings.find((f) => f.sandboxId === id);
    assert.equal(finding?.id, `cni-cache-corrupt:cbr0-${id}-eth0`);
    assert.equal(finding?.path, file);
    assert.equal((doc.runtime as { runtimeName: string }).runtimeName, 'containerd');

    const dry = cli(['repair', '--finding', finding.id, '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, new RegExp(`crictl --runtime-endpoint ${requireLab().endpoint} stopp ${id}`));
    assert.match(dry.stdout, /nothing was changed/);
    assert.equal(fs.statSync(file).size, 0, 'dry run changed nothing');
    assert.equal((await cri.podSandboxStatus(id)).state, 'SANDBOX_NOTREADY');

    const auditLog = path.join(work, 'audit.jsonl');
    const quarantine = path.join(work, 'quarantine');
    const applied = cli(['repair', '--finding', finding.id, '--yes', '--audit-log', auditLog, '--quarantine-dir', quarantine]);
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.equal(fs.existsSync(file), false);
    const entries = fs.readFileSync(auditLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { result: string; findingId: string });
    assert.deepEqual(entries.map((e) => e.result), ['intended', 'done', 'intended', 'done'], 'write-ahead: each step\'s intent, then its outcome');
    assert.equal(fs.readdirSync(quarantine).length, 1);
    const rerun = cli(['repair', '--finding', finding.id, '--yes', '--audit-log', auditLog, '--quarantine-dir', quarantine]);
    assert.equal(rerun.code, 2, 'a finding that is gone is an unknown ID, with --yes as with --dry-run');
    assert.match(rerun.stderr, /No finding "cni-cache-corrupt:.*" on this node \(already repaired/);
    const unknown = cli(['repair', '--finding', 'cni-cache-corrupt:no-such-file', '--yes', '--audit-log', auditLog, '--quarantine-dir', quarantine]);
    assert.equal(unknown.code, 2, unknown.stdout);
    assert.doesNotMatch(unknown.stdout, /All steps done/);
    const after = JSON.parse(cli(['inspect', '--json']).stdout) as { findings: { sandboxId?: string }[]; sandboxes: { id: string }[] };
    assert.equal(after.sandboxes.some((s) => s.id === id), false);
  });

  it('says in one line that the runtime is unreachable and exits 2', () => {
    const r = spawnSync(process.execPath, [path.join(repoRoot(), 'dist/cli.js'), 'inspect', '--runtime-endpoint', `unix://${path.join(work, 'no.sock')}`], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /no\.sock/);
    assert.equal(r.stdout, '');
  });

  it('rejects repair without a finding selection or without --dry-run/--yes', () => {
    assert.equal(cli(['repair', '--yes']).code, 2);
    assert.equal(cli(['repair', '--all']).code, 2);
  });
});
