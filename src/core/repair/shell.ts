// Shell text of the repair plan's manual commands. Every value that comes from the node (file names, IDs, paths, a
// network configuration) goes through `shellQuote`, so a printed line pasted into a POSIX shell runs exactly the
// commands shown and nothing a value holds (`$(…)`, backquotes, `;`, newlines).
import { createHash } from 'node:crypto';
import type { PluginDel } from '../cni/cniDel';
import { shellLine, shellQuote } from '../model/shell';

/** `crictl --runtime-endpoint <endpoint> …` as one line. */
export function crictl(endpoint: string, ...args: string[]): string {
  return shellLine(['crictl', '--runtime-endpoint', endpoint, ...args]);
}

/** The longest file name most Linux filesystems accept (bytes). */
export const MAX_NAME_BYTES = 255;

/** A UTF-8-safe prefix of `text` of at most `bytes` bytes. */
function prefixBytes(text: string, bytes: number): string {
  let out = '';
  let used = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (used + size > bytes) break;
    out += ch;
    used += size;
  }
  return out;
}

/** A file name of at most 255 bytes: a longer one keeps a prefix, then `~` and 16 hex of the full name's sha256. */
export function fitName(name: string, suffix = ''): string {
  if (Buffer.byteLength(name + suffix, 'utf8') <= MAX_NAME_BYTES) return name + suffix;
  const digest = createHash('sha256').update(name).digest('hex').slice(0, 16);
  const room = MAX_NAME_BYTES - Buffer.byteLength(`~${digest}${suffix}`, 'utf8');
  return `${prefixBytes(name, room)}~${digest}${suffix}`;
}

/**
 * The backup's file name: `<stamp>-<name>`, shortened when it would pass 255 bytes (a CNI cache file name may itself be
 * up to 255), so two long names never collide.
 */
export function backupName(stamp: string, name: string): string {
  return fitName(`${stamp}-${name}`);
}

/** The backup stamp of a plan: its creation time, safe in a file name. */
export function planStamp(createdAt: string): string {
  return createdAt.replace(/[:.]/g, '-');
}

/**
 * The CNI DEL of one network by hand, as the executor runs it: CNI_NETNS is the recorded namespace only while it still
 * exists (else empty), each plugin of the cached list in reverse order with its configuration on stdin.
 */
export function manualCniDel(dels: readonly PluginDel[], netns: string | undefined): string {
  const lines = [`netns=${shellQuote(netns ?? '')}; [ -n "$netns" ] && [ -e "$netns" ] || netns=''`];
  for (const d of dels) {
    const env = Object.entries(d.env).filter(([k]) => k !== 'CNI_NETNS').map(([k, v]) => `${k}=${shellQuote(v)}`);
    lines.push(`printf '%s' ${shellQuote(d.stdin)} | env ${env.join(' ')} CNI_NETNS="$netns" ${shellQuote(d.binary)}`);
  }
  return lines.join('\n');
}
