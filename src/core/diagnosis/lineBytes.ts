/** Byte-level line handling of the streaming scan: line ends (`\n`, `\r\n`, a lone `\r`) in raw chunks. */

export const NEWLINE = 10;
export const CR = 13;
/** ANSI escape sequences (colour codes), removed before a line is matched. */
// eslint-disable-next-line no-control-regex -- ANSI colour codes
export const ANSI = /\x1b\[[0-9;?]{0,32}[A-Za-z]|\x1b/g;

/** Drops trailing carriage returns in linear time (a regex `/\r+$/` is quadratic on a long inner run). */
export function stripTrailingCr(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === CR) {
    end -= 1;
  }
  return end === text.length ? text : text.slice(0, end);
}

/** Lone carriage returns (not followed by `\n`) become newlines; returns the same buffer when there is none. */
export function crToNewline(buf: Buffer, nextStartsWithNewline: boolean): Buffer {
  let at = buf.indexOf(CR);
  let out: Buffer | undefined;
  while (at >= 0) {
    const next = at + 1 < buf.length ? buf[at + 1] : nextStartsWithNewline ? NEWLINE : -1;
    if (next !== NEWLINE) {
      out ??= Buffer.from(buf);
      out[at] = NEWLINE;
    }
    at = buf.indexOf(CR, at + 1);
  }
  return out ?? buf;
}

export function countNewlines(buf: Buffer, from: number, to: number): number {
  let count = 0;
  let at = buf.indexOf(NEWLINE, from);
  while (at >= 0 && at < to) {
    count += 1;
    at = buf.indexOf(NEWLINE, at + 1);
  }
  return count;
}
