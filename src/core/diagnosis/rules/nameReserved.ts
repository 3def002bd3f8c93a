import type { Rule } from '../types';
import { causeDepth, extractedOf, matched } from './support';

const RESERVED = /is reserved for|name is reserved|already reserved for|failed to reserve (?:sandbox|container) name|error reserving (?:pod|ctr) name|is already in use by (?:container|sandbox)|with name "[^"\s]{1,512}" already exists|(?:sandbox|container) due to conflict|the conflicting container/;

/** A sandbox or container name is still held by an earlier object (leaked, or a create still in progress). */
export const nameReservedRule: Rule = {
  id: 'name-reserved',
  category: 'name-reserved',
  severity: 'warning',
  title: 'Name reserved by another sandbox or container',
  summary: 'A sandbox or container create failing because its name is held (`failed to reserve … name … is reserved for`, CRI-O `error reserving … name … for id …`, Docker `Conflict. The container name … is already in use`); journald-truncated lines count.',
  literals: ['is reserved', 'name is reserved', 'already reserved', 'failed to reserve', 'error reserving', 'already in use', 'already exists', 'due to conflict', 'conflicting container'],
  keyFields: ['name', 'sandboxId', 'containerId'],
  match(event) {
    const depth = causeDepth(event, RESERVED);
    if (depth < 0) return undefined;
    if (event.text.includes('already in use') && !/name|k8s_/.test(event.text)) return undefined;
    const o = event.objects;
    const extracted = extractedOf(event);
    const kind = o.nameKind ?? (/sandbox|pod name|k8s_POD_/.test(event.text) ? 'sandbox' : 'container');
    if (o.name !== undefined) extracted.name = o.name;
    // The holder is the object to look at; a container's name lives in a sandbox the line may name too.
    delete extracted.containerId;
    if (kind === 'sandbox') {
      delete extracted.sandboxId;
      if (o.holderId !== undefined) extracted.sandboxId = o.holderId;
    } else if (o.holderId !== undefined) {
      extracted.containerId = o.holderId;
    }
    if (o.newId !== undefined) extracted.newId = o.newId;
    extracted.method = kind === 'sandbox' ? 'RunPodSandbox' : 'CreateContainer';
    return matched(depth, extracted);
  },
};
