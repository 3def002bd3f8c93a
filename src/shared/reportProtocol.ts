/**
 * The node report webview's data and its typed message protocol. Crosses the webview boundary,
 * so it holds plain data only: no Node built-ins, no `vscode`.
 */
export type ReportSeverity = 'error' | 'warning' | 'info';
export type ReportRisk = 'low' | 'medium' | 'high';

export interface ReportStep {
  readonly title: string;
  readonly risk: ReportRisk;
  /** The shell commands that do the same by hand (one or more lines, values quoted). */
  readonly manualCommand: string;
}

export interface ReportFinding {
  /** The finding's full ID (`category:<64-hex>`): cards show it short, with the full value in a tooltip and Copy. */
  readonly id: string;
  readonly category: string;
  readonly severity: ReportSeverity;
  readonly title: string;
  /** Plain text (the webview never renders HTML from data). */
  readonly explanation: string;
  /** The object it is about, e.g. `sandbox 055b221e44a2` or a cache file path. */
  readonly object: string;
  /** The full 64-hex sandbox or container ID the object names, for its tooltip and Copy ID. */
  readonly objectId?: string;
  /** Empty when no repair applies (then no Repair button). */
  readonly steps: readonly ReportStep[];
  /** The plan's notes: why nothing or less is done (prune thresholds, a Ready sandbox left running). */
  readonly notes?: readonly string[];
}

export interface ReportCount {
  readonly label: string;
  readonly value: number;
  /** Optional qualifier shown next to the value, e.g. `3 NotReady`. */
  readonly detail?: string;
}

export interface ReportListSize {
  readonly method: string;
  readonly bytes: number;
}

export interface ReportModel {
  readonly node: string;
  /** How the node was reached: `local` or the bridge pod. */
  readonly access: string;
  readonly generatedAt: string;
  /** When this inventory was read (epoch ms, the store's `readAt`): the stale notice and the export name compare to it. */
  readonly readAt: number;
  /** Why the node no longer matches this report (a repair ran, it was read again); shown with Refresh. */
  readonly stale?: string;
  readonly versions: Readonly<Record<string, string>>;
  readonly counts: readonly ReportCount[];
  readonly listSizes: readonly ReportListSize[];
  readonly listStrategy: string;
  /** `inventory incomplete: <reason>` when the lists are not proven complete (shown where the counts are). */
  readonly incomplete?: string;
  /** Errors first, then warnings, then information (`compareSeverity`); the inventory's order within each. */
  readonly findings: readonly ReportFinding[];
}

const SEVERITY_RANK: Readonly<Record<ReportSeverity, number>> = { error: 0, warning: 1, info: 2 };

/** Sort order of findings in the report: errors first, then warnings, then information. */
export function compareSeverity(a: { readonly severity: ReportSeverity }, b: { readonly severity: ReportSeverity }): number {
  return SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity];
}

/** A piece of text, and the full ID when the piece is a shortened 64-hex ID. */
export interface TextSegment {
  readonly text: string;
  readonly fullId?: string;
}

const FULL_ID = /(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])/g;

/**
 * Splits text so every 64-hex ID in it shows as its 12-character short form (the full ID goes in the segment's
 * `fullId`, for a tooltip); IDs inside longer hex runs are left alone. Commands are never shortened: they run as shown.
 */
export function idSegments(text: string): TextSegment[] {
  const out: TextSegment[] = [];
  let last = 0;
  for (const match of text.matchAll(FULL_ID)) {
    const at = match.index;
    if (at > last) out.push({ text: text.slice(last, at) });
    out.push({ text: match[0].slice(0, 12), fullId: match[0] }); // the short form crictl shows (core/model/ids shortId)
    last = at + match[0].length;
  }
  if (last < text.length || out.length === 0) out.push({ text: text.slice(last) });
  return out;
}

/** `idSegments` joined back: the text with every full ID shortened. */
export function shortenIds(text: string): string {
  return idSegments(text).map((s) => s.text).join('');
}

export type MonitoringChoice = 'prometheus' | 'victoriametrics';

/** Messages from the webview to the extension. */
export type WebviewMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'repair'; readonly findingId: string }
  | { readonly type: 'copyCommands'; readonly findingId: string }
  | { readonly type: 'copyId'; readonly findingId: string }
  | { readonly type: 'exportMarkdown' }
  | { readonly type: 'refresh' }
  | { readonly type: 'generatePrevention'; readonly monitoring: MonitoringChoice; readonly talos: boolean };

/** Messages from the extension to the webview. */
export type HostMessage =
  | { readonly type: 'model'; readonly model: ReportModel }
  | { readonly type: 'busy'; readonly findingId: string; readonly busy: boolean }
  | { readonly type: 'notice'; readonly text: string }
  /** The node's inventory changed after this report was made (text), or the report is current again (undefined). */
  | { readonly type: 'stale'; readonly text?: string };

/** Narrows an untrusted message from the webview; anything else is dropped by the host. */
export function isWebviewMessage(value: unknown): value is WebviewMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
    case 'exportMarkdown':
    case 'refresh':
      return true;
    case 'repair':
    case 'copyCommands':
    case 'copyId':
      return typeof m.findingId === 'string' && m.findingId.length > 0 && m.findingId.length < 512;
    case 'generatePrevention':
      return (m.monitoring === 'prometheus' || m.monitoring === 'victoriametrics') && typeof m.talos === 'boolean';
    default:
      return false;
  }
}

const MIB = 1024 * 1024;
/** The two gRPC limits that matter for CRI lists: grpc-go's default receive (kubelet < 1.x clients) and containerd's send. */
export const GRPC_LIMITS: readonly { readonly label: string; readonly bytes: number }[] = [
  { label: '4 MiB client default', bytes: 4 * MIB },
  { label: '16 MiB runtime send limit', bytes: 16 * MIB },
];

/** The one byte formatter (plain TypeScript, no Node built-ins), for the webview too. */
export { formatBytes } from '../core/model/bytes';
