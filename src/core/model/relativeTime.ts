/**
 * "just now", "3 min ago", "2 h ago", "5 days ago": how long ago an instant was, for labels that carry the absolute time
 * in their tooltip. An instant in the future (clock skew) or unknown (0, NaN) reads "unknown time".
 */
export function relativeTime(thenMs: number, nowMs: number): string {
  if (!(thenMs > 0) || !Number.isFinite(thenMs) || thenMs > nowMs + 60_000) return 'unknown time';
  const seconds = Math.max(0, Math.floor((nowMs - thenMs) / 1000));
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  return `${days} ${days === 1 ? 'day' : 'days'} ago`;
}

/** The absolute time shown beside a relative one: ISO 8601 in UTC, to the second (`2026-11-23 09:57:00 UTC`). */
export function absoluteTime(ms: number): string | undefined {
  if (!(ms > 0) || !Number.isFinite(ms)) return undefined;
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
