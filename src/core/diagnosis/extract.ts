/**
 * Small, bounded helpers the rules share to pull identities out of a normalised line. Each one searches a window of
 * at most a few hundred characters after an anchor, so no helper is slower than linear on a hostile line.
 */

const HEX64 = /(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])/;
const UUID = /(?<![0-9a-f-])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![0-9a-f-])/;
const WINDOW = 160;

/** The first 64-hex ID within `window` characters after the first occurrence of `anchor`. */
export function hexIdAfter(text: string, anchor: string, window = WINDOW): string | undefined {
  const at = text.indexOf(anchor);
  if (at < 0) {
    return undefined;
  }
  const start = at + anchor.length;
  const match = HEX64.exec(text.slice(start, start + window + 64));
  return match ? match[0] : undefined;
}

/** The first 64-hex ID after any of the anchors, trying them in order. */
export function hexIdAfterAny(text: string, anchors: readonly string[], window = WINDOW): string | undefined {
  for (const anchor of anchors) {
    const id = hexIdAfter(text, anchor, window);
    if (id !== undefined) {
      return id;
    }
  }
  return undefined;
}

/** The first pod UID (a UUID) within `window` characters after `anchor`. */
export function uuidAfter(text: string, anchor: string, window = WINDOW): string | undefined {
  const at = text.indexOf(anchor);
  if (at < 0) {
    return undefined;
  }
  const start = at + anchor.length;
  const match = UUID.exec(text.slice(start, start + window + 36));
  return match ? match[0] : undefined;
}

/** `pod="namespace/name"` as klog structured logging writes it. */
export function podRef(text: string): { podNamespace: string; podName: string } | undefined {
  const at = text.indexOf(' pod="');
  if (at < 0) {
    return undefined;
  }
  const match = /^ pod="([a-z0-9][a-z0-9.-]{0,252})\/([a-z0-9][a-z0-9.-]{0,252})"/.exec(text.slice(at, at + 520));
  return match ? { podNamespace: match[1], podName: match[2] } : undefined;
}

/** The CRI method a kubelet/containerd line names, e.g. `ListContainers`, `StopPodSandbox`. */
const CRI_METHODS = [
  'ListPodSandboxStats', 'ListPodSandboxMetrics', 'ListPodSandbox', 'ListContainerStats', 'ListContainers',
  'ListImages', 'ListMetricDescriptors', 'StopPodSandbox', 'RemovePodSandbox', 'RunPodSandbox', 'PodSandboxStatus',
  'CreateContainer', 'StartContainer', 'StopContainer', 'RemoveContainer', 'ContainerStatus', 'ExecSync',
] as const;

/** Phrases crictl and containerd use instead of method names. */
const CRI_PHRASES: readonly (readonly [string, string])[] = [
  ['listing pod sandboxes', 'ListPodSandbox'],
  ['listing containers', 'ListContainers'],
  ['failed to list containers', 'ListContainers'],
  ['failed to list sandbox', 'ListPodSandbox'],
];

export function criMethod(text: string): string | undefined {
  let best: { method: string; at: number } | undefined;
  for (const [phrase, method] of CRI_PHRASES) {
    const at = text.indexOf(phrase);
    if (at >= 0 && (best === undefined || at < best.at)) {
      best = { method, at };
    }
  }
  for (const method of CRI_METHODS) {
    const at = text.indexOf(method);
    if (at >= 0 && (best === undefined || at < best.at)) {
      best = { method, at };
    }
  }
  return best?.method;
}

/** Replaces IDs, numbers and paths so that the same failure on different objects groups together. */
export function shortReason(text: string, max = 120): string {
  const clipped = text.slice(0, max * 3);
  const reason = clipped
    .replace(/[0-9a-f]{12,64}/g, '<id>')
    .replace(/\b\d+\b/g, 'N')
    .replace(/\s+/g, ' ')
    .trim();
  return reason.length > max ? `${reason.slice(0, max - 1)}…` : reason;
}

/** Quotes a value for a POSIX shell when it is not a plain word; catalog placeholders such as `<sandbox-id>` stay as they are. */
export function shellWord(value: string): string {
  if (/^<[a-z-]{1,40}>$/.test(value) || /^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) {
    return value;
  }
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
