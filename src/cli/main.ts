import { describeError } from '../core/errors';
import { bridgeCleanupCommand } from './bridgeCleanupCommand';
import { diagnoseCommand } from './diagnoseCommand';
import { inspectCommand } from './inspectCommand';
import { repairCommand } from './repairCommand';
import { rulesCommand } from './rulesCommand';

/**
 * `kube-node-doctor` command line: a thin shell over the same core the extension uses.
 * To add a command, write `src/cli/<name>Command.ts` exporting a `Command` and add one line to `COMMANDS`.
 */

/** A command receives the arguments after its name and resolves to the process exit code (0 ok, 2 bad usage/input). */
export type Command = (args: readonly string[]) => Promise<number>;

export const COMMANDS: Readonly<Record<string, Command>> = {
  diagnose: diagnoseCommand,
  rules: rulesCommand,
  inspect: inspectCommand,
  repair: repairCommand,
  'bridge-cleanup': bridgeCleanupCommand,
};

const SUMMARIES: Readonly<Record<string, string>> = {
  diagnose: 'diagnose [FILE|-] [--json]   find known kubelet/containerd problems in a log',
  rules: 'rules [--markdown|--json]     print the diagnosis rule catalog',
  inspect: 'inspect [--json]               read this node\'s sandboxes, containers and CNI cache; list findings',
  repair: 'repair (--finding ID|--all) (--dry-run|--yes)   plan and run repairs of inspect findings',
  'bridge-cleanup': 'bridge-cleanup [--context CTX] [--dry-run]   delete bridge pods left over by clients that went away',
};

function usage(): string {
  const lines = Object.keys(COMMANDS).map((name) => `  kube-node-doctor ${SUMMARIES[name] ?? name}`);
  return `usage: kube-node-doctor <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun "kube-node-doctor <command> --help" for a command's options.\n`;
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? process.stderr : process.stdout).write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    process.stderr.write(`kube-node-doctor: unknown command "${name}"\n${usage()}`);
    return 2;
  }
  try {
    return await command(rest);
  } catch (error) {
    // Commands report expected failures themselves; anything reaching here is a bug. One line, no stack.
    process.stderr.write(`kube-node-doctor: internal error: ${describeError(error)}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
