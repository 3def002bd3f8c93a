import * as path from 'node:path';
import type * as CliNodeModule from './cliNode';
import { describeError } from '../core/errors';
import { diagnoseCommand } from './diagnoseCommand';
import { npdCheckCommand } from './npdCheckCommand';
import { rulesCommand } from './rulesCommand';
import { installCommand } from './installCommand';

/**
 * `kube-node-doctor` command line: a thin shell over the same core the extension uses.
 * To add a command, write `src/cli/<name>Command.ts` exporting a `Command` and add one line to `COMMANDS`.
 */

/** A command receives the arguments after its name and resolves to the process exit code (0 ok, 2 bad usage/input). */
export type Command = (args: readonly string[]) => Promise<number>;

/**
 * true only in the single-executable build (packaging/buildExe.mjs, esbuild `define`); false in dist/cli.js. Under tsc (the tests) nothing
 * defines it, hence the typeof guard.
 */
declare const KND_SINGLE_BUNDLE: boolean | undefined;

/**
 * The node commands (client-node, gRPC) live in a second bundle, dist/cliNode.js, required on first use: `rules` and
 * `diagnose` never load it. From the tsc output the same name is the compiled src/cli/cliNode.ts beside this file.
 */
function nodeCommands(): typeof CliNodeModule {
  if (typeof KND_SINGLE_BUNDLE !== 'undefined' && KND_SINGLE_BUNDLE) {
    // The single executable (packaging/buildExe.mjs) embeds one script: the node commands are bundled into it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- bundled statically in that build only
    return require('./cliNode') as typeof CliNodeModule;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a second bundle, required lazily on purpose
  return require(path.join(__dirname, 'cliNode.js')) as typeof CliNodeModule;
}

export const COMMANDS: Readonly<Record<string, Command>> = {
  diagnose: diagnoseCommand,
  rules: rulesCommand,
  inspect: (args) => nodeCommands().inspectCommand(args),
  repair: (args) => nodeCommands().repairCommand(args),
  'bridge-cleanup': (args) => nodeCommands().bridgeCleanupCommand(args),
  // Answered from the shared cache in dist/cli.js alone; the check that reads the node requires dist/cliNode.js.
  'npd-check': (args) => npdCheckCommand(args, { reader: nodeCommands, ownProcess: require.main === module }),
  install: installCommand,
};

const SUMMARIES: Readonly<Record<string, string>> = {
  diagnose: 'diagnose [FILE|-] [--json]   find known kubelet/containerd problems in a log',
  rules: 'rules [--markdown|--json]     print the diagnosis rule catalog',
  inspect: 'inspect [--json]               read this node\'s sandboxes, containers and CNI cache; list findings',
  repair: 'repair (--finding ID|--all) (--dry-run|--yes)   plan and run repairs of inspect findings',
  'bridge-cleanup': 'bridge-cleanup [--context CTX] [--dry-run]   delete bridge pods left over by clients that went away',
  'npd-check': 'npd-check CONDITION [--timeout 4s]   node-problem-detector plugin: CNICacheCorrupt, SandboxBacklog, OrphanContainers, StuckSandbox',
  install: 'install --to DIR              single executable only: copy itself and its libraries into DIR (NPD initContainer)',
};

/** The bundler writes the package version in (esbuild `define`); from the compiled tests it is read from package.json. */
declare const KND_VERSION: string | undefined;

export function cliVersion(): string {
  if (typeof KND_VERSION === 'string') return KND_VERSION;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- only outside the bundle (tsc output of the tests)
    return (require(path.join(__dirname, '..', '..', 'package.json')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function usage(): string {
  const lines = Object.keys(COMMANDS).map((name) => `  kube-node-doctor ${SUMMARIES[name] ?? name}`);
  return `usage: kube-node-doctor <command> [options]\n       kube-node-doctor --version\n\ncommands:\n${lines.join('\n')}\n\nRun "kube-node-doctor <command> --help" for a command's options.\n`;
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? process.stderr : process.stdout).write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`kube-node-doctor ${cliVersion()}\n`);
    return 0;
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

/**
 * What happens when stdout cannot take the output. The reader went away (`| head -1`, EPIPE): stop quietly, as a Unix
 * tool killed by SIGPIPE would (exit 141). Any other failure (`> /dev/full`, ENOSPC; EIO): one line on stderr, exit 2.
 * Exits at once either way, so no further write, and no stack trace, follows.
 */
export function onOutputError(error: NodeJS.ErrnoException, exit: (code: number) => never = process.exit): never {
  if (error.code === 'EPIPE') {
    return exit(141);
  }
  const why = error.code === 'ENOSPC' ? 'no space left on device' : error.code === 'EDQUOT' ? 'disk quota exceeded' : error.message;
  try {
    process.stderr.write(`kube-node-doctor: cannot write the output: ${why}${error.code !== undefined && !why.includes(error.code) ? ` (${error.code})` : ''}\n`);
  } catch {
    // stderr is gone too: the exit code still says it.
  }
  return exit(2);
}

if (require.main === module) {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => onOutputError(error));
  process.stderr.on('error', () => undefined);
  void main(process.argv.slice(2)).then((code) => {
    if (code === 130) {
      // Interrupted: leave now, even when a read is still pending in the thread pool (a FIFO nobody opened for writing).
      process.exit(code);
    }
    process.exitCode = code;
  });
}
