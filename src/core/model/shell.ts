/** Quotes a value for a POSIX shell when it is not a plain word; catalog placeholders such as `<sandbox-id>` stay as they are. */
export function shellWord(value: string): string {
  if (/^<[a-z-]{1,40}>$/.test(value) || /^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) {
    return value;
  }
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
