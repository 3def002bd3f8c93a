import type { Rule } from '../types';
import { causeDepth, extractedOf, matched } from './support';

const EXHAUSTED = /no IP addresses available in (?:range set|network)|range is full|failed to allocate for range \d{1,3}: no IP addresses|no available (?:IPs?|IPv4|IPv6)\b|No available address(?:es| pools)|IP pool (?:is )?exhausted|no more addresses|failed to assign an IP address to container|no free IP|InsufficientFreeAddressesInSubnet|AllocateIP[^\n]{0,40}exhausted|ip pool exhausted|out of IP addresses/i;

/** The IPAM plugin has no free address left for new sandboxes. */
export const podIpExhaustedRule: Rule = {
  id: 'pod-ip-exhausted',
  category: 'pod-ip-exhausted',
  severity: 'error',
  title: 'Pod IP range exhausted',
  summary: 'A sandbox setup whose cause is the IPAM plugin having no free address (`no IP addresses available in range set`, `range is full`).',
  literals: ['no IP addresses', 'range is full', 'o available IP', 'o available ip', 'o available address', 'exhausted', 'pool exhausted', 'no more addresses', 'assign an IP address', 'no free IP', 'InsufficientFreeAddresses', 'out of IP addresses'],
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
