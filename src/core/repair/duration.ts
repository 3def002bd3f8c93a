// Prune thresholds and their duration syntax, shared by the planner, the CLI flags and the extension's settings (this
// file stays dependency-free so the settings reader can import it without loading the planner).

/** Prune defaults: dead objects kept per pod (sandboxes) and per pod + container name (containers), and the minimum age. */
export const DEFAULT_PRUNE_KEEP = 1;
export const DEFAULT_PRUNE_MIN_AGE_MS = 3_600_000;

/** `1h`, `30m`, `90s`, `2d`, `500ms` (a bare number is seconds) → milliseconds; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d{1,9})(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

/** `3600000` → `1h`, `90000` → `90s` (the largest unit that divides it). */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
