// `npm run build:image`: an OCI image of the single executable, built locally like the test runtime's images
// (test/harness/runtime/images/buildImage.sh: one layer, an OCI image-layout tar; no registry, no docker, no internet).
//
// Its root filesystem holds nothing but glibc's own files the executable loads (taken from this machine, with libc6's
// copyright file) and what `npm run build:exe` ships:
//   /kube-node-doctor/kube-node-doctor            the executable (ENTRYPOINT)
//   /kube-node-doctor/kube-node-doctor-libs/      libstdc++.so.6, libgcc_s.so.1 (found through its RUNPATH)
// No shell: the initContainer runs `kube-node-doctor install --to DIR` to fill node-problem-detector's emptyDir.
// `ctr -n k8s.io images import dist/kube-node-doctor-image.tar` names it from its io.containerd.image.name annotation.
// For a registry, packaging/Containerfile builds the same layout on distroless/base-nossl-debian12 (glibc only).
//
// Usage: node packaging/buildImage.mjs [--name NAME] [--out TAR] [--glibc-only]   (builds the executable first when it is missing)
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXE, GLIBC_LIBS, LIBS, LIBS_DIR_NAME, buildExe, sharedLibraries } from './buildExe.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const version = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version;
export const IMAGE_NAME = `localhost/kube-node-doctor:${version}`;
export const IMAGE_TAR = path.join(repoRoot, 'dist', 'kube-node-doctor-image.tar');
/** Where the image keeps the executable, and the directory its libraries must sit in (RUNPATH $ORIGIN/…). */
export const IMAGE_EXE = '/kube-node-doctor/kube-node-doctor';

function run(argv) {
  const result = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (result.error) throw new Error(`${argv[0]}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${argv.join(' ')} exited with ${result.status ?? result.signal}\n${result.stderr ?? ''}`);
  return result.stdout;
}

/** glibc's files that FILE loads, as [{ path in the image, path on this machine }] (the loader at its ELF interpreter path). */
export function glibcFilesFor(file) {
  return sharedLibraries(file).filter((lib) => GLIBC_LIBS.has(lib.name)).map((lib) => ({ inImage: lib.path, source: fs.realpathSync(lib.path) }));
}

function sha256File(file) {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(1 << 20);
    let n;
    while ((n = fs.readSync(fd, buffer, 0, buffer.length, null)) > 0) hash.update(buffer.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/**
 * Writes a one-layer OCI image-layout tar whose root filesystem holds glibc's files for `elf` plus `files`
 * ([{ inImage, source, mode }]). Returns { out, name, layerBytes }.
 */
export function buildRootfsImage({ name, out, elf, files, entrypoint, cmd }) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-image-'));
  try {
    const rootfs = path.join(work, 'rootfs');
    const blobs = path.join(work, 'layout', 'blobs', 'sha256');
    for (const dir of ['dev', 'proc', 'sys', 'etc', 'tmp']) fs.mkdirSync(path.join(rootfs, dir), { recursive: true });
    fs.mkdirSync(blobs, { recursive: true });
    fs.chmodSync(path.join(rootfs, 'tmp'), 0o1777);
    fs.writeFileSync(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
    fs.writeFileSync(path.join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
    const glibc = glibcFilesFor(elf).map((f) => ({ ...f, mode: 0o755 }));
    const libcCopyright = '/usr/share/doc/libc6/copyright';
    if (fs.existsSync(libcCopyright)) glibc.push({ inImage: libcCopyright, source: libcCopyright, mode: 0o644 });
    for (const file of [...glibc, ...files]) {
      const dest = path.join(rootfs, file.inImage);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.copyFileSync(file.source, dest);
      fs.chmodSync(dest, file.mode);
    }
    // On a merged-/usr machine ldd names /lib/x86_64-linux-gnu/…; the image keeps those paths as real files (no symlinks needed).
    const layer = path.join(work, 'layer.tar');
    run(['tar', '--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '--format=gnu', '-C', rootfs, '-cf', layer, '.']);
    const store = (file) => {
      const digest = sha256File(file);
      const size = fs.statSync(file).size;
      fs.renameSync(file, path.join(blobs, digest));
      return { digest, size };
    };
    const layerBlob = store(layer);
    const config = path.join(work, 'config.json');
    fs.writeFileSync(config, JSON.stringify({
      architecture: 'amd64', os: 'linux',
      config: { Entrypoint: entrypoint, Cmd: cmd, Env: [], WorkingDir: '/', Labels: { 'org.opencontainers.image.title': 'kube-node-doctor', 'org.opencontainers.image.version': version } },
      rootfs: { type: 'layers', diff_ids: [`sha256:${layerBlob.digest}`] },
    }));
    const configBlob = store(config);
    const manifest = path.join(work, 'manifest.json');
    fs.writeFileSync(manifest, JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${configBlob.digest}`, size: configBlob.size },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${layerBlob.digest}`, size: layerBlob.size }],
    }));
    const manifestBlob = store(manifest);
    fs.writeFileSync(path.join(work, 'layout', 'index.json'), JSON.stringify({
      schemaVersion: 2,
      manifests: [{
        mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${manifestBlob.digest}`, size: manifestBlob.size,
        platform: { architecture: 'amd64', os: 'linux' },
        annotations: { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': name.slice(name.lastIndexOf(':') + 1) },
      }],
    }));
    fs.writeFileSync(path.join(work, 'layout', 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    run(['tar', '--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '--format=gnu', '-C', path.join(work, 'layout'), '-cf', out, 'oci-layout', 'index.json', 'blobs']);
    return { out, name, layerBytes: layerBlob.size, glibc: glibc.map((f) => f.inImage) };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The kube-node-doctor image: glibc + the executable + its libraries. Builds the executable when it is missing. */
export async function buildImage({ name = IMAGE_NAME, out = IMAGE_TAR } = {}) {
  if (!fs.existsSync(EXE) || !fs.existsSync(LIBS)) await buildExe();
  const libs = fs.readdirSync(LIBS).map((f) => ({ inImage: path.posix.join(path.posix.dirname(IMAGE_EXE), LIBS_DIR_NAME, f), source: path.join(LIBS, f), mode: 0o644 }));
  return buildRootfsImage({
    name, out, elf: EXE,
    files: [{ inImage: IMAGE_EXE, source: EXE, mode: 0o755 }, ...libs],
    entrypoint: [IMAGE_EXE], cmd: ['--help'],
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (flag) => { const i = process.argv.indexOf(flag); return i > 0 ? process.argv[i + 1] : undefined; };
  try {
    const t0 = Date.now();
    // --glibc-only: glibc's files and nothing else (a stand-in for a minimal base such as NPD's, without Node.js or libstdc++).
    const image = process.argv.includes('--glibc-only')
      ? (fs.existsSync(EXE) || (await buildExe()), buildRootfsImage({ name: arg('--name') ?? 'localhost/glibc-only:test', out: path.resolve(arg('--out') ?? 'glibc-only.tar'), elf: EXE, files: [], entrypoint: [], cmd: [] }))
      : await buildImage({ name: arg('--name') ?? IMAGE_NAME, out: path.resolve(arg('--out') ?? IMAGE_TAR) });
    process.stderr.write(`[build:image] ${path.relative(repoRoot, image.out)}: ${image.name}, one layer of ${(image.layerBytes / 1e6).toFixed(1)} MB`
      + ` (glibc: ${image.glibc.join(' ')}) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  } catch (error) {
    process.stderr.write(`[build:image] ${error instanceof Error ? error.message : error}\n`);
    process.exit(1);
  }
}
