import { constants, promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { errnoOf, NodeDoctorError } from '../errors';
import type { AuditEntry, AuditSink, PlanStep } from './types';

function auditError(file: string, error: unknown): NodeDoctorError {
  const code = errnoOf(error);
  const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'read-only file system' : code === 'ENOSPC' ? 'no space left on the device' : code ?? String(error);
  return new NodeDoctorError(code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'forbidden' : 'internal', `cannot write the audit log ${file}: ${why}`, { cause: error });
}

/**
 * Appends one JSON document per line to a local file (created with mode 0600), flushed to disk before `append`
 * resolves: the executor acts only once the intent is durable.
 */
export class JsonLinesAuditSink implements AuditSink {
  constructor(private readonly file: string) {}

  async append(entry: AuditEntry): Promise<void> {
    const line = Buffer.from(`${JSON.stringify(entry)}\n`, 'utf8');
    let handle: FileHandle | undefined;
    try {
      await fs.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
      handle = await fs.open(this.file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK, 0o600);
      if (!(await handle.stat()).isFile()) throw new NodeDoctorError('bad-input', `the audit log ${this.file} is not a regular file`);
      const { bytesWritten } = await handle.write(line, 0, line.length);
      if (bytesWritten !== line.length) throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
      await handle.datasync();
    } catch (error) {
      if (error instanceof NodeDoctorError) throw error;
      throw auditError(this.file, error);
    } finally {
      await handle?.close().catch(() => undefined);
    }
  }
}

/** Keeps entries in memory (tests, and the extension before it writes them out). */
export class MemoryAuditSink implements AuditSink {
  readonly entries: AuditEntry[] = [];

  append(entry: AuditEntry): Promise<void> {
    this.entries.push(entry);
    return Promise.resolve();
  }
}

/** What an audit record is about: who acted, on which node and through what, and which step on which object. */
export type AuditSubject = Pick<AuditEntry, 'runId' | 'actor' | 'node' | 'access' | 'stepId' | 'findingId' | 'repair' | 'action' | 'object'>;

/** The subject of a plan step's records. */
export function stepSubject(step: PlanStep, by: Pick<AuditEntry, 'runId' | 'actor' | 'node' | 'access'>): AuditSubject {
  return { ...by, stepId: step.id, findingId: step.findingId, repair: step.repair, action: step.action.kind, object: step.object };
}

/**
 * The one builder of audit records (the executor's intent and outcome records, the restore of a backup): the subject,
 * then what happened, stamped now; optional fields that are absent or empty are left out.
 */
export function auditRecord(subject: AuditSubject, what: Omit<AuditEntry, keyof AuditSubject | 'at'>): AuditEntry {
  const { error, backup, snapshots, ...rest } = what;
  return {
    at: new Date().toISOString(), ...subject, ...rest,
    ...(error !== undefined ? { error } : {}), ...(backup ? { backup } : {}), ...(snapshots && snapshots.length > 0 ? { snapshots } : {}),
  };
}
