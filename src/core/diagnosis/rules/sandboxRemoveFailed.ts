import type { Rule } from '../types';
import { deepestReason, extractedOf, isOperation, matched } from './support';

/** Removing a sandbox failed for a reason no more specific rule recognised. */
export const sandboxRemoveFailedRule: Rule = {
  id: 'sandbox-remove-failed',
  category: 'sandbox-remove-failed',
  severity: 'warning',
  title: 'Sandbox removal failed',
  summary: 'A sandbox removal (RemovePodSandbox, `Failed to remove sandbox`, `failed to forcibly stop sandbox`) that failed for a cause no more specific rule claims.',
  literals: ['RemovePodSandbox', 'to remove sandbox', 'to remove pod sandbox', 'failed to forcibly stop', 'to delete sandbox', 'cleaning up failed sandbox', 'failed to cleanup sandbox', 'emoving pod sandbox', 'emoving the pod sandbox'],
  keyFields: ['sandboxId', 'reason'],
  match(event) {
    if (!isOperation(event, 'sandbox-remove') || event.objects.sandboxId === undefined) return undefined;
    if (event.causes.length === 0 && !/failed|error/i.test(event.text)) return undefined;
    const extracted = extractedOf(event);
    extracted.method = 'RemovePodSandbox';
    extracted.reason = deepestReason(event) ?? 'removal failed';
    delete extracted.containerId;
    return matched(0, extracted);
  },
};
