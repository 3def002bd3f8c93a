/** `kube-node-doctor` command line: a thin shell over the same core the extension uses. */
const USAGE = 'usage: kube-node-doctor <command> [options]\n';

export async function main(argv: readonly string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(USAGE);
    return argv.length === 0 ? 2 : 0;
  }
  process.stderr.write(`kube-node-doctor: unknown command "${argv[0]}"\n${USAGE}`);
  return 2;
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
