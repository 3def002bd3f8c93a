/**
 * "just now", "3 min ago", "2 h ago", "yesterday", "5 days ago", then the date: a time as a person reads it at a glance
 * (the absolute time goes beside it, in a tooltip or a detail line). A time in the future (clock skew) reads "just now".
 */
export function relativeTime(atMs: number, nowMs: number): string {
  const seconds = Math.max(0, Math.round((nowMs - atMs) / 1000));
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days === 1) return 'yesterday';
  if (days < 30) return `${days} days ago`;
  return `on ${new Date(atMs).toISOString().slice(0, 10)}`;
}

/** `2026-12-06 07:10:26 UTC`: an ISO time, readable, without milliseconds. */
export function absoluteTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
