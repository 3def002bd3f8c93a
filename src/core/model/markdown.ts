/**
 * Escaping for Markdown built from untrusted text (log lines): a log line can carry `![x](https://…)`, HTML or
 * backticks. What is inserted as text is backslash-escaped; what is inserted as code is fenced so it cannot close.
 */

/** Text shown literally in Markdown: every character Markdown or HTML could act on is escaped. */
export function markdownText(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~&"]/g, '\\$&').replace(/\r?\n/g, ' ');
}

/** Inline code: a backtick fence longer than any run of backticks in the text, with spaces where needed. */
export function markdownCode(text: string): string {
  const flat = text.replace(/\r?\n/g, ' ');
  let longest = 0;
  let run = 0;
  for (let i = 0; i < flat.length; i += 1) {
    run = flat.charCodeAt(i) === 0x60 ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}
