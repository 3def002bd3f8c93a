// `npm run build:exe`: the CLI as one Linux x64 executable that runs where no Node.js is installed (node-problem-detector's
// image has none). A Node single-executable application (SEA): one esbuild bundle of the whole CLI (the node commands
// included, no sibling file required at run time) → `node --experimental-sea-config` blob → injected with postject into a
// copy of this machine's `node`.
//
// This `node` links libstdc++.so.6 and libgcc_s.so.1 dynamically, and a minimal Debian base has neither. Every library
// the executable needs beyond glibc is copied from this machine into dist/kube-node-doctor-libs/, and the executable's
// RUNPATH is set to `$ORIGIN/kube-node-doctor-libs` (patchelf, Debian's `patchelf` package), so it finds them beside
// itself whatever the environment (NPD runs plugins with its own; LD_LIBRARY_PATH is never needed).
//
// Output:  dist/kube-node-doctor-linux-x64        the executable
//          dist/kube-node-doctor-libs/*            libraries it needs that glibc does not provide (+ their copyright files)
// Usage:   node packaging/buildExe.mjs [--quiet]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const EXE = path.join(repoRoot, 'dist', 'kube-node-doctor-linux-x64');
export const LIBS_DIR_NAME = 'kube-node-doctor-libs';
export const LIBS = path.join(repoRoot, 'dist', LIBS_DIR_NAME);
/** postject's sentinel for Node's SEA fuse (Node 20 docs, "Single executable applications"). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
/**
 * glibc's own libraries: every glibc-based image has them, and they must match the image's loader, so they are never shipped.
 * (Names as `ldd` prints them.)
 */
export const GLIBC_LIBS = new Set(['linux-vdso.so.1', 'ld-linux-x86-64.so.2', 'libc.so.6', 'libm.so.6', 'libdl.so.2', 'libpthread.so.0', 'librt.so.1',
  'libresolv.so.2', 'libutil.so.1', 'libnsl.so.1', 'libanl.so.1', 'libBrokenLocale.so.1', 'libmvec.so.1', 'libc_malloc_debug.so.0', 'libthread_db.so.1']);

const quiet = process.argv.includes('--quiet');
function say(message) {
  if (!quiet) process.stderr.write(`[build:exe] ${message}\n`);
}

function run(argv, options = {}) {
  const result = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, ...options });
  if (result.error) throw new Error(`${argv[0]}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${argv.join(' ')} exited with ${result.status ?? result.signal}\n${result.stdout ?? ''}${result.stderr ?? ''}`);
  return result.stdout;
}

/** `ldd FILE` → [{ name, path }] of the libraries it loads (transitively), without the vDSO. */
export function sharedLibraries(file) {
  const out = run(['ldd', file]);
  const libs = [];
  for (const line of out.split('\n')) {
    const m = line.trim().match(/^(\S+)\s+=>\s+(\S+)\s+\(0x[0-9a-f]+\)$/) ?? line.trim().match(/^(\/\S+)\s+\(0x[0-9a-f]+\)$/);
    if (m === null) {
      if (/not found/.test(line)) throw new Error(`ldd ${file}: ${line.trim()}`);
      continue;
    }
    const libPath = m[2] ?? m[1];
    libs.push({ name: path.basename(m[1]), path: libPath });
  }
  return libs;
}

/** Why this machine cannot build the executable, or undefined when it can. */
export function exeBuildBlocker() {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `needs Linux x64 (this is ${process.platform}/${process.arch})`;
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 12)) return `needs Node.js >= 20.12 for single-executable applications with node:sea (this is ${process.version})`;
  if (spawnSync('patchelf', ['--version']).status !== 0) return 'needs patchelf (Debian package "patchelf": apt-get install patchelf)';
  if (!fs.existsSync(path.join(repoRoot, 'node_modules', 'postject', 'package.json'))) return 'needs the npm devDependency postject (npm ci)';
  return undefined;
}

