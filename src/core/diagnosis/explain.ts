import { articleFor, versionNotesFor } from '../knowledge/articles';
import type { Article } from '../knowledge/articleModel';
import { shortId } from '../model/ids';
import { markdownCode, markdownText } from '../model/markdown';
import type { LogFinding } from './types';
import { plural } from '../model/plural';

/** The manual fix for a finding, as exact shell commands with the finding's values filled in. */
export function fixCommandsFor(finding: LogFinding): string[] {
  return articleFor(finding.category).fixCommands(finding);
}

/** The article (explanation, fix, references) of a finding's category. */
export function articleOf(finding: Pick<LogFinding, 'category'>): Article {
  return articleFor(finding.category);
}

/** One short phrase naming the object of a finding, e.g. `sandbox 055b221e44a2 · network cbr0`. Plain text. */
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
  if (finding.method !== undefined && (finding.category === 'cri-message-too-large' || finding.category === 'runtime-unresponsive' || finding.category === 'runtime-call-failed')) {
    parts.push(`${finding.method}${finding.size !== undefined && finding.limit !== undefined ? ` ${finding.size.toLocaleString('en-US')} > ${finding.limit.toLocaleString('en-US')} bytes` : ''}`);
  }
  if (finding.path !== undefined && (finding.category === 'runtime-unavailable' || finding.category === 'runtime-unresponsive')) {
    parts.push(finding.path);
  }
  if (finding.category === 'runtime-call-failed' && finding.cause !== undefined) {
    parts.push(finding.cause);
  }
  if (parts.length === 0 && finding.reason !== undefined) {
    parts.push(finding.reason);
  }
  return parts.length > 0 ? parts.join(' · ') : 'this node';
}


/**
 * A Markdown explanation of one finding: what it is, the object, how often, the manual fix, version notes (those
 * that apply to the runtime version the log names marked), references. Everything taken from the log is escaped.
 */
export function explainMarkdown(finding: LogFinding): string {
  const article = articleFor(finding.category);
  const out: string[] = [];
  out.push(`## ${markdownText(finding.title)}`, '');
  out.push(`${markdownCode(finding.category)} · rule ${markdownCode(finding.rule)} · ${finding.severity}`, '');
  out.push(`**Object:** ${markdownText(describeObject(finding))}`, '');
  const seen = finding.firstSeen !== undefined ? ` between ${markdownText(finding.firstSeen)} and ${markdownText(finding.lastSeen ?? finding.firstSeen)}` : '';
  const shown = finding.lines.length < finding.count ? ` (first ${plural(finding.lines.length, 'line')} listed)` : '';
  out.push(`**Seen:** ${plural(finding.count, 'time')}${seen}${shown}.`, '');
  const ids: string[] = [];
  if (finding.sandboxId !== undefined) ids.push(`- Sandbox ID: ${markdownCode(finding.sandboxId)}`);
  if (finding.containerId !== undefined) ids.push(`- Container ID: ${markdownCode(finding.containerId)}`);
  if (finding.podUid !== undefined) ids.push(`- Pod UID: ${markdownCode(finding.podUid)}`);
  if (finding.podName !== undefined) ids.push(`- Pod: ${markdownCode(`${finding.podNamespace !== undefined ? `${finding.podNamespace}/` : ''}${finding.podName}`)}`);
  if (finding.network !== undefined) ids.push(`- CNI network: ${markdownCode(finding.network)}${finding.pluginType !== undefined ? ` (plugin ${markdownCode(finding.pluginType)})` : ''}`);
  if (finding.method !== undefined) ids.push(`- CRI method: ${markdownCode(finding.method)}`);
  if (finding.code !== undefined) ids.push(`- gRPC code: ${markdownCode(finding.code)}`);
  if (finding.cause !== undefined) ids.push(`- Deepest cause: ${markdownText(finding.cause)}`);
  if (finding.reason !== undefined) ids.push(`- Reason: ${markdownText(finding.reason)}`);
  if (finding.runtime !== undefined) ids.push(`- Runtime: ${markdownText(`${finding.runtime}${finding.runtimeVersion !== undefined ? ` ${finding.runtimeVersion}` : ''}`)}`);
  if (ids.length > 0) {
    out.push(...ids, '');
  }
  out.push('### What it means', '', article.explanation, '');
  const commands = article.fixCommands(finding);
  if (commands.length > 0) {
    out.push('### Manual fix', '', 'Run on the node (as root):', '', '```sh', ...commands.map((c) => c.replace(/```/g, '` ` `')), '```', '');
  }
  const runtime = finding.runtime !== undefined && finding.runtimeVersion !== undefined ? { name: finding.runtime, version: finding.runtimeVersion } : undefined;
  const notes = versionNotesFor(finding.category, runtime);
  if (notes.length > 0) {
    out.push('### Version notes', '');
    for (const { note, applies } of notes) {
      const mark = applies === true ? ` *(applies: the log names ${markdownText(`${runtime?.name} ${runtime?.version}`)})*` : applies === false ? ` *(not ${markdownText(`${runtime?.name} ${runtime?.version}`)}, the version this log names)*` : '';
      out.push(`- **${note.component} ${note.versions}:** ${note.note}${mark}`);
    }
    out.push('');
  }
  if (article.references.length > 0) {
    out.push('### References', '');
    for (const ref of article.references) {
      out.push(`- [${markdownText(ref.title)}](${ref.url})`);
    }
    out.push('');
  }
  return out.join('\n');
}
