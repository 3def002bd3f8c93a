import type { Category, Severity } from '../model/category';
import type { LogEvent } from './event';

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
  /** The gRPC code of the failure (`DeadlineExceeded`, `NotFound`). */
  code?: string;
  /** The deepest cause of the error chain, ID-free (`runtime-call-failed`). */
  cause?: string;
  /** The CNI plugin type (`calico`, `multus`). */
  pluginType?: string;
  /** The runtime handler (`runsc`, `kata`). */
  handler?: string;
  /** CRI-O's ID of the new sandbox/container that could not reserve its name. */
  newId?: string;
  /** The runtime version the log announces (`2.0.3`), for version notes. */
  runtimeVersion?: string;
}

/** The identity fields a rule may group by. */
export type KeyField = 'sandboxId' | 'containerId' | 'podUid' | 'network' | 'method' | 'name' | 'reason' | 'ipRange' | 'path' | 'code' | 'cause';

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
  /** The runtime and version the log announced (the first one), when it did. */
  runtime?: { readonly name: string; readonly version: string };
}

export type { Reference, VersionNote } from '../knowledge/articleModel';

/** A rule's verdict on an event: how deep in the cause chain it matched (deeper wins) and what it extracts. */
export interface RuleMatch {
  /** 0: matched outside the error chain; i + 1: matched from cause i on (see `causeDepth`). */
  readonly depth: number;
  readonly extracted: Extracted;
}

/**
 * One entry of the rule catalog; each lives in its own file under `rules/`. A rule classifies a parsed event by its
 * operation, gRPC code and causes; explanations, fixes and references live in the category's article
 * (`core/knowledge/articles`).
 */
export interface Rule {
  readonly id: string;
  readonly category: Category;
  readonly severity: Severity;
  readonly title: string;
  /** One sentence: what the rule recognises (operation, code, cause). Shown in the catalog. */
  readonly summary: string;
  /** Words a line must hold for the rule to match (any of them, case-sensitive): part of the engine's pre-filter. */
  readonly literals: readonly string[];
  /**
   * Words one of which an event's text must hold before `match` runs (a cheap gate; default `literals`). Rules whose
   * context comes from short words (`cni`, `CNI`) list them here rather than in the byte pre-filter.
   */
  readonly gate?: readonly string[];
  /** Classifies an event; undefined when the rule does not claim it. */
  match(event: LogEvent): RuleMatch | undefined;
  /**
   * The fields that identify the object a finding is about: one finding per (rule, values of these fields).
   * Fields missing on a line count as empty; values seen on later lines fill in the finding's other fields.
   */
  readonly keyFields: readonly KeyField[];
}
