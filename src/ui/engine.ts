import * as os from 'node:os';
import * as path from 'node:path';
import type * as vscode from 'vscode';
import type * as EngineModule from '../engine';
import type { NodeDoctor } from '../core/session/nodeDoctor';
import { readNodeSettings } from './config';

export type Engine = typeof EngineModule;

/**
 * Loads dist/engine.js (client-node, gRPC) on first use, so activation stays fast, and owns the one NodeDoctor of the
 * window. `dispose` deletes every bridge pod it created (awaited by deactivate).
 */
export class EngineHost {
  private doctor: Promise<NodeDoctor> | undefined;
  private engine: Engine | undefined;

  constructor(private readonly context: vscode.ExtensionContext, private readonly log: vscode.LogOutputChannel) {}

  /** The audit log: one JSON line per repair step, in the extension's global storage. */
  get auditLogPath(): string {
    return path.join(this.context.globalStorageUri.fsPath, 'audit.jsonl');
  }

  load(): Engine {
    if (!this.engine) {
      const started = Date.now();
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a second bundle, required lazily on purpose
      this.engine = require(path.join(__dirname, 'engine.js')) as Engine;
      this.log.info(`engine loaded in ${Date.now() - started} ms`);
    }
    return this.engine;
  }

  nodeDoctor(): Promise<NodeDoctor> {
    this.doctor ??= Promise.resolve().then(() => {
      const engine = this.load();
      const audit = new engine.JsonLinesAuditSink(this.auditLogPath);
      return new engine.NodeDoctor({
        settings: readNodeSettings,
        audit: {
          append: async (entry) => {
            await audit.append(entry);
            this.log.info(`audit: ${entry.node} ${entry.stepId} ${entry.action} ${entry.object} → ${entry.result}${entry.error ? ` (${entry.error})` : ''}`);
          },
        },
        actor: `${os.userInfo().username}@${os.hostname()} (VS Code)`,
        client: 'vscode',
        log: (line) => this.log.info(line),
      });
    });
    return this.doctor;
  }

  /** Deletes the bridge pods of this window; called from deactivate. */
  async dispose(): Promise<void> {
    const doctor = this.doctor;
    this.doctor = undefined;
    if (doctor) await (await doctor).dispose();
  }
}
