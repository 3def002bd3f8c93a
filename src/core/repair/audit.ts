import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { AuditEntry, AuditSink } from './types';

/** Appends one JSON document per line to a local file (created with mode 0600). */
export class JsonLinesAuditSink implements AuditSink {
  constructor(private readonly file: string) {}

  async append(entry: AuditEntry): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    await fs.appendFile(this.file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
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
