// The command line installable on its own: `npm pack` gives a tarball with the bundled CLI and no dependencies, and
// `npm install -g --prefix DIR <tgz>` installs it offline; the installed `kube-node-doctor` runs, and reads the lab
// node when one runs. The .vsix contents are not changed by it (vsce ls).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { labEnv, repoRoot } from './support/lab';

function npm(args: readonly string[], cwd: string): { code: number; stdout: string; stderr: string } {
  // Offline and away from any registry: a tarball without dependencies needs none.
  const env = { ...process.env, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
  const r = spawnSync('npm', args, { cwd, env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('the CLI as an npm package (npm pack, npm install -g)', function () {
  this.timeout(180_000);
  let dir: string;
  let bin: string;

  before(function () {
    const root = repoRoot();
    if (!fs.existsSync(path.join(root, 'dist/cli.js')) || !fs.existsSync(path.join(root, 'dist/cliNode.js'))) throw new Error('dist/cli.js or dist/cliNode.js missing: run "node esbuild.mjs" first');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-pack-'));
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('packs the two CLI bundles, the README and the licence, and declares no dependency', () => {
    const packed = npm(['pack', '--json', '--pack-destination', dir], repoRoot());
    assert.equal(packed.code, 0, packed.stderr);
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    assert.deepEqual(info.files.map((f) => f.path).sort(), ['CHANGELOG.md', 'LICENSE', 'README.md', 'dist/cli.js', 'dist/cliNode.js', 'package.json']);
    const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')) as { bin: Record<string, string>; dependencies?: object };
    assert.deepEqual(manifest.bin, { 'kube-node-doctor': './dist/cli.js' });
    assert.equal(manifest.dependencies, undefined, 'everything the CLI needs is bundled');
    assert.ok(fs.existsSync(path.join(dir, info.filename)));

    const prefix = path.join(dir, 'prefix');
    const installed = npm(['install', '-g', '--prefix', prefix, path.join(dir, info.filename)], dir);
    assert.equal(installed.code, 0, installed.stderr);
    bin = path.join(prefix, 'bin', 'kube-node-doctor');
    assert.ok(fs.existsSync(bin), 'the bin link');
    assert.deepEqual(fs.readdirSync(path.join(prefix, 'lib', 'node_modules')), ['kube-node-doctor'], 'nothing else installed');
  });

  it('runs from the install: --version, npd-check --help, an Unknown answer, and (with the lab) a real check', function () {
    if (!bin) this.skip();
    // From a directory outside the repository, with PATH reaching node only.
    const env = { PATH: path.dirname(process.execPath), HOME: dir };
    const run = (args: string[]): { code: number; stdout: string; stderr: string } => {
      const r = spawnSync(bin, args, { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    };
    const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')) as { version: string };
    const version = run(['--version']);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout, `kube-node-doctor ${manifest.version}\n`);
    const help = run(['npd-check', '--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^usage: kube-node-doctor npd-check CONDITION/);
    assert.match(help.stdout, /--runtime-endpoint/, 'the node flags come from dist/cliNode.js');
    const dead = run(['npd-check', 'OrphanContainers', '--runtime-endpoint', `unix://${path.join(dir, 'no.sock')}`, '--cache-dir', 'off']);
    assert.equal(dead.code, 2);
    assert.match(dead.stdout, /^Unknown: cannot reach the container runtime at unix:\/\/.*no\.sock\n$/);

    const lab = labEnv();
    if (!lab) return;
    const real = run(['npd-check', 'SandboxBacklog', '--runtime-endpoint', lab.endpoint, '--cni-cache-dir', lab.cniCacheDir, '--cni-conf-dir', lab.cniConfDir,
      ...(lab.hostRoot ? ['--host-root', lab.hostRoot] : []), '--cache-dir', path.join(dir, 'cache')]);
    assert.ok(real.code === 0 || real.code === 1, `${real.stdout}${real.stderr}`);
    assert.match(real.stderr, /read the inventory in .*containerd /, 'gRPC and the CRI protos load from the installed bundle');
  });

  it('leaves the .vsix contents as .vscodeignore says (no CLI bundle in it)', () => {
    const r = spawnSync(process.execPath, [path.join(repoRoot(), 'node_modules/@vscode/vsce/vsce'), 'ls', '--no-dependencies'], { cwd: repoRoot(), encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const files = r.stdout.trim().split('\n').sort();
    assert.ok(files.includes('dist/extension.js'));
    assert.ok(!files.includes('dist/cli.js') && !files.includes('dist/cliNode.js') && !files.includes('.npmignore'), files.join(', '));
  });
});
