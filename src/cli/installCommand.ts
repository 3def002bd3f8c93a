import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeError } from '../core/errors';

/**
 * `kube-node-doctor install --to DIR`: the single executable (npm run build:exe) copies itself and the libraries it
 * ships beside it into DIR. The image's initContainer runs it to fill the emptyDir that node-problem-detector's
 * custom-plugin rules invoke (the image has no shell, so no `cp`). Every file is written under a temporary name and
 * renamed, so a reader never sees half a file; the installed copy is run once before the command reports success.
 */

/** The directory beside the executable that holds its libraries; its RUNPATH is `$ORIGIN/` + this (packaging/buildExe.mjs). */
export const EXE_LIBS_DIR = 'kube-node-doctor-libs';
/** The installed executable's name in DIR: the path the deploy/ rules invoke is DIR/kube-node-doctor. */
export const INSTALLED_NAME = 'kube-node-doctor';

const HELP = `usage: kube-node-doctor install --to DIR

Single executable only: copies this executable to DIR/${INSTALLED_NAME} and its libraries to DIR/${EXE_LIBS_DIR}/,
then runs the copy once. For an initContainer that fills the emptyDir node-problem-detector's plugin rules invoke.
`;

interface InstallSource {
  readonly executable: string;
  readonly libsDir: string;
}

/** The running single executable, or a sentence saying why this process is not one. */
function runningExecutable(): InstallSource | string {
  let isSea = false;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- node:sea exists from Node 20.12 only; loaded where it is used
    isSea = (require('node:sea') as { isSea(): boolean }).isSea();
  } catch {
    isSea = false;
  }
  if (!isSea) return `install copies the single executable (npm run build:exe → dist/kube-node-doctor-linux-x64); this is ${path.basename(process.execPath)} running a script`;
  return { executable: process.execPath, libsDir: path.join(path.dirname(process.execPath), EXE_LIBS_DIR) };
}

function copyAtomically(from: string, to: string, mode: number): void {
  const temp = path.join(path.dirname(to), `.${path.basename(to)}.${process.pid}.tmp`);
  try {
    fs.copyFileSync(from, temp);
    fs.chmodSync(temp, mode);
    fs.renameSync(temp, to);
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

export async function installCommand(args: readonly string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  let target: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--to' && args[i + 1] !== undefined) target = args[++i];
    else if (arg.startsWith('--to=')) target = arg.slice('--to='.length);
    else {
      process.stderr.write(`kube-node-doctor install: unexpected argument "${arg}"\n${HELP}`);
      return 2;
    }
  }
  if (target === undefined || target === '' || !path.isAbsolute(target)) {
    process.stderr.write(`kube-node-doctor install: --to needs an absolute directory\n${HELP}`);
    return 2;
  }
  const source = runningExecutable();
  if (typeof source === 'string') {
    process.stderr.write(`kube-node-doctor install: ${source}\n`);
    return 2;
  }
  try {
    const libs = fs.existsSync(source.libsDir) ? fs.readdirSync(source.libsDir).filter((f) => fs.statSync(path.join(source.libsDir, f)).isFile()) : [];
    fs.mkdirSync(path.join(target, EXE_LIBS_DIR), { recursive: true });
    // Libraries first: the executable appears last, so whoever sees it sees it whole and loadable.
    for (const lib of libs) copyAtomically(path.join(source.libsDir, lib), path.join(target, EXE_LIBS_DIR, lib), 0o644);
    const installed = path.join(target, INSTALLED_NAME);
    copyAtomically(source.executable, installed, 0o755);
    const check = spawnSync(installed, ['--help'], { encoding: 'utf8', timeout: 30_000, env: {} });
    if (check.status !== 0) {
      process.stderr.write(`kube-node-doctor install: the installed copy does not run (${check.error?.message ?? `exit ${check.status ?? check.signal}`}): ${(check.stderr ?? '').trim().split('\n')[0] ?? ''}\n`);
      return 1;
    }
    const size = (fs.statSync(installed).size / 1e6).toFixed(1);
    process.stdout.write(`installed ${installed} (${size} MB) and ${libs.length} file${libs.length === 1 ? '' : 's'} in ${path.join(target, EXE_LIBS_DIR)}/\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`kube-node-doctor install: ${describeError(error)}\n`);
    return 1;
  }
}
