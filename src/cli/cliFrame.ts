import { describeError, isNodeDoctorError } from '../core/errors';
import { redact } from '../core/redact';

/** The signals that stop a command, with the exit code a shell reports for each (128 + the signal number). */
export const STOP_SIGNALS: Readonly<Record<'SIGINT' | 'SIGTERM' | 'SIGHUP', number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/**
 * The frame every subcommand shares: parse (or print help); Ctrl-C, SIGTERM (kill, systemd, CI timeouts) and SIGHUP
 * (the terminal closed) all abort the signal, so the command unwinds through its `finally` blocks and deletes what it
 * created (a bridge pod) before the process ends; later signals are absorbed until that is done. Core errors end in one
 * line on stderr and exit 2 (128 + the signal number when stopped by one); anything else is a bug and propagates.
 */
export async function runCli<A>(
  command: string, help: string, args: readonly string[], parse: (args: readonly string[]) => A | 'help',
  work: (parsed: A, signal: AbortSignal) => Promise<number>,
): Promise<number> {
  const controller = new AbortController();
  let received: keyof typeof STOP_SIGNALS | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (received !== undefined) return;
    received = signal as keyof typeof STOP_SIGNALS;
    controller.abort();
  };
  for (const signal of Object.keys(STOP_SIGNALS)) process.on(signal, onSignal);
  try {
    const parsed = parse(args);
    if (parsed === 'help') {
      process.stdout.write(help);
      return 0;
    }
    const code = await work(parsed, controller.signal);
    return received !== undefined ? STOP_SIGNALS[received] : code;
  } catch (error) {
    if (isNodeDoctorError(error)) {
      if (error.reason === 'cancelled' && received !== undefined) {
        process.stderr.write(`kube-node-doctor ${command}: stopped by ${received}.\n`);
        return STOP_SIGNALS[received];
      }
      process.stderr.write(`kube-node-doctor ${command}: ${describeError(error)}${error.hint !== undefined ? ` (${redact(error.hint)})` : ''}\n`);
      return error.reason === 'cancelled' ? 130 : 2;
    }
    throw error;
  } finally {
    for (const signal of Object.keys(STOP_SIGNALS)) process.off(signal, onSignal);
  }
}
