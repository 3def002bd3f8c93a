import { isNodeDoctorError } from '../core/errors';

/**
 * The frame every subcommand shares: parse (or print help), Ctrl-C aborts the signal, core errors end in one line on
 * stderr and exit 2 (130 when cancelled); anything else is a bug and propagates.
 */
export async function runCli<A>(
  command: string, help: string, args: readonly string[], parse: (args: readonly string[]) => A | 'help',
  work: (parsed: A, signal: AbortSignal) => Promise<number>,
): Promise<number> {
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    const parsed = parse(args);
    if (parsed === 'help') {
      process.stdout.write(help);
      return 0;
    }
    return await work(parsed, controller.signal);
  } catch (error) {
    if (isNodeDoctorError(error)) {
      process.stderr.write(`kube-node-doctor ${command}: ${error.message}${error.hint !== undefined ? ` (${error.hint})` : ''}\n`);
      return error.reason === 'cancelled' ? 130 : 2;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
