import { shellWord } from '../extract';
import type { Extracted, Rule } from '../types';

/** The runtime answered NotFound for a sandbox or container kubelet still refers to. */
export const runtimeObjectNotFoundRule: Rule = {
  id: 'runtime-object-not-found',
  category: 'runtime-object-missing',
  severity: 'warning',
  title: 'Sandbox or container no longer exists',
  literals: ['an error occurred when try to find', 'does not exist', 'could not find'],
  pattern: /an error occurred when try to find (sandbox|container)(?: "([0-9a-f]{64})")?: not found|(container|sandbox|pod sandbox|ID) "([0-9a-f]{64})" does not exist|could not find (container|sandbox|pod) "([0-9a-f]{64})"/,
  keyFields: ['sandboxId', 'containerId'],
  extract(match): Extracted | undefined {
    const kind = match[1] ?? match[3] ?? match[5];
    const id = match[2] ?? match[4] ?? match[6];
    if (id === undefined) {
      return kind === 'sandbox' ? { reason: 'sandbox not found (no ID in the message)' } : undefined;
    }
    return kind === 'container' ? { containerId: id } : { sandboxId: id };
  },
  explanation: [
    'kubelet (or a tool) asked the runtime about a sandbox or container that the runtime no longer has. Once in a',
    'while this is a harmless race (the object was removed between a list and a status call). Repeated for the same',
    'ID it means kubelet\'s view and the runtime\'s disagree: the object was removed underneath CRI (for example with',
    '`ctr`), or the runtime lost its record after a restart while containers still point at it.',
    '',
    'If containers still reference a vanished sandbox, remove those containers; if kubelet keeps asking about a',
    'removed sandbox, restarting kubelet rebuilds its view.',
  ].join('\n'),
  fixCommands(f): string[] {
    if (f.containerId !== undefined) {
      return [`crictl inspect ${shellWord(f.containerId)}`, `crictl rm --force ${shellWord(f.containerId)}`];
    }
    const id = shellWord(f.sandboxId ?? '<sandbox-id>');
    return [`crictl ps -a --pod ${id}`, `crictl ps -a -q --pod ${id} | xargs -r crictl rm --force`, `crictl rmp ${id}`];
  },
  repair: 'remove-orphan-containers',
  references: [
    { title: 'kubernetes/kubernetes#107730: Some pod sandboxes were not cleaned up until next kubelet restart', url: 'https://github.com/kubernetes/kubernetes/issues/107730' },
    { title: 'kubernetes/kubernetes#108325: kubelet tolerates containers without a sandbox (1.24)', url: 'https://github.com/kubernetes/kubernetes/pull/108325' },
  ],
};
