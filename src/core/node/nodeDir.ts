import * as path from 'node:path';
import { NodeDoctorError } from '../errors';

/**
 * A node directory from a setting or a flag (quarantine dir, CNI dirs, runtime socket), checked before it is mounted into
 * a bridge pod or written to: absolute, no `.` or `..` segment (`/var/lib/kube-node-doctor/../../..` is the node's `/`),
 * not `/` itself, no control characters. Returns the path without trailing slashes.
 */
export function requireNodeDir(what: string, dir: string): string {
  const problem = typeof dir !== 'string' || dir === '' ? 'it is empty'
    : !path.posix.isAbsolute(dir) ? 'it is not an absolute path'
    // eslint-disable-next-line no-control-regex -- control characters are what this rejects
    : /[\u0000-\u001f\u007f]/.test(dir) ? 'it holds control characters'
    : dir.split('/').some((segment) => segment === '..' || segment === '.') ? 'it has a "." or ".." segment'
    : dir.replace(/\/+$/, '') === '' ? 'it is the node\'s root directory'
    : undefined;
  if (problem !== undefined) {
    throw new NodeDoctorError('bad-input', `${what} ${JSON.stringify(String(dir).slice(0, 200))} is refused: ${problem}.`, {
      hint: 'Use an absolute directory such as /var/lib/kube-node-doctor/quarantine, without "..".',
    });
  }
  return dir.replace(/\/+$/, '');
}
