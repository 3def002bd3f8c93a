import * as vscode from 'vscode';

/** Reports a step of the work: a short message, and optionally how much of 100 it adds. */
export type ReportProgress = (message: string, increment?: number) => void;

export interface ProgressOptions {
  readonly title: string;
  /** Shows a Cancel button that aborts the work's signal (default true). */
  readonly cancellable?: boolean;
  /** Where the progress shows (default: a notification). */
  readonly location?: vscode.ProgressLocation | { readonly viewId: string };
  /** Another reason to stop (a view being disposed, a newer request): aborts the work's signal too. */
  readonly signal?: AbortSignal;
}

/**
 * The one progress/cancel wrapper of the commands: runs `work` under a VS Code progress notification and maps the
 * notification's Cancel (a CancellationToken) to an AbortSignal, which every core call takes.
 */
export async function withProgress<T>(options: ProgressOptions | string, work: (signal: AbortSignal, report: ReportProgress) => Promise<T>): Promise<T> {
  const given: ProgressOptions = typeof options === 'string' ? { title: options } : options;
  const { title, cancellable = true, location = vscode.ProgressLocation.Notification, signal: outer } = given;
  return vscode.window.withProgress({ location, title, cancellable }, async (progress, token) => {
    const controller = new AbortController();
    const subscription = token.onCancellationRequested(() => controller.abort());
    const abort = (): void => controller.abort();
    outer?.addEventListener('abort', abort, { once: true });
    try {
      if (token.isCancellationRequested || outer?.aborted) controller.abort();
      return await work(controller.signal, (message, increment) => progress.report(increment === undefined ? { message } : { message, increment }));
    } finally {
      subscription.dispose();
      outer?.removeEventListener('abort', abort);
    }
  });
}
