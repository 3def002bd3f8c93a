import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONTEXT_VALUES, isContextValue } from '../../../src/ui/tree/contextValues';
import {
  actionElements, addKubeconfigElement, buildNodeContent, clusterElement, groupChildren, groupElement, inspectElement, messageElement, nodeElement, nodeGroups,
} from '../../../src/ui/tree/treeContent';
import { present } from '../../../src/ui/tree/treeLabels';
import type { NodeView, PresentationContext } from '../../../src/ui/tree/treeLabels';
import type { TreeElement } from '../../../src/ui/tree/treeModel';
import { nodeKey } from '../../../src/core/session/nodeRef';
import type { NodeRef } from '../../../src/core/session/nodeRef';
import { NOW, pileUpNode, seedNode } from './inventories';

const repoRoot = path.resolve(__dirname, '../../../..');

interface MenuEntry { readonly command: string; readonly when?: string; readonly group?: string }

/** Every `viewItem` condition of the Nodes view's item menus: `==` a value, or `=~` a regular expression. */
function viewItemClauses(): { command: string; when: string; test: (value: string) => boolean }[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { contributes: { menus: Record<string, MenuEntry[]> } };
  const out: { command: string; when: string; test: (value: string) => boolean }[] = [];
  for (const [menu, entries] of Object.entries(manifest.contributes.menus)) {
    if (!menu.startsWith('view/item/')) continue;
    for (const entry of entries) {
      const when = entry.when ?? '';
      if (!when.includes('view == kubeNodeDoctor.nodes')) continue;
      let matched = false;
      for (const m of when.matchAll(/viewItem == ([\w.]+)/g)) {
        const value = m[1];
        out.push({ command: entry.command, when, test: (v) => v === value });
        matched = true;
      }
      for (const m of when.matchAll(/viewItem =~ \/((?:\\\/|[^/])+)\/([a-z]*)/g)) {
        const regex = new RegExp(m[1], m[2]);
        out.push({ command: entry.command, when, test: (v) => regex.test(v) });
        matched = true;
      }
      assert.ok(matched, `${entry.command} in ${menu} names no viewItem: ${when}`);
    }
  }
  return out;
}

describe('the contextValue table and the package.json menus', () => {
  const clauses = viewItemClauses();

  it('finds the menus to check', () => {
    assert.ok(clauses.length >= 20, `${clauses.length} viewItem clauses`);
  });

  it('every viewItem clause of a menu matches at least one value of the table (no menu waits for a value nothing sets)', () => {
    for (const clause of clauses) {
      assert.ok(CONTEXT_VALUES.some((e) => clause.test(e.value)), `${clause.command}: ${clause.when} matches no contextValue`);
    }
  });

  it('every value that must have a menu has one, and values without a menu have none', () => {
    for (const entry of CONTEXT_VALUES) {
      const commands = clauses.filter((c) => c.test(entry.value)).map((c) => c.command);
      if (entry.menu) assert.ok(commands.length > 0, `${entry.value} (${entry.meaning}) has no menu entry`);
      else assert.deepEqual(commands, [], `${entry.value} should have no menu`);
    }
  });

  it('offers the menus the rows promise: Remove… on sandboxes and containers, Repair All and Copy IDs on groups, Open on findings', () => {
    const commandsOf = (value: string): string[] => clauses.filter((c) => c.test(value)).map((c) => c.command);
    for (const v of ['sandbox.ready', 'sandbox.notReady', 'sandbox.notReady.badCache']) assert.ok(commandsOf(v).includes('kubeNodeDoctor.removeSandbox'), v);
    for (const v of ['container.exited', 'container.running', 'container.orphaned']) assert.ok(commandsOf(v).includes('kubeNodeDoctor.removeContainer'), v);
    assert.ok(commandsOf('group.findings.repairable').includes('kubeNodeDoctor.repairAllOnNode'));
    assert.ok(!commandsOf('group.findings').includes('kubeNodeDoctor.repairAllOnNode'));
    for (const v of ['group.findings', 'group.containers', 'group.cniCache', 'group.sandboxes']) assert.ok(commandsOf(v).includes('kubeNodeDoctor.copyIds'), v);
    assert.ok(commandsOf('finding.warning').includes('kubeNodeDoctor.openFinding'));
    assert.ok(commandsOf('finding.error.repairable').includes('kubeNodeDoctor.repairFinding'));
    assert.ok(!commandsOf('finding.info').includes('kubeNodeDoctor.repairFinding'));
    assert.ok(commandsOf('finding.error.repairable.stuck').includes('kubeNodeDoctor.forceStopStuckSandbox'));
    assert.ok(!commandsOf('finding.error.repairable').includes('kubeNodeDoctor.forceStopStuckSandbox'));
  });

  it('the presenters give only values of the table, for every kind of row', async () => {
    const ref: NodeRef = { kind: 'local', name: 'Local node' };
    const seen = new Set<string>();
    for (const inventory of [await seedNode(), await pileUpNode(600)]) {
      const content = buildNodeContent(ref, inventory);
      const views = new Map<string, NodeView>([[nodeKey(ref), { content, inspecting: false }]]);
      const ctx: PresentationContext = { nowMs: NOW, pageSize: 200, nodeView: (r) => views.get(nodeKey(r)), nodeElement: (r) => nodeElement(r) };
      const groups = [...nodeGroups(content), ...groupChildren(content, groupElement(ref, 'containers'), undefined, 200)];
      const message = messageElement(undefined, 'x', 'error', 'failed', undefined, [{ command: 'kubeNodeDoctor.refreshAll', title: 'Retry' }]);
      const elements: TreeElement[] = [
        clusterElement({ name: 'c', cluster: 'c', user: 'u' }, true), nodeElement(ref), inspectElement(ref), addKubeconfigElement(), message, ...actionElements(message),
        ...groups, ...groups.flatMap((g) => (g.kind === 'group' ? groupChildren(content, g, undefined, 200) : [])),
      ];
      for (const element of elements) {
        const value = present(element, ctx).contextValue;
        assert.ok(isContextValue(value), `${element.kind}: ${value}`);
        seen.add(value);
      }
    }
    assert.ok(seen.size >= 20, `${seen.size} distinct values seen`);
  });
});
