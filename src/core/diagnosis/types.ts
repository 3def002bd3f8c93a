import type { Category, Severity } from '../model/category';

/** One parsed log line, whatever its source format (klog, journald, logfmt, JSON, kubectl events). */
export interface LogLine {
  /** 1-based line number in the input. */
  readonly lineNumber: number;
  /** The message text with prefixes, ANSI codes and quote escaping normalised away. */
  readonly text: string;
  /** ISO-8601 timestamp when the line carries one (year may be inferred for syslog/klog formats). */
  readonly timestamp?: string;
  /** Repetition count from `kubectl describe` event rows such as `(x229 over 49m)`; 1 otherwise. */
  readonly repeat: number;
  /** The emitting component when known (`kubelet`, `containerd`, ...). */
  readonly source?: string;
}

/** Values a rule extracts from a matching line. Only what the line states; never guessed. */
export interface Extracted {
  sandboxId?: string;
  containerId?: string;
  podUid?: string;
  podName?: string;
  podNamespace?: string;
  network?: string;
  /** CRI method, e.g. `StopPodSandbox`, `ListContainers`. */
  method?: string;
  node?: string;
  runtime?: string;
  /** Message sizes for `cri-message-too-large`: the actual size and the limit, in bytes. */
  size?: number;
  limit?: number;
  /** Path of a file the line names (e.g. a CNI cache file, a runtime socket). */
  path?: string;
  /** A reserved sandbox/container name (`name-reserved`). */
  name?: string;
  /** A short, ID-free reason taken from the line (e.g. the OCI runtime error), used to group and to title. */
  reason?: string;
  /** An IP range set named by the line (`pod-ip-exhausted`). */
  ipRange?: string;
}

/** The identity fields a rule may group by. */
export type KeyField = 'sandboxId' | 'containerId' | 'podUid' | 'network' | 'method' | 'name' | 'reason' | 'ipRange' | 'path';

/** A grouped diagnosis: every line that matched one rule for one object. */
export interface LogFinding extends Extracted {
  readonly category: Category;
  readonly rule: string;
  readonly severity: Severity;
  readonly title: string;
  /** Lines matched (repeat counts from event rows included). */
  count: number;
  /** 1-based line numbers of the evidence (may be capped for huge inputs; `count` stays exact). */
  lines: number[];
  firstSeen?: string;
  lastSeen?: string;
}

export interface DiagnosisReport {
  findings: LogFinding[];
  linesScanned: number;
  bytesScanned: number;
}

/** A reference to upstream material: an issue, a fix, documentation. */
export interface Reference {
  readonly title: string;
  readonly url: string;
}

/** Advice that changes with the version of a component (e.g. libcni >= 1.2.0 ignores unreadable cache files). */
export interface VersionNote {
  readonly component: string;
  readonly versions: string;
  readonly note: string;
}

/** One entry of the rule catalog. Each lives in its own file under `rules/`. */
export interface Rule {
  readonly id: string;
  readonly category: Category;
  readonly severity: Severity;
  readonly title: string;
  /** Cheap literal pre-filters: the line must contain at least one of them (case-sensitive) before `pattern` runs. */
  readonly literals: readonly string[];
  /** A bounded pattern (no nested quantifiers) run only on lines that passed the pre-filter. */
  readonly pattern: RegExp;
  /** Pulls the object identity out of a match; return undefined to reject a look-alike line. */
  extract(match: RegExpExecArray, line: LogLine): Extracted | undefined;
  /** Markdown: what it means and why it happens. */
  readonly explanation: string;
  /** The manual fix as exact commands with the finding's values filled in. */
  fixCommands(finding: Extracted): string[];
  /**
   * The fields that identify the object a finding is about: one finding per (rule, values of these fields).
   * Fields missing on a line count as empty; values seen on later lines fill in the finding's other fields.
   */
  readonly keyFields: readonly KeyField[];
  /** The repair (later issues) this maps to, e.g. `remove-cache-file-and-sandbox`. */
  readonly repair?: string;
  readonly references: readonly Reference[];
  readonly versionNotes?: readonly VersionNote[];
}
