// Small shared pieces of the presenters: Markdown escaping (the core's one escaper), tooltip rows, times, colours.
import { markdownCode, markdownText } from '../../../core/model/markdown';
import { absoluteTime, relativeTime } from '../../../core/model/relativeTime';

export const RED = 'charts.red';
export const YELLOW = 'charts.yellow';
export const GREEN = 'charts.green';
export const BLUE = 'charts.blue';
export const GREY = 'disabledForeground';

/** Text shown literally in a tooltip (pod names, runtime messages). */
export function md(text: string): string {
  return markdownText(text);
}

/** An inline code span (IDs, paths). */
export function code(text: string): string {
  return markdownCode(text);
}

/** `**Key:** value` lines; pairs without a value are left out. */
export function rows(pairs: readonly (readonly [string, string | undefined])[]): string {
  return pairs.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `**${md(k)}:** ${v ?? ''}`).join('  \n');
}

/** Tooltip paragraphs, empty ones left out. */
export function paragraphs(...parts: readonly (string | undefined)[]): string {
  return parts.filter((p): p is string => p !== undefined && p !== '').join('\n\n');
}

/** `3 min ago (2026-11-23 09:57:00 UTC)` for tooltips; undefined when the time is unknown. */
export function when(ms: number | undefined, nowMs: number): string | undefined {
  const absolute = ms === undefined ? undefined : absoluteTime(ms);
  return absolute === undefined || ms === undefined ? undefined : `${relativeTime(ms, nowMs)} (${absolute})`;
}

/** `created 3 min ago` in a description; `?` when the creation time is unknown. */
export function age(ms: number, nowMs: number): string {
  const text = relativeTime(ms, nowMs);
  return text === 'unknown time' ? 'age unknown' : text;
}

/** What a screen reader says for a row: its parts joined with commas, empty ones left out. */
export function spoken(...parts: readonly (string | undefined)[]): string {
  return parts.filter((p): p is string => p !== undefined && p !== '').join(', ');
}
