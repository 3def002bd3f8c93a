/**
 * Problem categories shared by log diagnosis and node inventory findings, so that a lens on a pasted log
 * and a finding on a node about the same sandbox can be joined. The names are part of the CLI's output.
 */
export const CATEGORIES = [
  'cni-cache-corrupt',
  'cni-cache-orphaned',
  'cni-teardown-failed',
  'cni-setup-failed',
  'cri-message-too-large',
  'dead-objects-piling-up',
  'sandbox-stop-timeout',
  'sandbox-remove-failed',
  'runtime-object-missing',
  'name-reserved',
  'pleg-unhealthy',
  'runtime-unavailable',
  'runtime-unresponsive',
  'container-stop-timeout',
  'runtime-call-failed',
  'oci-runtime-failed',
  'pod-ip-exhausted',
  'disk-pressure',
] as const;

export type Category = (typeof CATEGORIES)[number];

export type Severity = 'error' | 'warning' | 'info';

export function isCategory(value: string): value is Category {
  return (CATEGORIES as readonly string[]).includes(value);
}
