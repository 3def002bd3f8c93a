import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { errnoOf, NodeDoctorError } from '../errors';

/** A filesystem failure on the node as the error its reason names (permission, missing, a symlink not followed). */
export function fsError(action: string, nodePath: string, error: unknown): NodeDoctorError {
  if (error instanceof NodeDoctorError) return error;
  const code = errnoOf(error);
  if (code === 'EACCES' || code === 'EPERM') {
    return new NodeDoctorError('forbidden', `Permission denied to ${action} ${nodePath}.`, { cause: error, hint: 'Run as root (the CNI cache directory is mode 0700).' });
  }
  if (code === 'ENOENT') {
    return new NodeDoctorError('not-found', `${nodePath} does not exist.`, { cause: error });
  }
  if (code === 'ELOOP') {
    return new NodeDoctorError('bad-input', `${nodePath} is a symbolic link; not followed.`, { cause: error });
  }
  return new NodeDoctorError('internal', `Could not ${action} ${nodePath}: ${code ?? String(error)}.`, { cause: error });
}

/**
 * One small file, not following a final symlink; undefined when it is gone, not a regular file, or too large.
 * O_NONBLOCK: a FIFO put in place of a listed file must not block the read (it has no effect on regular files).
 * Reads into `scratch` when the file fits it, and returns a copy of exactly the bytes read.
 */
export function readSmallSync(file: string, maxBytes: number, scratch: Buffer): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size > maxBytes) return undefined;
    // Room for the file to have grown a little since the stat; a file that grew past maxBytes is left out.
    const room = Math.min(maxBytes, stat.size + 4096) + 1;
    const buffer = room <= scratch.length ? scratch : Buffer.allocUnsafe(room);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, room - length, length);
      if (n === 0) break;
      length += n;
      if (length > maxBytes) return undefined;
      if (length === room) return undefined; // still growing past what the stat allowed for
    }
    return Buffer.from(buffer.subarray(0, length));
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
