import * as vscode from 'vscode';
import { NodeDoctorError, describeError } from '../core/errors';
import { redact } from '../core/redact';

/**
 * The one place where failures become messages: one sentence (plus the core's next step) and a "Show Log" action;
 * the details go to the log channel. Commands are wrapped with it; background work logs instead of popping up.
 */
export class ErrorReporter {
  constructor(private readonly log: vscode.LogOutputChannel) {}

  async report(action: string, error: unknown): Promise<void> {
    if (error instanceof NodeDoctorError && error.reason === 'cancelled') {
      this.log.info(`${action}: cancelled`);
      return;
    }
    const sentence = describeError(error);
    const hint = error instanceof NodeDoctorError && error.hint ? ` ${redact(error.hint)}` : '';
    this.log.error(`${action} failed: ${sentence}`, error instanceof Error && error.stack ? redact(error.stack) : '');
    const choice = await vscode.window.showErrorMessage(`${action} failed: ${sentence}${hint}`, 'Show Log');
    if (choice === 'Show Log') this.log.show(true);
  }

  /** Wraps a command handler so a failure ends in one message instead of an unhandled rejection; resolves to the handler's value (undefined after a failure). */
  command<A extends unknown[], R>(action: string, handler: (...args: A) => R | Promise<R>): (...args: A) => Promise<R | undefined> {
    return async (...args: A) => {
      try {
        return await handler(...args);
      } catch (error) {
        await this.report(action, error);
        return undefined;
      }
    };
  }
}
