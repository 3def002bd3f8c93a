import { ARTICLES } from '../knowledge/articles';
import { RULES } from './catalog';
import type { Extracted, Rule } from './types';

/** Placeholder values used to show each article's fix commands in the catalog. */
const PLACEHOLDERS: Extracted = {};

function code(text: string): string {
  return `\`${text.replace(/\|/g, '\\|')}\``;
}

/** The anchor of a category's article in the README (`#category-cni-cache-corrupt`). */
export function articleAnchor(category: string): string {
  return `category-${category}`;
}

/** The rule catalog as Markdown: the README's rules section is exactly this text (a unit test checks it). */
export function renderCatalogMarkdown(rules: readonly Rule[] = RULES): string {
  const out: string[] = [];
  out.push('## Rule catalog', '');
  out.push('Generated from `src/core/diagnosis/rules/` and `src/core/knowledge/articles.ts` by `node dist/cli.js rules --markdown`;');
  out.push('a unit test keeps this section equal to that output. Every rule sees every parsed line; the one that matches');
  out.push('deepest in the error\'s cause chain wins, and this order breaks ties. Repeated lines about the same object collapse');
  out.push('into one finding. Node findings (`kube-node-doctor inspect`) of a category show the same article.', '');
  out.push('| Rule | Category | Severity | Title | Pre-filter literals |');
  out.push('| --- | --- | --- | --- | --- |');
  for (const rule of rules) {
    out.push(`| ${code(rule.id)} | [${code(rule.category)}](#${articleAnchor(rule.category)}) | ${rule.severity} | ${rule.title} | ${rule.literals.map(code).join(', ')} |`);
  }
  out.push('');
  for (const article of ARTICLES) {
    const own = rules.filter((r) => r.category === article.category);
    out.push(`### <a id="${articleAnchor(article.category)}"></a>${article.title} (${code(article.category)})`, '');
    out.push(article.repair !== undefined ? `Repair ${code(article.repair)}.` : 'No automated repair.', '');
    out.push(article.explanation, '');
    if (own.length > 0) {
      out.push('Rules:', '');
      for (const rule of own) {
        out.push(`- <a id="rule-${rule.id}"></a>${code(rule.id)} (${rule.severity}, groups by ${rule.keyFields.length > 0 ? rule.keyFields.map(code).join(', ') : 'node'}): ${rule.summary}`);
      }
      out.push('');
    } else {
      out.push('Found on the node only (`kube-node-doctor inspect`), not in logs.', '');
    }
    const commands = article.fixCommands(PLACEHOLDERS);
    if (commands.length > 0) {
      out.push('Manual fix:', '', '```sh', ...commands, '```', '');
    }
    if (article.versionNotes !== undefined && article.versionNotes.length > 0) {
      out.push('Version notes:', '');
      for (const note of article.versionNotes) {
        out.push(`- **${note.component} ${note.versions}:** ${note.note}`);
      }
      out.push('');
    }
    out.push('References:', '');
    for (const ref of article.references) {
      out.push(`- [${ref.title}](${ref.url})`);
    }
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
