import { describeObject } from '../../core/diagnosis/explain';
import type { LogFinding } from '../../core/diagnosis/types';

/** `1 line`, `1,024 lines`. */
export function lineCount(count: number): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? 'line' : 'lines'}`;
}

/** The lens and Problems text of a finding: `Empty CNI result cache · sandbox 055b221e44a2 · 1,024 lines`. */
export function findingSummary(finding: LogFinding): string {
  const object = describeObject(finding);
  return [finding.title, object, lineCount(finding.count)].filter((part) => part.length > 0).join(' · ');
}

/** The sandbox ID a finding names, lower-cased, when it is one the node inventories can be searched for (12–64 hex). */
export function sandboxOnNode(finding: LogFinding): string | undefined {
  const id = finding.sandboxId;
  return id !== undefined && /^[0-9a-fA-F]{12,64}$/.test(id) ? id.toLowerCase() : undefined;
}
