import { VERSION_LITERALS } from './event';
import { cniCacheResultInvalidRule } from './rules/cniCacheResultInvalid';
import { cniNotReadyRule } from './rules/cniNotReady';
import { cniSetupFailedRule } from './rules/cniSetupFailed';
import { cniTeardownFailedRule } from './rules/cniTeardownFailed';
import { containerStopTimeoutRule } from './rules/containerStopTimeout';
import { criMessageTooLargeRule } from './rules/criMessageTooLarge';
import { diskPressureRule } from './rules/diskPressure';
import { multusCacheInvalidRule } from './rules/multusCacheInvalid';
import { nameReservedRule } from './rules/nameReserved';
import { noPodSandboxFoundRule } from './rules/noPodSandboxFound';
import { ociRuntimeFailedRule } from './rules/ociRuntimeFailed';
import { plegUnhealthyRule } from './rules/plegUnhealthy';
import { podIpExhaustedRule } from './rules/podIpExhausted';
import { runtimeCallFailedRule } from './rules/runtimeCallFailed';
import { runtimeObjectNotFoundRule } from './rules/runtimeObjectNotFound';
import { runtimeUnavailableRule } from './rules/runtimeUnavailable';
import { runtimeUnresponsiveRule } from './rules/runtimeUnresponsive';
import { sandboxRemoveFailedRule } from './rules/sandboxRemoveFailed';
import { sandboxStopTimeoutRule } from './rules/sandboxStopTimeout';
import type { Rule } from './types';

/**
 * The rule catalog. Every rule sees every event; the one whose match lies deepest in the cause chain wins, and this
 * order only breaks ties (most specific first), so `RemovePodSandbox … failed to forcibly stop … cached result: …` is a
 * CNI cache finding and not a generic "sandbox removal failed" one. `runtime-call-failed` claims what no rule does.
 */
export const RULES: readonly Rule[] = [
  multusCacheInvalidRule,
  cniCacheResultInvalidRule,
  podIpExhaustedRule,
  criMessageTooLargeRule,
  nameReservedRule,
  noPodSandboxFoundRule,
  sandboxStopTimeoutRule,
  containerStopTimeoutRule,
  runtimeUnresponsiveRule,
  runtimeObjectNotFoundRule,
  cniTeardownFailedRule,
  cniSetupFailedRule,
  ociRuntimeFailedRule,
  plegUnhealthyRule,
  runtimeUnavailableRule,
  cniNotReadyRule,
  diskPressureRule,
  sandboxRemoveFailedRule,
  runtimeCallFailedRule,
];

const BY_ID = new Map<string, Rule>(RULES.map((rule) => [rule.id, rule]));

export function ruleById(id: string): Rule | undefined {
  return BY_ID.get(id);
}

/** Error markers: a line without one of these (or a rule's own words) cannot hold a failure worth a finding. */
export const ERROR_MARKERS: readonly string[] = ['rpc error:', 'level=error', 'level=fatal', '"level":"error"', 'failed to ', 'Failed to ', ' failed: rpc', 'Error response', 'error: failed', 'deadline exceeded', 'DeadlineExceeded', 'not found: ', 'i/o timeout', 'timed out waiting', 'operation timeout', 'No such container', 'Error deleting', 'Error adding', 'Error while', 'error killing', 'Error syncing', 'FailedKillPod', 'FailedCreatePodSandBox', 'FailedSync', 'ContainerGCFailed'];

/**
 * Every distinct literal the engine pre-filters on: each rule's words, the error markers, and the lines that
 * announce the runtime version. Operation words alone (`StopPodSandbox … returns successfully`) do not pass.
 */
export function catalogLiterals(rules: readonly Rule[] = RULES): string[] {
  const all = [...new Set([...rules.flatMap((rule) => rule.literals), ...ERROR_MARKERS, ...VERSION_LITERALS])];
  // The byte scanner skips ahead by up to its shortest literal: words shorter than MIN_SCANNER_LITERAL stay rule
  // gates only, and the error markers (all at least that long) let their lines through.
  return all.filter((literal) => literal.length >= MIN_SCANNER_LITERAL);
}

/** The shortest literal the byte pre-filter scans for (its window). */
export const MIN_SCANNER_LITERAL = 10;
