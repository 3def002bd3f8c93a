import type { Category } from '../model/category';
import type { RepairId } from '../model/repair';
import { shellWord } from '../model/shell';

/** The shape of a knowledge article, and the helpers the articles' fix commands and version notes are written with. */

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
  /**
   * Whether the note applies to a runtime the log or the node names (`containerd`, `1.7.2`); undefined when the note
   * is not about that runtime.
   */
  readonly appliesTo?: (runtime: string, version: string) => boolean | undefined;
}

/** What fix commands are filled in from: a log finding or a node finding (all fields optional). */
export interface ArticleSubject {
  readonly sandboxId?: string;
  readonly containerId?: string;
  readonly network?: string;
  readonly path?: string;
  readonly runtime?: string;
  readonly method?: string;
}

export interface Article {
  readonly category: Category;
  /** A short name for the category, e.g. `Empty or corrupt CNI cache`. */
  readonly title: string;
  /** Markdown: what it means and why it happens. */
  readonly explanation: string;
  /** The manual fix as exact, shell-quoted commands with the subject's values filled in (placeholders otherwise). */
  fixCommands(subject: ArticleSubject): string[];
  /** The repair the node side can plan for it. */
  readonly repair?: RepairId;
  readonly references: readonly Reference[];
  readonly versionNotes?: readonly VersionNote[];
}

/** `1.7.2` → [1, 7, 2]; undefined when the text holds no version. */
export function parseVersion(text: string): number[] | undefined {
  const m = /(\d{1,4})\.(\d{1,4})(?:\.(\d{1,6}))?/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

/** a >= b for dotted versions. */
export function versionAtLeast(version: string, min: string): boolean | undefined {
  const a = parseVersion(version);
  const b = parseVersion(min);
  if (a === undefined || b === undefined) {
    return undefined;
  }
  for (let i = 0; i < 3; i += 1) {
    if (a[i] !== b[i]) {
      return a[i] > b[i];
    }
  }
  return true;
}

/** The systemd unit of a runtime named by a finding (containerd when unknown). */
export function runtimeUnit(runtime: string | undefined): string {
  switch (runtime) {
    case 'cri-o': return 'crio';
    case 'docker': return 'docker';
    case 'cri-dockerd': return 'cri-docker';
    case 'k3s': return 'k3s';
    case 'rke2': return 'rke2-server';
    default: return 'containerd';
  }
}

/** A value for a fix command, shell-quoted, or its placeholder. */
export const id = (value: string | undefined, placeholder: string): string => shellWord(value ?? placeholder);

/** The checks every network article's fix starts with. */
export const NETWORK_CHECKS = ['ls -l /etc/cni/net.d/ /opt/cni/bin/', 'crictl info'];

/** Times the runtime's list calls and counts its objects, then its status and recent log (PLEG and slow-list articles). */
export function listTimingChecks(runtime: string | undefined): string[] {
  const unit = runtimeUnit(runtime);
  return ['time crictl pods -q | wc -l', 'time crictl ps -a -q | wc -l', `systemctl status ${unit}`, `journalctl -u ${unit} --since '-15 min' --no-pager | tail -n 100`];
}

/** The upstream issue every article about slow runtime lists cites. */
export const PLEG_NOT_HEALTHY: Reference = { title: 'kubernetes/kubernetes#45419: PLEG is not healthy', url: 'https://github.com/kubernetes/kubernetes/issues/45419' };
