// Provisioning shared by `npm test`, `npm start` and the benches: npm packages, Debian packages, code-server.
// Everything comes from the npm registry or Debian apt; nothing is downloaded from anywhere else.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const cacheDir = path.join(repoRoot, '.cache');
/** code-server 4.100.3 = VS Code 1.100.3, whose engine is Node 20 like this machine's (see README, "Testing"). */
export const CODE_SERVER_VERSION = '4.100.3';

export function log(message) {
  process.stderr.write(`[harness] ${message}\n`);
}

/** Runs an argv (no shell), inheriting stdio unless `capture`; throws on a non-zero exit. */
export function run(argv, { cwd = repoRoot, env = process.env, capture = false, allowFail = false } = {}) {
  const result = spawnSync(argv[0], argv.slice(1), { cwd, env, stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit', encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  if (result.status !== 0 && !allowFail) {
    const detail = capture ? `\n${result.stdout}\n${result.stderr}` : '';
    throw new Error(`${argv.join(' ')} exited with ${result.status ?? result.signal}${detail}`);
  }
  return result;
}

export function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export function isDebian() {
  return fs.existsSync('/etc/debian_version') && fs.existsSync('/usr/bin/apt-get');
}

/** Why this machine cannot provision system packages, or undefined when it can. */
export function systemProvisioningBlocker() {
  if (process.platform !== 'linux') return `needs Linux (this is ${process.platform})`;
  if (!isDebian()) return 'needs Debian/Ubuntu with apt-get to install chromium, containerd, runc and the CNI plugins';
  if (!isRoot()) return 'needs root (sudo) to install Debian packages and run containerd';
  return undefined;
}

export function ensureNodeModules() {
  const marker = path.join(repoRoot, 'node_modules', '.package-lock.json');
  const lock = path.join(repoRoot, 'package-lock.json');
  if (fs.existsSync(marker) && fs.statSync(marker).mtimeMs >= fs.statSync(lock).mtimeMs) return;
  log('installing npm dependencies (npm ci)');
  run(['npm', 'ci', '--no-audit', '--no-fund'], { env: { ...process.env, npm_config_yes: 'true' } });
}

let aptUpdated = false;
/** Installs the Debian packages that are missing. Requires root on Debian. */
export function ensureAptPackages(packages) {
  const missing = packages.filter((p) => spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' }).stdout?.includes('install ok installed') !== true);
  if (missing.length === 0) return;
  const blocker = systemProvisioningBlocker();
  if (blocker) throw new Error(`missing Debian packages ${missing.join(' ')}; cannot install them: ${blocker}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    log('apt-get update');
    run(['apt-get', '-o', 'DPkg::Lock::Timeout=600', 'update', '-qq'], { env });
    aptUpdated = true;
  }
  log(`apt-get install ${missing.join(' ')}`);
  run(['apt-get', '-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '-qq', '--no-install-recommends', ...missing], { env, capture: true });
}

/**
 * Debian's Docker (20.10) for the Docker-node tests, which run it as a private daemon only. Its package scripts would
 * start the machine's own dockerd: unless the machine already forbids service starts (`/usr/sbin/policy-rc.d` exits 101,
 * as in containers), a policy file forbidding them is in place for the install and removed afterwards.
 */
export function ensureDockerPackages() {
  const installed = spawnSync('dpkg-query', ['-W', '-f=${Status}', 'docker.io'], { encoding: 'utf8' }).stdout?.includes('install ok installed') === true;
  if (installed) return;
  const policy = '/usr/sbin/policy-rc.d';
  const ours = !fs.existsSync(policy);
  if (ours) fs.writeFileSync(policy, '#!/bin/sh\n# kube-node-doctor test harness: no service starts while docker.io is installed\nexit 101\n', { mode: 0o755 });
  try {
    ensureAptPackages(DOCKER_PACKAGES);
  } finally {
    if (ours) fs.rmSync(policy, { force: true });
  }
}

export const DOCKER_PACKAGES = ['docker.io'];
export const BROWSER_PACKAGES = ['chromium', 'fonts-dejavu-core'];
export const CODE_SERVER_BUILD_PACKAGES = ['libkrb5-dev', 'ripgrep', 'python3', 'make', 'g++'];
/** npm run build:exe sets the single executable's RUNPATH with patchelf (the integration stage builds it and its image). */
export const EXE_PACKAGES = ['patchelf'];
/** The unit tests run the bridge's shell scripts under busybox too (the default bridge image's tools). */
export const UNIT_PACKAGES = ['busybox'];
// runsc (gVisor): the lab's `runsc` handler, for the stuck-sandbox tests with real gVisor.
export const RUNTIME_PACKAGES = ['containerd', 'runc', 'containernetworking-plugins', 'socat', 'iproute2', 'gcc', 'libc6-dev', 'util-linux', 'runsc'];

/** Installs code-server from npm into .cache/code-server (once) and returns the path of its launcher. */
export function ensureCodeServer() {
  const dir = path.join(cacheDir, 'code-server');
  const bin = path.join(dir, 'node_modules', '.bin', 'code-server');
  const stamp = path.join(dir, `.installed-${CODE_SERVER_VERSION}`);
  if (fs.existsSync(stamp) && fs.existsSync(bin)) return bin;
  ensureAptPackages(CODE_SERVER_BUILD_PACKAGES);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'kube-node-doctor-code-server', private: true }));
  // @vscode/ripgrep's postinstall downloads rg from GitHub unless this cache file exists: seed it with Debian's rg 13.0.0.
  const rgCache = path.join(process.env.TMPDIR ?? '/tmp', 'vscode-ripgrep-cache-1.15.11');
  const rgTar = path.join(rgCache, 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz');
  if (!fs.existsSync(rgTar)) {
    fs.mkdirSync(rgCache, { recursive: true });
    const tmp = fs.mkdtempSync(path.join(rgCache, 'rg-'));
    fs.copyFileSync('/usr/bin/rg', path.join(tmp, 'rg'));
    fs.chmodSync(path.join(tmp, 'rg'), 0o755);
    run(['tar', 'czf', rgTar, '-C', tmp, 'rg']);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  log(`installing code-server ${CODE_SERVER_VERSION} from npm (about a minute, once)`);
  const env = { ...process.env, npm_config_yes: 'true', npm_config_unsafe_perm: 'true' };
  const res = run(['npm', 'install', '--no-audit', '--no-fund', '--no-save', `code-server@${CODE_SERVER_VERSION}`], { cwd: dir, env, capture: true, allowFail: true });
  if (res.status !== 0 || !fs.existsSync(bin)) {
    throw new Error(`code-server install failed:\n${(res.stdout ?? '').slice(-4000)}\n${(res.stderr ?? '').slice(-4000)}`);
  }
  fs.writeFileSync(stamp, new Date().toISOString());
  return bin;
}

/** Builds the bundles (dist/) and compiles the tests (out/). */
export function build() {
  run(['node', 'esbuild.mjs']);
  run(['npx', 'tsc', '-p', 'tsconfig.test.json']);
}
