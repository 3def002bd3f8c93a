/**
 * POSIX shell quoting for commands shown to users (to copy and run by hand): a word that needs no quoting stays as it
 * is, anything else is single-quoted with `'` written as `'\''`. The argv itself is what runs; this is only its text.
 */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** An argv as one shell-quoted line. */
export function shellCommand(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
