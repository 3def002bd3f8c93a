import { shortReason } from '../event';
import type { Rule } from '../types';
import { causeDepth, extractedOf, matched } from './support';

const OCI = /OCI runtime (?:create|start|exec|state|delete) failed|oci runtime error|OCI runtime attempted to invoke|OCI (?:permission denied|not found)|runc create failed|runc run failed|failed to create shim task|failed to create shim|container_linux\.go:\d{1,5}: starting container process caused|starting container process caused|unable to start container process|exec format error/;

/** runc (or another OCI runtime) failed to create/start a container or sandbox. */
export const ociRuntimeFailedRule: Rule = {
  id: 'oci-runtime-failed',
  category: 'oci-runtime-failed',
  severity: 'error',
  title: 'OCI runtime failed to start a container',
  summary: 'A container or sandbox create/start whose cause is the OCI runtime (`OCI runtime create failed`, `runc create failed`, `failed to create shim task`, `starting container process caused`).',
  literals: ['OCI runtime', 'oci runtime', 'runc create failed', 'runc run failed', 'shim task', 'failed to create shim', 'container process', 'exec format error'],
  keyFields: ['reason'],
  match(event) {
    const depth = causeDepth(event, OCI);
    if (depth < 0) return undefined;
    const m = /OCI runtime (create|start|exec|state|delete) failed: ([^\n]{1,300})/.exec(event.text);
    let reasonText = m ? `${m[1]}: ${m[2]}` : event.causes.slice(Math.max(0, depth - 1)).join(': ') || event.text;
    const end = /"(?:\s{1,8}[\w.]{1,64}=|\s*$)/.exec(reasonText);
    reasonText = (end ? reasonText.slice(0, end.index) : reasonText).replace(/: unknown$/, '');
    const extracted = extractedOf(event);
    extracted.reason = shortReason(reasonText);
    const runtime = /\b(runc|runsc|crun|kata)\b/.exec(reasonText);
    if (runtime) extracted.runtime = runtime[1];
    return matched(depth, extracted);
  },
};