export async function buildExe() {
  const blocker = exeBuildBlocker();
  if (blocker) throw new Error(`cannot build the single executable: ${blocker}`);
  const started = Date.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-exe-'));
  try {
    // 1. One script: the CLI with the node commands bundled in (KND_SINGLE_BUNDLE), minified, no source map.
    const script = path.join(work, 'cli-sea.js');
    await esbuild.build({
      entryPoints: [path.join(repoRoot, 'src/cli/main.ts')], outfile: script, bundle: true, platform: 'node', target: 'node20', format: 'cjs',
      minify: true, legalComments: 'none', define: { KND_SINGLE_BUNDLE: 'true', KND_VERSION: JSON.stringify(JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version) }, logLevel: 'warning',
    });
    // A SEA's require() loads built-in modules only: any other require left in the script would fail at run time.
    // (Three optional peers stay: node-fetch's `encoding`, ws's `bufferutil` and `utf-8-validate`; both packages require them
    // inside try/catch and fall back to their own code, as they do when the peers are not installed.)
    const leftover = [...fs.readFileSync(script, 'utf8').matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]).filter((id) => !isBuiltin(id) && !OPTIONAL_PEERS.has(id));
    if (leftover.length > 0) throw new Error(`the SEA script still requires non-built-in modules: ${[...new Set(leftover)].join(', ')}`);
    say(`bundled the CLI into one script (${(fs.statSync(script).size / 1e6).toFixed(1)} MB)`);

    // 2. The SEA blob.
    const blob = path.join(work, 'sea-prep.blob');
    const config = path.join(work, 'sea-config.json');
    fs.writeFileSync(config, JSON.stringify({ main: script, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }));
    run([process.execPath, '--experimental-sea-config', config]);

    // 3. A copy of this node with the blob injected, then RUNPATH $ORIGIN/<libs>. In this order: postject (LIEF) rewriting
    //    a binary patchelf had changed yields one ld.so cannot load; patchelf after postject keeps the blob's note intact.
    const exe = path.join(work, 'kube-node-doctor-linux-x64');
    fs.copyFileSync(process.execPath, exe);
    fs.chmodSync(exe, 0o755);
    run([process.execPath, path.join(repoRoot, 'node_modules/postject/dist/cli.js'), exe, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE]);
    run(['patchelf', '--set-rpath', `$ORIGIN/${LIBS_DIR_NAME}`, exe]);

    // 4. The libraries beyond glibc, from this machine, with their Debian copyright files (libstdc++ and libgcc_s are
    //    GPL-3.0 with the GCC Runtime Library Exception, which allows shipping them).
    const needed = sharedLibraries(exe).filter((lib) => !GLIBC_LIBS.has(lib.name));
    fs.rmSync(LIBS, { recursive: true, force: true });
    fs.mkdirSync(LIBS, { recursive: true });
    for (const lib of needed) {
      fs.copyFileSync(fs.realpathSync(lib.path), path.join(LIBS, lib.name));
      fs.chmodSync(path.join(LIBS, lib.name), 0o644);
    }
    const copyrights = [];
    for (const lib of needed) {
      // dpkg knows a file by the path its package installed (/lib/… on a merged-/usr system), which may not be the real path.
      const owner = [lib.path, fs.realpathSync(lib.path)].map((p) => spawnSync('dpkg', ['-S', p], { encoding: 'utf8' }))
        .find((r) => r.status === 0)?.stdout.split(':')[0];
      const copyright = owner ? `/usr/share/doc/${owner}/copyright` : undefined;
      if (copyright && fs.existsSync(copyright) && !copyrights.includes(owner)) {
        fs.copyFileSync(copyright, path.join(LIBS, `${owner}.copyright`));
        copyrights.push(owner);
      }
    }
    fs.mkdirSync(path.dirname(EXE), { recursive: true });
    fs.rmSync(EXE, { force: true });
    fs.renameSync(exe, EXE);
    const rpath = run(['patchelf', '--print-rpath', EXE]).trim();
    if (rpath !== `$ORIGIN/${LIBS_DIR_NAME}`) throw new Error(`RUNPATH of ${EXE} is "${rpath}" after postject`);
    say(`${path.relative(repoRoot, EXE)} (${(fs.statSync(EXE).size / 1e6).toFixed(1)} MB, RUNPATH ${rpath}) + ${LIBS_DIR_NAME}/ ${needed.map((l) => l.name).join(' ')}`
      + ` in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { exe: EXE, libs: needed.map((l) => l.name) };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function isBuiltin(id) {
  return id.startsWith('node:') || BUILTINS.has(id);
}
const OPTIONAL_PEERS = new Set(['encoding', 'bufferutil', 'utf-8-validate']);
const BUILTINS = new Set((await import('node:module')).builtinModules);

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await buildExe();
  } catch (error) {
    process.stderr.write(`[build:exe] ${error instanceof Error ? error.message : error}\n`);
    process.exit(1);
  }
}
