import { articleOf, describeObject, fixCommandsFor } from '../../core/diagnosis/explain';
import type { LogFinding } from '../../core/diagnosis/types';
import { shortId } from '../../core/model/ids';

/** `1 line`, `1,024 lines`. */
export function lineCount(count: number): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? 'line' : 'lines'}`;
}

/** The full sentence of a finding (hover, Problems, the lens's tooltip): `Empty or invalid CNI result cache · sandbox 055b221e44a2 · network cbr0 · 1,024 lines`. */
export function findingSummary(finding: LogFinding): string {
  const object = describeObject(finding);
  return [finding.title, object, lineCount(finding.count)].filter((part) => part.length > 0).join(' · ');
}

const SHORT_OBJECT_MAX = 48;

/**
 * The one object a lens names, as briefly as it can be named: the sandbox or container short ID, else the first thing
 * the full sentence names (reserved name, pod, network, CRI method, path, cause or reason), clipped; undefined when
 * the finding is about the node as a whole.
 */
export function shortObject(finding: LogFinding): string | undefined {
  if (finding.sandboxId !== undefined) return shortId(finding.sandboxId);
  if (finding.containerId !== undefined) return shortId(finding.containerId);
  if (finding.name === undefined && finding.podUid !== undefined) {
    return finding.podUid.slice(0, 8);
  }
  const object = describeObject(finding);
  if (object === 'this node') return undefined;
  const first = (object.split(' · ')[0] ?? object).replace(/^(name|network|range) /, '');
  return first.length > SHORT_OBJECT_MAX ? `${first.slice(0, SHORT_OBJECT_MAX - 1)}…` : first;
}

/** The lens text: the category's short name, the object and the count, e.g. `Empty or corrupt CNI cache file · 055b221e44a2 · 238 lines`. */
export function lensTitle(finding: LogFinding): string {
  const object = shortObject(finding);
  return [articleOf(finding).title, ...(object !== undefined ? [object] : []), lineCount(finding.count)].join(' · ');
}

/** The sandbox ID a finding names, lower-cased, when it is one the node inventories can be searched for (12–64 hex). */
export function sandboxOnNode(finding: LogFinding): string | undefined {
  const id = finding.sandboxId;
  return id !== undefined && /^[0-9a-fA-F]{12,64}$/.test(id) ? id.toLowerCase() : undefined;
}

export type FindingActionId = 'explain' | 'copyFixCommands' | 'findOnNode' | 'repairOnNode';

/** One thing to do with a finding: the same list feeds the lens's quick pick and the Quick Fix code actions. */
export interface FindingAction {
  readonly id: FindingActionId;
  /** Quick-pick label (with its icon). */
  readonly label: string;
  /** Code-action title: says what it acts on, as the light-bulb menu lists actions of several findings together. */
  readonly fixTitle: string;
  readonly detail: string;
  readonly command: string;
  readonly arguments: readonly unknown[];
}

/**
 * The actions that apply to a finding, in the order they are offered: Explain, Copy Fix Commands, Find on Node…,
 * Repair on Node…. `log` (the document's URI) lets Explain open the finding's stable explanation.
 */
export function findingActions(finding: LogFinding, log?: unknown): FindingAction[] {
  const name = articleOf(finding).title;
  const object = shortObject(finding);
  const about = object !== undefined ? `${name} (${object})` : name;
  const actions: FindingAction[] = [{
    id: 'explain', label: '$(book) Explain', fixTitle: `Explain: ${about}`,
    detail: 'What it means, the manual fix with this finding\'s IDs, version notes and references',
    command: 'kubeNodeDoctor.explainFinding', arguments: log === undefined ? [finding] : [finding, log],
  }];
  const commands = fixCommandsFor(finding);
  if (commands.length > 0) {
    actions.push({
      id: 'copyFixCommands', label: '$(clippy) Copy Fix Commands', fixTitle: `Copy fix commands: ${about}`,
      detail: `${commands.length === 1 ? '1 command' : `${commands.length} commands`} to run on the node: ${commands[0]}${commands.length > 1 ? ' …' : ''}`,
      command: 'kubeNodeDoctor.copyFixCommands', arguments: [finding],
    });
  }
  const sandboxId = sandboxOnNode(finding);
  if (sandboxId !== undefined) {
    actions.push(
      {
        id: 'findOnNode', label: '$(search) Find on Node…', fixTitle: `Find sandbox ${shortId(sandboxId)} on a node…`,
        detail: 'Look for this sandbox in the inspected nodes (or inspect one) and show it in the Node Doctor view',
        command: 'kubeNodeDoctor.findOnNode', arguments: [sandboxId, finding],
      },
      {
        id: 'repairOnNode', label: '$(wrench) Repair on Node…', fixTitle: `Repair sandbox ${shortId(sandboxId)} on its node…`,
        detail: 'Find this sandbox on its node, then plan its repair; nothing runs before you confirm the plan',
        command: 'kubeNodeDoctor.repairOnNode', arguments: [sandboxId, finding],
      },
    );
  }
  return actions;
}

/**
 * The Problems entry's related lines: the evidence after the first, at most `max` of them, each saying which of the
 * finding's `count` lines it is, and that the list is cut when it shows fewer than the lens counts.
 */
export function relatedLines(finding: LogFinding, max: number): { line: number; message: string }[] {
  const shown = finding.lines.slice(1, 1 + max);
  const listed = 1 + shown.length;
  const cut = listed < finding.count;
  return shown.map((line, i) => ({
    line,
    message: `same problem, line ${(i + 2).toLocaleString('en-US')} of ${finding.count.toLocaleString('en-US')}${cut ? ` (the first ${listed.toLocaleString('en-US')} are listed)` : ''}`,
  }));
}

/** Why VS Code shows no lenses for a document although Node Doctor diagnosed (or refused) it. */
export type HiddenLensReason =
  | { readonly kind: 'codeLens-off' }
  | { readonly kind: 'large-file'; readonly bytes: number; readonly lines: number }
  | { readonly kind: 'too-large'; readonly bytes: number; readonly limit: number };

/**
 * VS Code's large-file optimisations (editor.largeFileOptimizations) turn code lenses off for a document over 20 Mi
 * characters or 300,000 lines (its code-lens controller skips a model that `isTooLargeForTokenization`).
 */
export const LARGE_FILE_CHARS = 20 * 1024 * 1024;
export const LARGE_FILE_LINES = 300_000;

export function hiddenLensReason(input: {
  readonly editorCodeLens: boolean; readonly largeFileOptimizations: boolean; readonly bytes: number; readonly chars: number; readonly lines: number; readonly limit: number;
}): HiddenLensReason | undefined {
  if (input.bytes > input.limit) return { kind: 'too-large', bytes: input.bytes, limit: input.limit };
  if (!input.editorCodeLens) return { kind: 'codeLens-off' };
  if (input.largeFileOptimizations && (input.chars > LARGE_FILE_CHARS || input.lines > LARGE_FILE_LINES)) {
    return { kind: 'large-file', bytes: input.bytes, lines: input.lines };
  }
  return undefined;
}

function mb(bytes: number): string {
  return `${Math.round(bytes / 1024 / 1024).toLocaleString('en-US')} MB`;
}

/** The one notice that says so, with the command-line alternative. `problems`: findings listed in Problems (undefined when not diagnosed). */
export function hiddenLensMessage(reason: HiddenLensReason, name: string, problems: number | undefined): string {
  const cli = 'The command line prints every finding for a log of any size: kube-node-doctor diagnose FILE.';
  const found = problems === undefined ? '' : problems === 0 ? ' Node Doctor found no known problem in it.' : ` Node Doctor found ${problems === 1 ? '1 problem' : `${problems.toLocaleString('en-US')} problems`}: see the Problems panel and the hovers.`;
  switch (reason.kind) {
    case 'too-large':
      return `${name} (${mb(reason.bytes)}) is over the ${mb(reason.limit)} limit (kubeNodeDoctor.diagnose.maxDocumentSizeMB): it is not diagnosed in the editor. ${cli}`;
    case 'codeLens-off':
      return `Code lenses are turned off in VS Code (editor.codeLens), so ${name} shows no Node Doctor lenses.${found} ${cli}`;
    case 'large-file':
      return `VS Code turns code lenses off for large files (${mb(reason.bytes)}, ${reason.lines.toLocaleString('en-US')} lines; editor.largeFileOptimizations), so ${name} shows no Node Doctor lenses.${found} ${cli}`;
  }
}
