// POSIX shell text of commands shown to users (to copy and run by hand). The argv itself is what runs; this is only its
// text, and every value in it is quoted so that a pasted line runs exactly what is shown and nothing a value holds
// (`$(…)`, backquotes, `;`, newlines).

/** One POSIX shell word: bare when it holds only safe characters, else single-quoted (`'` as `'\''`). */
export function shellQuote(value: string): string {
  if (value !== '' && /^[A-Za-z0-9_./:=,@%+-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** An argv as one shell line. */
export function shellLine(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/** Quotes a value for a POSIX shell when it is not a plain word; catalog placeholders such as `<sandbox-id>` stay as they are. */
export function shellWord(value: string): string {
  return /^<[a-z-]{1,40}>$/.test(value) ? value : shellQuote(value);
}
