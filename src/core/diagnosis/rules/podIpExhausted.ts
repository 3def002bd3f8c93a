import type { Rule } from '../types';
import { causeDepth, extractedOf, matched } from './support';

const EXHAUSTED = /no IP addresses available in range set|no IP addresses available in network|range is full|failed to allocate for range \d{1,3}: no IP addresses|no available IP addresses|IP pool (?:is )?exhausted|ipam: no more addresses/;

/** The IPAM plugin has no free address left for new sandboxes. */
export const podIpExhaustedRule: Rule = {
  id: 'pod-ip-exhausted',
  category: 'pod-ip-exhausted',
  severity: 'error',
  title: 'Pod IP range exhausted',
  summary: 'A sandbox setup whose cause is the IPAM plugin having no free address (`no IP addresses available in range set`, `range is full`).',
  literals: ['no IP addresses', 'range is full', 'no available IP', 'exhausted', 'no more addresses'],
  keyFields: ['ipRange'],
  match(event) {
    const depth = causeDepth(event, EXHAUSTED);
    if (depth < 0) return undefined;
    const extracted = extractedOf(event);
    const range = /range set: ([0-9a-fA-F.:/-]{3,100})/.exec(event.text);
    extracted.ipRange = range ? range[1] : 'range is full';
    extracted.method = 'RunPodSandbox';
    return matched(depth, extracted);
  },
};
