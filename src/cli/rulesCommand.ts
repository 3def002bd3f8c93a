import { RULES } from '../core/diagnosis/catalog';
import { articleFor } from '../core/knowledge/articles';
import { renderCatalogMarkdown } from '../core/diagnosis/catalogMarkdown';

const HELP = `usage: kube-node-doctor rules [--markdown | --json]

Prints the diagnosis rule catalog: a table (default), the README's Markdown section (--markdown),
or JSON (--json).
`;

export async function rulesCommand(args: readonly string[]): Promise<number> {
  const flags = new Set(args);
  if (flags.has('--help') || flags.has('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const unknown = args.filter((a) => a !== '--markdown' && a !== '--json');
  if (unknown.length > 0 || (flags.has('--markdown') && flags.has('--json'))) {
    process.stderr.write(`kube-node-doctor rules: unexpected argument "${unknown[0] ?? '--json'}"\n${HELP}`);
    return 2;
  }
  if (flags.has('--markdown')) {
    process.stdout.write(renderCatalogMarkdown());
    return 0;
  }
  if (flags.has('--json')) {
    const rules = RULES.map((r) => {
      const article = articleFor(r.category);
      return {
        id: r.id, category: r.category, severity: r.severity, title: r.title, summary: r.summary, literals: r.literals, keyFields: r.keyFields,
        repair: article.repair, references: article.references, versionNotes: (article.versionNotes ?? []).map((n) => ({ component: n.component, versions: n.versions, note: n.note })),
      };
    });
    process.stdout.write(`${JSON.stringify({ rules }, null, 2)}\n`);
    return 0;
  }
  const idWidth = Math.max(...RULES.map((r) => r.id.length));
  const catWidth = Math.max(...RULES.map((r) => r.category.length));
  const lines = RULES.map((r) => `${r.id.padEnd(idWidth)}  ${r.category.padEnd(catWidth)}  ${r.severity.padEnd(7)}  ${r.title}`);
  process.stdout.write(`${'RULE'.padEnd(idWidth)}  ${'CATEGORY'.padEnd(catWidth)}  SEVERITY  TITLE\n${lines.join('\n')}\n`);
  return 0;
}
