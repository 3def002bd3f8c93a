// Every `contextValue` a row of the Nodes view can carry, in one table: `kind[.state]`, so the `package.json` menus match
// on prefixes (`viewItem =~ /^sandbox\./`). test/unit/tree/contextValues.test.ts checks each menu `when` clause against
// this table, and that every value marked `menu: true` has at least one entry. Presenters take their values from here.
import type { Severity } from '../../core/model/category';

export interface ContextValueEntry {
  readonly value: string;
  /** Whether a right-click (or inline) menu must offer something on such a row. */
  readonly menu: boolean;
  readonly meaning: string;
}

function entry<V extends string>(value: V, menu: boolean, meaning: string): ContextValueEntry & { readonly value: V } {
  return { value, menu, meaning };
}

type FindingValue<S extends string> = `finding.${S}${'' | '.repairable' | '.repairable.stuck'}`;

function findingEntries<S extends Severity>(severity: S): (ContextValueEntry & { readonly value: FindingValue<S> })[] {
  return [
    entry(`finding.${severity}` as const, true, `a ${severity} finding without a repair (or whose plan has no step now)`),
    entry(`finding.${severity}.repairable` as const, true, `a ${severity} finding with a repair`),
    entry(`finding.${severity}.repairable.stuck` as const, true, `a ${severity} finding of a stuck sandbox (force-stop)`),
  ];
}

export const CONTEXT_VALUES = [
  entry('cluster', true, 'a kubeconfig context'),
  entry('node', true, 'a node never read'),
  entry('node.inspected', true, 'an inspected node without findings'),
  entry('node.inspected.findings', true, 'an inspected node with findings'),
  entry('inspect', false, '"Inspect node" under a node never read (click runs it)'),
  entry('inspect.running', false, '"Inspecting…" while the node is read'),
  entry('group.findings', true, 'the Findings group, none repairable'),
  entry('group.findings.repairable', true, 'the Findings group with at least one repairable finding'),
  entry('group.sandboxes', true, 'the Sandboxes group'),
  entry('group.sandboxes.prunable', true, 'the Sandboxes group with NotReady sandboxes'),
  entry('group.containers', true, 'the Containers group'),
  entry('group.containers.orphans', true, 'containers whose sandbox is gone'),
  entry('group.containers.prunable', true, 'exited containers'),
  entry('group.containers.running', true, 'running containers'),
  entry('group.containers.other', true, 'created or unknown containers'),
  entry('group.cniCache', true, 'the CNI cache group'),
  ...findingEntries('error'), ...findingEntries('warning'), ...findingEntries('info'),
  entry('sandbox.ready', true, 'a Ready sandbox'),
  entry('sandbox.notReady', true, 'a NotReady sandbox'),
  entry('sandbox.ready.badCache', true, 'a Ready sandbox whose CNI cache file is empty or corrupt'),
  entry('sandbox.notReady.badCache', true, 'a NotReady sandbox blocked by an empty or corrupt CNI cache file'),
  entry('container.running', true, 'a running container'),
  entry('container.exited', true, 'an exited container'),
  entry('container.created', true, 'a created (never started) container'),
  entry('container.unknown', true, 'a container in an unknown state'),
  entry('container.orphaned', true, 'a container whose sandbox is gone'),
  entry('cniCache.valid', true, 'a valid CNI cache file of an existing sandbox'),
  entry('cniCache.empty', true, 'a 0-byte CNI cache file'),
  entry('cniCache.corrupt', true, 'a CNI cache file that is not valid JSON or not a result'),
  entry('cniCache.orphaned', true, 'a valid CNI cache file of a sandbox that no longer exists'),
  entry('message.info', false, 'an empty state'),
  entry('message.warning', false, 'a warning shown in the tree'),
  entry('message.error', false, 'a failure shown in the tree (its actions are rows under it)'),
  entry('action', false, 'a next step under a message (click runs it)'),
  entry('addKubeconfig', false, '"Add Kubeconfig…" when no cluster is configured (click runs it)'),
  entry('more', false, '"Show more" at the end of a page (click runs it)'),
] as const;

export type ContextValue = (typeof CONTEXT_VALUES)[number]['value'];

const KNOWN: ReadonlySet<string> = new Set(CONTEXT_VALUES.map((e) => e.value));

export function isContextValue(value: string): value is ContextValue {
  return KNOWN.has(value);
}
