import { shortId } from '../model/ids';
import { ruleById } from './catalog';
import type { LogFinding } from './types';

/** The manual fix for a finding, as exact shell commands with the finding's values filled in. */
export function fixCommandsFor(finding: LogFinding): string[] {
  const rule = ruleById(finding.rule);
  return rule ? rule.fixCommands(finding) : [];
}

/** One short phrase naming the object of a finding, e.g. `sandbox 055b221e44a2 · network cbr0`. */
export function describeObject(finding: LogFinding): string {
  const parts: string[] = [];
  if (finding.sandboxId !== undefined) {
    parts.push(`sandbox ${shortId(finding.sandboxId)}`);
  }
  if (finding.containerId !== undefined) {
    parts.push(`container ${shortId(finding.containerId)}`);
  }
  if (finding.name !== undefined) {
    parts.push(`name ${finding.name}`);
  }
  if (finding.sandboxId === undefined && finding.containerId === undefined && finding.podUid !== undefined) {
    parts.push(`pod ${finding.podUid}`);
  }
  if (finding.network !== undefined) {
    parts.push(`network ${finding.network}`);
  }
  if (finding.ipRange !== undefined) {
    parts.push(`range ${finding.ipRange}`);
  }
  if (finding.method !== undefined && finding.category === 'cri-message-too-large') {
    parts.push(`${finding.method}${finding.size !== undefined && finding.limit !== undefined ? ` ${finding.size.toLocaleString('en-US')} > ${finding.limit.toLocaleString('en-US')} bytes` : ''}`);
  }
  if (finding.path !== undefined && finding.category === 'runtime-unavailable') {
    parts.push(finding.path);
  }
  if (parts.length === 0 && finding.reason !== undefined) {
    parts.push(finding.reason);
  }
  return parts.length > 0 ? parts.join(' · ') : 'this node';
}

function plural(count: number, word: string): string {
  return `${count.toLocaleString('en-US')} ${word}${count === 1 ? '' : 's'}`;
}

/** A Markdown explanation of one finding: what it is, the object, how often, the manual fix, version notes, references. */
export function explainMarkdown(finding: LogFinding): string {
  const rule = ruleById(finding.rule);
  const out: string[] = [];
  out.push(`## ${finding.title}`, '');
  out.push(`\`${finding.category}\` · rule \`${finding.rule}\` · ${finding.severity}`, '');
  out.push(`**Object:** ${describeObject(finding)}`, '');
  const seen = finding.firstSeen !== undefined ? ` between ${finding.firstSeen} and ${finding.lastSeen ?? finding.firstSeen}` : '';
  const shown = finding.lines.length < finding.count ? ` (first ${plural(finding.lines.length, 'line')} listed)` : '';
  out.push(`**Seen:** ${plural(finding.count, 'time')}${seen}${shown}.`, '');
  const ids: string[] = [];
  if (finding.sandboxId !== undefined) ids.push(`- Sandbox ID: \`${finding.sandboxId}\``);
  if (finding.containerId !== undefined) ids.push(`- Container ID: \`${finding.containerId}\``);
  if (finding.podUid !== undefined) ids.push(`- Pod UID: \`${finding.podUid}\``);
  if (finding.podName !== undefined) ids.push(`- Pod: \`${finding.podNamespace !== undefined ? `${finding.podNamespace}/` : ''}${finding.podName}\``);
  if (finding.method !== undefined) ids.push(`- CRI method: \`${finding.method}\``);
  if (finding.reason !== undefined) ids.push(`- Reason: ${finding.reason}`);
  if (ids.length > 0) {
    out.push(...ids, '');
  }
  if (rule) {
    out.push('### What it means', '', rule.explanation, '');
    const commands = rule.fixCommands(finding);
    if (commands.length > 0) {
      out.push('### Manual fix', '', 'Run on the node (as root):', '', '```sh', ...commands, '```', '');
    }
    if (rule.versionNotes !== undefined && rule.versionNotes.length > 0) {
      out.push('### Version notes', '');
      for (const note of rule.versionNotes) {
        out.push(`- **${note.component} ${note.versions}:** ${note.note}`);
      }
      out.push('');
    }
    if (rule.references.length > 0) {
      out.push('### References', '');
      for (const ref of rule.references) {
        out.push(`- [${ref.title}](${ref.url})`);
      }
      out.push('');
    }
  }
  return out.join('\n');
}
