import { createHash, randomUUID } from 'node:crypto';
import { NodeDoctorError } from '../errors';
import type { NodeAccess } from '../node/nodeAccess';
import { auditRecord } from './audit';
import type { AuditSink, Backup } from './types';

export interface RestoreOptions {
  readonly access: NodeAccess;
  readonly audit: AuditSink;
  /** Who undoes (user@host, or the extension's identity). */
  readonly actor: string;
  /** The node's name in the audit record. */
  readonly node: string;
  /** The node as named in messages. */
  readonly nodeLabel: string;
  readonly signal?: AbortSignal;
}

/**
 * Undo of a removed file: copies the quarantined backup back to its original path, and audits the outcome. Refuses when
 * something is there again (libcni or the runtime wrote a new file) or the backup no longer holds the recorded bytes.
 */
export async function restoreBackup(backup: Backup, options: RestoreOptions): Promise<void> {
  const { access, signal } = options;
  const runId = randomUUID();
  const record = (result: 'done' | 'refused', detail: string, after: string, error?: string): Promise<void> => options.audit.append(auditRecord({
    runId, actor: options.actor, node: options.node, access: access.description,
    stepId: `undo-${backup.sha256.slice(0, 12)}`, findingId: '', repair: 'undo', action: 'restore-file', object: backup.original,
  }, { before: `absent; backup ${backup.quarantinePath} (${backup.size} bytes, sha256 ${backup.sha256})`, after, result, detail, error }));
  if (await access.stat(backup.original, signal)) {
    const error = new NodeDoctorError('precondition-changed', `${backup.original} exists again on ${options.nodeLabel}; the backup was not restored over it.`, { hint: `The backup stays at ${backup.quarantinePath}.` });
    await record('refused', 'the file exists again', 'unchanged', error.message);
    throw error;
  }
  const data = await access.readFile(backup.quarantinePath, Math.max(backup.size, 1), signal);
  if (createHash('sha256').update(data).digest('hex') !== backup.sha256) {
    const error = new NodeDoctorError('precondition-changed', `The backup ${backup.quarantinePath} no longer holds the bytes that were removed.`);
    await record('refused', 'the backup changed', 'unchanged', error.message);
    throw error;
  }
  await access.writeFile(backup.original, data, 0o600, signal);
  await record('done', `restored from ${backup.quarantinePath}`, `present (${data.length} bytes)`);
}
