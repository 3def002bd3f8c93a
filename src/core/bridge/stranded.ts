import { shellLine } from '../model/shell';

/** A bridge pod this manager created and could not delete (the API server failed or was unreachable). */
export interface StrandedPod {
  readonly context: string;
  readonly namespace: string;
  readonly name: string;
  readonly node: string;
  /** Why the last DELETE failed (redacted). */
  readonly error: string;
  /** The command that removes it by hand. */
  readonly command: readonly string[];
}

/** One line naming the pod and the exact (shell-quoted) command that removes it. */
export function describeStranded(pod: StrandedPod): string {
  return `Bridge pod ${pod.namespace}/${pod.name} on node ${pod.node || '?'} could not be deleted (${pod.error}); remove it with: ${shellLine(pod.command)}`;
}
