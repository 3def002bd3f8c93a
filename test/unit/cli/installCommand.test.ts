import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../diagnosis/fixturePaths';

const CLI = path.join(repoRoot, 'dist', 'cli.js');

function cli(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// `install` copies the single executable (npm run build:exe); the integration test runs it in the image. From the
// Node.js script there is nothing to copy: it says so and writes nothing.
describe('kube-node-doctor install outside the single executable', () => {
  it('refuses with exit 2 and writes nothing when run by node from dist/cli.js', () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'knd-install-')), 'target');
    try {
      const r = cli(['install', '--to', dir]);
      assert.equal(r.status, 2);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^kube-node-doctor install: install copies the single executable \(npm run build:exe → dist\/kube-node-doctor-linux-x64\); this is node running a script\n$/);
      assert.equal(fs.existsSync(dir), false);
    } finally {
      fs.rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  });

  it('needs an absolute --to directory', () => {
    for (const args of [['install'], ['install', '--to', 'relative/dir'], ['install', '--to=']]) {
      const r = cli(args);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, /--to needs an absolute directory/);
    }
    assert.match(cli(['install', '--bogus']).stderr, /unexpected argument "--bogus"/);
  });
});
