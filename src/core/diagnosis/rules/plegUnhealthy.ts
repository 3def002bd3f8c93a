import type { Rule } from '../types';
import { matched } from './support';

const PLEG = /PLEG is not healthy: pleg was last seen active ([0-9hmsµu.]{1,40}) ago; threshold is ([0-9hms.]{1,20})/;

/** kubelet's pod lifecycle event generator has not completed a relist within its threshold. */
export const plegUnhealthyRule: Rule = {
  id: 'pleg-unhealthy',
  category: 'pleg-unhealthy',
  severity: 'error',
  title: 'PLEG is not healthy',
  summary: '`PLEG is not healthy: pleg was last seen active … ago; threshold is …`; `pleg has yet to be successful` right after start-up is normal and not claimed.',
  literals: ['PLEG is not healthy'],
  keyFields: [],
  match(event) {
    const m = PLEG.exec(event.text);
    // 2562047h47m16.854775807s is the largest Go duration: a relist that never ran, printed by old kubelets at start-up.
    if (m === null || m[1].startsWith('2562047h')) return undefined;
    return matched(0, { reason: `last seen active ${m[1]} ago (threshold ${m[2]})` });
  },
};
