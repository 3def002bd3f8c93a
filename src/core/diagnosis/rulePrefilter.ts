import { catalogLiterals } from './catalog';
import type { LogEvent } from './event';
import { MultiLiteralScanner } from './literalScanner';
import type { Extracted, Rule, RuleMatch } from './types';
import { escapeRegExp } from '../model/regex';

/** What a distinct message text was classified as (null: no finding). */
export type Decision = { readonly rule: Rule; readonly extracted: Extracted } | null;

/** A catalog's rules with what decides cheaply whether a rule can apply to a line. */
export interface Prefilter {
  readonly rules: readonly Rule[];
  readonly scanner: MultiLiteralScanner;
  readonly one: RegExp;
  readonly gates: readonly RegExp[];
}

/** The pre-filter of a catalog, built once per catalog (an editor diagnoses a document on every change). */
const PREFILTERS = new WeakMap<readonly Rule[], Prefilter>();

export function prefilterFor(rules: readonly Rule[]): Prefilter {
  let prefilter = PREFILTERS.get(rules);
  if (prefilter === undefined) {
    const literals = catalogLiterals(rules);
    const gates = rules.map((rule) => new RegExp((rule.gate ?? rule.literals).map(escapeRegExp).join('|')));
    prefilter = { rules, scanner: new MultiLiteralScanner(literals), one: new RegExp(literals.map(escapeRegExp).join('|')), gates };
    PREFILTERS.set(rules, prefilter);
  }
  return prefilter;
}

/** The rule whose match lies deepest in the event's cause chain (catalog order breaks ties), or null. */
export function classify(prefilter: Prefilter, event: LogEvent): Decision {
  let best: { rule: Rule; match: RuleMatch } | undefined;
  const text = event.text;
  for (let i = 0; i < prefilter.rules.length; i += 1) {
    const rule = prefilter.rules[i];
    if (!prefilter.gates[i].test(text)) {
      continue;
    }
    const match = rule.match(event);
    if (match !== undefined && (best === undefined || match.depth > best.match.depth)) {
      best = { rule, match };
    }
  }
  return best === undefined ? null : { rule: best.rule, extracted: best.match.extracted };
}
