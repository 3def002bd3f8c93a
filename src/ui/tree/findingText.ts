// What clicking a finding opens: its sentence and details, its category's article (what it means, references) and the
// repair plan for it with the exact commands, as Markdown. Plain Node (no vscode import), unit-tested.
import type { Finding } from '../../core/inventory/types';
import { articleFor } from '../../core/knowledge/articles';
import { shortId } from '../../core/model/ids';
import { markdownCode, markdownText } from '../../core/model/markdown';
import { plural } from '../../core/model/plural';
import type { RepairPlan } from '../../core/repair/types';
import { findingObject } from './presenters/findingPresenter';

/** The plan for the finding, why there is none, or why it could not be made. */
export type FindingPlan =
  | { readonly kind: 'plan'; readonly plan: RepairPlan }
  | { readonly kind: 'none' }
  | { readonly kind: 'failed'; readonly message: string };

/** A tab title for the finding's document (no slashes): `cni-cache-corrupt-055b221e44a2.md`. */
export function findingDocumentName(finding: Finding): string {
  const object = finding.sandboxId ?? finding.containerId;
  return `${finding.category}${object ? `-${shortId(object)}` : ''}.md`;
}

/** A fence longer than any backtick run in the text, so a command can never close it. */
function fenced(text: string, language: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${text}\n${fence}`;
}

function planSection(finding: Finding, plan: FindingPlan): string[] {
  const out = ['## Repair plan', ''];
  if (plan.kind === 'failed') {
    out.push(`The plan could not be made: ${markdownText(plan.message)}`, '');
    return out;
  }
  if (plan.kind === 'none' || plan.plan.steps.length === 0) {
    out.push(finding.repair
      ? 'Nothing to do now: the plan for this finding has no step with the current settings (see the notes).'
      : 'This finding has no automatic repair; the article above says what to do by hand.', '');
  } else {
    const p = plan.plan;
    out.push(`${plural(p.steps.length, 'step')} on ${markdownText(p.node)}, in this order. Nothing has run: right-click the finding → **Repair…** to review and confirm them.`, '');
    p.steps.forEach((step, index) => {
      out.push(`${index + 1}. **${markdownText(step.title)}** — risk: ${step.risk}`, `   - Object: ${markdownCode(step.object)}`, `   - Only if: ${markdownText(step.precondition)}`, '');
      out.push(fenced(step.manualCommand, 'sh').split('\n').map((line) => `   ${line}`).join('\n'), '');
    });
  }
  if (plan.kind === 'plan' && plan.plan.notes.length > 0) out.push('### Notes', '', ...plan.plan.notes.map((n) => `- ${markdownText(n)}`), '');
  return out;
}

/**
 * The finding's document: what, where, the sentence, the IDs, the plan, then the article. The sentence and the detail
 * (runtime text, paths) are in a text block, shown literally both as Markdown source (code-server has no preview for an
 * extension's virtual documents) and rendered, so they need no escaping.
 */
export function findingMarkdown(finding: Finding, node: string, plan: FindingPlan): string {
  const article = articleFor(finding.category);
  const out = [
    `# ${markdownText(article.title)} — ${markdownCode(findingObject(finding))}`, '',
    `**${finding.severity.toUpperCase()}** on ${markdownCode(node)}`, '',
    fenced(`${finding.title}\n\n${finding.detail}`, 'text'), '',
  ];
  const ids: [string, string | undefined][] = [
    ['Finding', finding.id], ['Pod', finding.pod], ['Sandbox', finding.sandboxId], ['Container', finding.containerId], ['Path', finding.path],
  ];
  for (const [key, value] of ids) if (value) out.push(`- ${key}: ${markdownCode(value)}`);
  out.push('', ...planSection(finding, plan));
  out.push('## What it means', '', article.explanation, '');
  if (article.references.length > 0) {
    out.push('## References', '', ...article.references.map((ref) => `- [${markdownText(ref.title)}](${ref.url})`), '');
  }
  return out.join('\n');
}
