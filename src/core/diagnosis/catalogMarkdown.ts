import { RULES } from './catalog';
import type { Extracted, Rule } from './types';

/** Placeholder values used to show each rule's fix commands in the catalog. */
const PLACEHOLDERS: Extracted = {
  sandboxId: '<sandbox-id>',
  network: '<network>',
};

function code(text: string): string {
  return `\`${text.replace(/\|/g, '\\|')}\``;
}

/** The rule catalog as Markdown: the README's rules section is exactly this text (a unit test checks it). */
export function renderCatalogMarkdown(rules: readonly Rule[] = RULES): string {
  const out: string[] = [];
  out.push('## Rule catalog', '');
  out.push('Generated from `src/core/diagnosis/rules/` by `node dist/cli.js rules --markdown`; a unit test keeps this section equal to that output.');
  out.push('A line is attributed to the first rule (in this order) whose literal pre-filter and pattern match it; repeated lines');
  out.push('about the same object collapse into one finding.', '');
  out.push('| Rule | Category | Severity | Title | Pre-filter literals |');
  out.push('| --- | --- | --- | --- | --- |');
  for (const rule of rules) {
    out.push(`| [${code(rule.id)}](#rule-${rule.id}) | ${code(rule.category)} | ${rule.severity} | ${rule.title} | ${rule.literals.map(code).join(', ')} |`);
  }
  out.push('');
  for (const rule of rules) {
    out.push(`### <a id="rule-${rule.id}"></a>${rule.title} (${code(rule.id)})`, '');
    out.push(`Category ${code(rule.category)}, severity ${rule.severity}${rule.repair !== undefined ? `, repair ${code(rule.repair)}` : ''}. Groups by ${rule.keyFields.length > 0 ? rule.keyFields.map(code).join(', ') : 'node (one finding)'}.`, '');
    out.push(rule.explanation, '');
    const commands = rule.fixCommands(PLACEHOLDERS);
    if (commands.length > 0) {
      out.push('Manual fix:', '', '```sh', ...commands, '```', '');
    }
    if (rule.versionNotes !== undefined && rule.versionNotes.length > 0) {
      out.push('Version notes:', '');
      for (const note of rule.versionNotes) {
        out.push(`- **${note.component} ${note.versions}:** ${note.note}`);
      }
      out.push('');
    }
    out.push('References:', '');
    for (const ref of rule.references) {
      out.push(`- [${ref.title}](${ref.url})`);
    }
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
