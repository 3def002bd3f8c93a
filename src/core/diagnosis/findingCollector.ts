import type { Extracted, LogFinding, LogLine, Rule } from './types';

const SEVERITY_ORDER: Readonly<Record<string, number>> = { error: 0, warning: 1, info: 2 };
/** Longest string field a finding keeps (reasons are shorter already). */
const MAX_FIELD_CHARS = 1024;

/** A copy of a string that shares no memory with the line it was cut from (capped at MAX_FIELD_CHARS). */
export function detach(value: string): string {
  const capped = value.length > MAX_FIELD_CHARS ? value.slice(0, MAX_FIELD_CHARS) : value;
  return Buffer.from(capped, 'utf8').toString('utf8');
}

/** Fills fields the finding does not have yet; sizes keep their maximum. */
function mergeExtracted(finding: LogFinding, extracted: Extracted): void {
  const target = finding as unknown as Record<string, unknown>;
  const source = extracted as unknown as Record<string, unknown>;
  for (const field in source) {
    const value = source[field];
    if (value === undefined) {
      continue;
    }
    if (field === 'size') {
      finding.size = Math.max(finding.size ?? 0, value as number);
    } else if (target[field] === undefined) {
      target[field] = typeof value === 'string' ? detach(value) : value;
    }
  }
}

export interface CollectorLimits {
  readonly maxFindings: number;
  readonly maxEvidenceLines: number;
  readonly maxEvidenceTotal: number;
}

/**
 * The findings of a scan, one per rule and key fields: counts stay exact, evidence line numbers and distinct findings
 * are capped (what was dropped is counted), and a finding holds copies of its fields, never a slice of a line.
 */
export class FindingCollector {
  private readonly groups = new Map<string, LogFinding>();
  private evidenceKept = 0;
  droppedFindings = 0;
  droppedEvidence = 0;

  constructor(private readonly limits: CollectorLimits) {}

  record(rule: Rule, extracted: Extracted, line: LogLine): void {
    let key = rule.id;
    for (const field of rule.keyFields) {
      key += `\u0000${extracted[field] ?? ''}`;
    }
    let finding = this.groups.get(key);
    if (finding === undefined) {
      if (this.groups.size >= this.limits.maxFindings) {
        this.droppedFindings += 1;
        return;
      }
      finding = { category: rule.category, rule: rule.id, severity: rule.severity, title: rule.title, count: 0, lines: [] };
      this.groups.set(detach(key), finding);
    }
    finding.count += line.repeat;
    if (finding.lines.length < this.limits.maxEvidenceLines) {
      if (this.evidenceKept < this.limits.maxEvidenceTotal) {
        finding.lines.push(line.lineNumber);
        this.evidenceKept += 1;
      } else {
        this.droppedEvidence += 1;
      }
    }
    mergeExtracted(finding, extracted);
    if (line.timestamp !== undefined) {
      if (finding.firstSeen === undefined || line.timestamp < finding.firstSeen) {
        finding.firstSeen = detach(line.timestamp);
      }
      if (finding.lastSeen === undefined || line.timestamp > finding.lastSeen) {
        finding.lastSeen = detach(line.timestamp);
      }
    }
  }

  /** Copies of the findings, most severe first then by first line; the runtime the log announced fills in their runtime. */
  findings(runtime?: { readonly name: string; readonly version: string }): LogFinding[] {
    const findings = [...this.groups.values()].map((g) => {
      const finding: LogFinding = { ...g, lines: [...g.lines] };
      if (runtime !== undefined && (finding.runtime === undefined || finding.runtime === runtime.name) && finding.runtimeVersion === undefined) {
        finding.runtime = runtime.name;
        finding.runtimeVersion = runtime.version;
      }
      return finding;
    });
    findings.sort((a, b) => (SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]) || ((a.lines[0] ?? 0) - (b.lines[0] ?? 0)));
    return findings;
  }
}
