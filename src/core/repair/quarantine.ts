import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { describeError, NodeDoctorError } from '../errors';
import type { NodeAccess } from '../node/nodeAccess';
import { fitName } from './shell';
import type { Backup } from './types';

/** The file steps' side of the executor: re-reading a planned file, and moving one into quarantine with its proof. */

const MAX_FILE_BYTES = 1024 * 1024;
const MAX_AUDIT_CONTENT = 64 * 1024;

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A step that found, while acting, that the node is not what was planned: nothing is left changed. */
export class StepRefused extends Error {
  constructor(message: string, readonly reason: 'precondition-changed' | 'backup-failed', readonly before?: string) {
    super(message);
  }
}

/** The file's bytes, or why it is not the regular file that was planned (gone, a FIFO, a directory, a symlink). */
export async function fileDigest(access: NodeAccess, file: string, signal?: AbortSignal): Promise<{ data: Buffer; sha256: string } | 'gone' | string> {
  const stat = await access.stat(file, signal);
  if (!stat) return 'gone';
  if (!stat.isFile) return `${file} is no longer a regular file`;
  try {
    const data = await access.readFile(file, MAX_FILE_BYTES, signal);
    return { data, sha256: sha256(data) };
  } catch (error) {
    if (error instanceof NodeDoctorError && error.reason === 'not-found') return 'gone';
    if (error instanceof NodeDoctorError && error.reason === 'bad-input') return `${file}: ${error.message}`;
    throw error;
  }
}

/** The planned backup path, or a free variant of it (`-2`, `-3`, …) when a file is already there. */
async function freeBackupPath(access: NodeAccess, planned: string, signal?: AbortSignal): Promise<string> {
  for (let n = 1; n < 100; n++) {
    const candidate = n === 1 ? planned : path.posix.join(path.posix.dirname(planned), fitName(path.posix.basename(planned), `-${n}`));
    if (!(await access.stat(candidate, signal))) return candidate;
  }
  throw new StepRefused(`no free backup name for ${planned}`, 'backup-failed');
}

/**
 * Moves the file into quarantine (same filesystem: a rename; across filesystems: a copy that is removed again when it
 * fails, e.g. on a full disk), then compares the moved bytes with the planned sha256: a file that changed after the
 * re-check is moved back and the step refused. What the audit records as "before" is what was moved.
 */
export async function quarantineFile(access: NodeAccess, file: string, plannedSha: string, plannedBackup: string, released: boolean, signal?: AbortSignal): Promise<Backup> {
  const dir = path.posix.dirname(plannedBackup);
  try {
    await access.makeDir(dir, 0o700, signal);
  } catch (error) {
    if (error instanceof NodeDoctorError && error.reason === 'cancelled') throw error;
    throw new StepRefused(`cannot create the quarantine dir ${dir}: ${describeError(error)}; ${file} was left in place`, 'backup-failed');
  }
  const target = await freeBackupPath(access, plannedBackup, signal);
  try {
    await access.moveFile(file, target, signal);
  } catch (error) {
    if (error instanceof NodeDoctorError && error.reason === 'cancelled') throw error;
    // A partial copy (disk full) must not stay behind as if it were a backup; the original is still in place.
    if (await access.stat(file, signal).catch(() => undefined)) await access.removeFile(target, signal).catch(() => undefined);
    throw new StepRefused(`could not move ${file} into quarantine (${describeError(error)}); it was left in place`, 'backup-failed');
  }
  let data: Buffer | undefined;
  let problem: string | undefined;
  try {
    const stat = await access.stat(target, signal);
    if (!stat?.isFile) problem = `${file} was replaced by something that is not a regular file`;
    else data = await access.readFile(target, MAX_FILE_BYTES, signal);
  } catch (error) {
    problem = `${file} could not be read back from quarantine: ${describeError(error)}`;
  }
  const actual = data ? sha256(data) : undefined;
  if (!data || actual !== plannedSha) {
    // Changed between the re-check and the move: put it back (unless something new took its place) and refuse.
    const restored = (await access.stat(file, signal).catch(() => undefined)) ? false : await access.moveFile(target, file, signal).then(() => true, () => false);
    const where = restored ? 'it was moved back untouched' : `it stays at ${target}`;
    throw new StepRefused(`${problem ?? `${file} changed after the re-check (now ${data?.length ?? 0} bytes, sha256 ${actual?.slice(0, 12)}, planned ${plannedSha.slice(0, 12)})`}; ${where}`, 'precondition-changed',
      data ? `${file}: ${data.length} bytes, sha256 ${actual} (not the planned ${plannedSha})` : undefined);
  }
  return {
    original: file, quarantinePath: target, size: data.length, sha256: actual,
    contentBase64: data.subarray(0, MAX_AUDIT_CONTENT).toString('base64'), truncated: data.length > MAX_AUDIT_CONTENT,
    ...(released ? { released: true } : {}),
  };
}
