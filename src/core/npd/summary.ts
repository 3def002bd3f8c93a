/**
 * node-problem-detector reads a custom plugin's stdout (up to 4096 bytes, trimmed, then cut to the monitor's
 * `max_output_length`) as the condition's message. The first line of our stdout is that message: one line, at most
 * `SUMMARY_MAX_BYTES` bytes of UTF-8, cut on a character boundary.
 */
export const SUMMARY_MAX_BYTES = 200;

const ELLIPSIS = '…';

/** The longest prefix of `text` whose UTF-8 encoding fits in `maxBytes`, never splitting a character (nor a surrogate pair). */
export function utf8Prefix(text: string, maxBytes: number): string {
  if (maxBytes <= 0) return '';
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    // One code point: 1 byte below U+0080, 2 below U+0800, 3 below U+10000, 4 above.
    const cp = char.codePointAt(0) ?? 0;
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}

/**
 * One line of at most `maxBytes` bytes: whitespace runs (newlines included) become one space, and a longer text is cut
 * on a character boundary with `…` as its last character, so a reader sees that it was cut.
 */
export function summaryLine(text: string, maxBytes = SUMMARY_MAX_BYTES): string {
  const line = text.replace(/\s+/g, ' ').trim();
  if (Buffer.byteLength(line, 'utf8') <= maxBytes) return line;
  return `${utf8Prefix(line, maxBytes - Buffer.byteLength(ELLIPSIS, 'utf8')).trimEnd()}${ELLIPSIS}`;
}

/**
 * `prefix` followed by as many `items` (joined with `, `) as fit in the summary, then `, … (N more)` for the rest;
 * the whole is still cut by `summaryLine`.
 */
export function listSummary(prefix: string, items: readonly string[], maxBytes = SUMMARY_MAX_BYTES): string {
  const shown: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const rest = items.length - i - 1;
    const candidate = `${prefix}${[...shown, items[i]].join(', ')}${rest > 0 ? `, … (${rest} more)` : ''}`;
    if (Buffer.byteLength(candidate, 'utf8') > maxBytes && shown.length > 0) {
      return summaryLine(`${prefix}${shown.join(', ')}, … (${items.length - shown.length} more)`, maxBytes);
    }
    shown.push(items[i]);
  }
  return summaryLine(`${prefix}${shown.join(', ')}`, maxBytes);
}
