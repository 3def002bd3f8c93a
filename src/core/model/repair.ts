/**
 * The repairs the planner knows, shared by log findings (through their category's article) and node findings.
 * A finding names at most one; `core/repair/planner` turns it into steps.
 */
export const REPAIR_IDS = [
  'remove-cache-file-and-sandbox',
  'release-leaked-ips',
  'remove-orphan-containers',
  'prune-dead-objects',
  'force-remove-sandbox',
  'force-stop-stuck-sandbox',
  'retry-sandbox-stop',
  'remove-name-holder',
  'force-stop-stuck-sandbox',
  /** Docker nodes: a dockershim/cri-dockerd sandbox checkpoint whose sandbox container is gone and that no container references. */
  'remove-stale-checkpoint',
  /** One sandbox or container the user asked to remove (the tree's Remove Sandbox… / Remove Container…), not a finding's repair. */
  'remove-object',
] as const;

export type RepairId = (typeof REPAIR_IDS)[number];

