/**
 * The file name "Export to Markdown" suggests: `node-doctor-<node>-<yyyymmdd-hhmm>.md`, in the local time of the read,
 * with anything but letters, digits, `.`, `_` and `-` in the node name replaced (a name never becomes a path).
 */
export function exportFileName(node: string, readAt: number): string {
  const d = new Date(readAt);
  const two = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${d.getFullYear()}${two(d.getMonth() + 1)}${two(d.getDate())}-${two(d.getHours())}${two(d.getMinutes())}`;
  const safe = node.replace(/[^\w.-]+/g, '_').replace(/^[.]+/, '_').slice(0, 100) || 'node';
  return `node-doctor-${safe}-${stamp}.md`;
}
