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
  readonly id: string;
  readonly category: string;
  readonly severity: ReportSeverity;
  readonly title: string;
  /** Plain text (the webview never renders HTML from data). */
  readonly explanation: string;
  /** The object it is about, e.g. `sandbox 055b221e44a2` or a cache file path. */
  readonly object: string;
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
  readonly versions: Readonly<Record<string, string>>;
  readonly counts: readonly ReportCount[];
  readonly listSizes: readonly ReportListSize[];
  readonly listStrategy: string;
  readonly findings: readonly ReportFinding[];
}

export type MonitoringChoice = 'prometheus' | 'victoriametrics';

/** Messages from the webview to the extension. */
export type WebviewMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'repair'; readonly findingId: string }
  | { readonly type: 'copyCommands'; readonly findingId: string }
  | { readonly type: 'exportMarkdown' }
  | { readonly type: 'refresh' }
  | { readonly type: 'generatePrevention'; readonly monitoring: MonitoringChoice; readonly talos: boolean };

/** Messages from the extension to the webview. */
export type HostMessage =
  | { readonly type: 'model'; readonly model: ReportModel }
  | { readonly type: 'busy'; readonly findingId: string; readonly busy: boolean }
  | { readonly type: 'notice'; readonly text: string };

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

export function formatBytes(bytes: number): string {
  if (bytes >= MIB) return `${(bytes / MIB).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}
