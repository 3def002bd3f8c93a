import * as vscode from 'vscode';

/** Reports a step of the work: a short message, and optionally how much of 100 it adds. */
export type ReportProgress = (message: string, increment?: number) => void;

export interface ProgressOptions {
  readonly title: string;
  /** Shows a Cancel button that aborts the work's signal (default true). */
  readonly cancellable?: boolean;
  /** Where the progress shows (default: a notification). */
  readonly location?: vscode.ProgressLocation | { readonly viewId: string };
}

/**
 * The one progress/cancel wrapper of the commands: runs `work` under a VS Code progress notification and maps the
 * notification's Cancel (a CancellationToken) to an AbortSignal, which every core call takes.
 */
export async function withProgress<T>(options: ProgressOptions | string, work: (signal: AbortSignal, report: ReportProgress) => Promise<T>): Promise<T> {
  const { title, cancellable = true, location = vscode.ProgressLocation.Notification } = typeof options === 'string' ? { title: options } : options;
  return vscode.window.withProgress({ location, title, cancellable }, async (progress, token) => {
    const controller = new AbortController();
    const subscription = token.onCancellationRequested(() => controller.abort());
    try {
      if (token.isCancellationRequested) controller.abort();
      return await work(controller.signal, (message, increment) => progress.report(increment === undefined ? { message } : { message, increment }));
    } finally {
      subscription.dispose();
    }
  });
}
