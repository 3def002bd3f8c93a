import { hexIdAfterAny, shellWord, shortReason } from '../extract';
import type { Extracted, Rule } from '../types';

/** Removing a sandbox failed for a reason no more specific rule recognised. */
export const sandboxRemoveFailedRule: Rule = {
  id: 'sandbox-remove-failed',
  category: 'sandbox-remove-failed',
  severity: 'warning',
  title: 'Sandbox removal failed',
  literals: ['RemovePodSandbox', 'Failed to remove sandbox', 'failed to forcibly stop sandbox'],
  pattern: /RemovePodSandbox(?: for)? "([0-9a-f]{64})"( from runtime service)? failed|Failed to remove sandbox "([0-9a-f]{64})"|failed to forcibly stop sandbox "([0-9a-f]{64})"/,
  keyFields: ['sandboxId', 'reason'],
  extract(match, line): Extracted | undefined {
    const sandboxId = match[1] ?? match[3] ?? match[4] ?? hexIdAfterAny(line.text, ['sandbox']);
    if (sandboxId === undefined) {
      return undefined;
    }
    // The reason follows the match: `: rpc error: ...`, ` err="..."` or ` error="..."`.
    const after = line.text.slice(match.index + match[0].length, match.index + match[0].length + 400);
    const reason = /^(?:: |"? ?err(?:or)?=")([^"\n]{1,300})/.exec(after);
    return { sandboxId, method: 'RemovePodSandbox', reason: shortReason(reason ? reason[1] : after) };
  },
  explanation: [
    'kubelet\'s garbage collector (or a user) asked the runtime to remove a sandbox and the runtime refused. A sandbox',
    'can only be removed after it is stopped and its network is deleted, so the reason after the colon is usually a',
    'failed stop. While it persists, the dead sandbox stays in every `ListPodSandbox` response; many of them together',
    'push CRI list responses towards the gRPC message limit.',
  ].join('\n'),
  fixCommands(f): string[] {
    const id = shellWord(f.sandboxId ?? '<sandbox-id>');
    return [`crictl inspectp ${id}`, `crictl ps -a --pod ${id}`, `crictl stopp ${id}`, `crictl rmp ${id}`];
  },
  repair: 'force-remove-sandbox',
  references: [
    { title: 'kubernetes/kubernetes#107730: Some pod sandboxes were not cleaned up until next kubelet restart', url: 'https://github.com/kubernetes/kubernetes/issues/107730' },
  ],
};
