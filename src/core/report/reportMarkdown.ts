import type { ReportModel } from '../../shared/reportProtocol';
import { GRPC_LIMITS } from '../../shared/reportProtocol';
import { formatBytes } from '../model/bytes';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** The node report as Markdown, for "Export to Markdown" and for pasting into an incident ticket. */
export function reportMarkdown(model: ReportModel): string {
  const lines: string[] = [];
  lines.push(`# Node report: ${model.node}`, '');
  lines.push(`Generated ${model.generatedAt} through ${model.access}. Objects listed with strategy \`${model.listStrategy}\`.`, '');
  lines.push('## Summary', '');
  if (model.incomplete) lines.push(`> **${model.incomplete}** (the counts are what was listed, not all the node holds)`, '');
  lines.push('| | |', '| --- | --- |');
  for (const count of model.counts) {
    lines.push(`| ${cell(count.label)} | ${count.value.toLocaleString('en-US')}${count.detail ? ` (${cell(count.detail)})` : ''} |`);
  }
  for (const [name, version] of Object.entries(model.versions)) {
    lines.push(`| ${cell(name)} | ${cell(version)} |`);
  }
  lines.push('');
  if (model.listSizes.length > 0) {
    lines.push('## CRI list sizes', '', `| call | size | ${GRPC_LIMITS.map((l) => cell(l.label)).join(' | ')} |`, `| --- | --- | ${GRPC_LIMITS.map(() => '---').join(' | ')} |`);
    for (const size of model.listSizes) {
      const ratios = GRPC_LIMITS.map((l) => `${Math.round((100 * size.bytes) / l.bytes)} %`);
      lines.push(`| ${cell(size.method)} | ${formatBytes(size.bytes)} | ${ratios.join(' | ')} |`);
    }
    lines.push('');
  }
  lines.push(`## Findings (${model.findings.length})`, '');
  if (model.findings.length === 0) {
    lines.push('No problems found.', '');
  }
  for (const finding of model.findings) {
    lines.push(`### ${finding.severity.toUpperCase()}: ${finding.title}`, '');
    lines.push(`\`${finding.category}\` · ${finding.object} · id \`${finding.id}\``, '');
    lines.push(finding.explanation, '');
    if (finding.steps.length > 0) {
      lines.push('Repair plan:', '');
      finding.steps.forEach((step, i) => lines.push(`${i + 1}. ${step.title} (risk: ${step.risk})`));
      lines.push('', '```sh', ...finding.steps.map((s) => s.manualCommand), '```', '');
    }
    for (const note of finding.notes ?? []) lines.push(`> ${note.replace(/\r?\n/g, ' ')}`, '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
