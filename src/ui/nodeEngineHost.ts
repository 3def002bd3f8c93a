import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describeStranded } from '../core/bridge/stranded';
import type { StrandedPod } from '../core/bridge/stranded';
import type * as EngineModule from '../nodeEngine';
import type { NodeDoctor } from '../core/session/nodeDoctor';
import { describeError } from '../core/errors';
import { readNodeSettings } from './config';

export type Engine = typeof EngineModule;

/**
 * Loads dist/nodeEngine.js (client-node, gRPC) on first use, so activation stays fast, and owns the one NodeDoctor of the
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
      this.engine = require(path.join(__dirname, 'nodeEngine.js')) as Engine;
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

  /**
   * Pods that could not be deleted: each in the log with the command that removes it, and one notification line
   * (it may not show when the window is closing; the log always has them).
   */
  reportStranded(pods: readonly StrandedPod[]): void {
    if (pods.length === 0) return;
    for (const pod of pods) this.log.error(describeStranded(pod));
    const first = pods[0];
    const line = pods.length === 1
      ? `Bridge pod ${first.namespace}/${first.name} could not be deleted; the command that removes it is in the log.`
      : `${pods.length} bridge pods could not be deleted; the commands that remove them are in the log.`;
    void vscode.window.showWarningMessage(line, 'Show Log').then((choice) => { if (choice) this.log.show(true); });
  }

  /** Deletes the bridge pods of this window; called from deactivate. Failures go to the log and a notification. */
  async dispose(): Promise<void> {
    const doctor = this.doctor;
    this.doctor = undefined;
    if (!doctor) return;
    try {
      this.reportStranded(await (await doctor).dispose());
    } catch (error) {
      this.log.error(`Deleting the bridge pods of this window failed: ${describeError(error)}`);
      void vscode.window.showWarningMessage(`Deleting the bridge pods of this window failed: ${describeError(error)}`);
    }
  }
}
