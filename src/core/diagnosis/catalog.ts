import { cniCacheResultInvalidRule } from './rules/cniCacheResultInvalid';
import { cniNotReadyRule } from './rules/cniNotReady';
import { cniSetupFailedRule } from './rules/cniSetupFailed';
import { cniTeardownFailedRule } from './rules/cniTeardownFailed';
import { criMessageTooLargeRule } from './rules/criMessageTooLarge';
import { diskPressureRule } from './rules/diskPressure';
import { nameReservedRule } from './rules/nameReserved';
import { noPodSandboxFoundRule } from './rules/noPodSandboxFound';
import { multusCacheInvalidRule } from './rules/multusCacheInvalid';
import { ociRuntimeFailedRule } from './rules/ociRuntimeFailed';
import { plegUnhealthyRule } from './rules/plegUnhealthy';
import { podIpExhaustedRule } from './rules/podIpExhausted';
import { runtimeObjectNotFoundRule } from './rules/runtimeObjectNotFound';
import { runtimeUnavailableRule } from './rules/runtimeUnavailable';
import { sandboxRemoveFailedRule } from './rules/sandboxRemoveFailed';
import { sandboxStopTimeoutRule } from './rules/sandboxStopTimeout';
import type { Rule } from './types';

/**
 * The rule catalog, most specific first: a line is attributed to the first rule that matches it, so a
 * `RemovePodSandbox ... failed to forcibly stop ... cached result: ...` line is a CNI cache finding, not a generic
 * "sandbox removal failed" one, and an IP-exhaustion setup failure is not also a generic setup failure.
 */
export const RULES: readonly Rule[] = [
  cniCacheResultInvalidRule,
  multusCacheInvalidRule,
  podIpExhaustedRule,
  criMessageTooLargeRule,
  sandboxStopTimeoutRule,
  noPodSandboxFoundRule,
  nameReservedRule,
  cniTeardownFailedRule,
  cniSetupFailedRule,
  sandboxRemoveFailedRule,
  runtimeObjectNotFoundRule,
  plegUnhealthyRule,
  runtimeUnavailableRule,
  ociRuntimeFailedRule,
  cniNotReadyRule,
  diskPressureRule,
];

const BY_ID = new Map<string, Rule>(RULES.map((rule) => [rule.id, rule]));

export function ruleById(id: string): Rule | undefined {
  return BY_ID.get(id);
}

/** Every distinct literal of the catalog: the pre-filter a line must pass before any rule runs. */
export function catalogLiterals(rules: readonly Rule[] = RULES): string[] {
  return [...new Set(rules.flatMap((rule) => rule.literals))];
}
