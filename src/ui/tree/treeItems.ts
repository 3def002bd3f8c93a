import * as vscode from 'vscode';
import type { ItemSpec } from './treeLabels';

const COLLAPSIBLE: Readonly<Record<ItemSpec['collapsible'], vscode.TreeItemCollapsibleState>> = {
  none: vscode.TreeItemCollapsibleState.None,
  collapsed: vscode.TreeItemCollapsibleState.Collapsed,
  expanded: vscode.TreeItemCollapsibleState.Expanded,
};

/** Maps a presentation spec (presenters/) onto a TreeItem; `id` is the element's stable id. */
export function toTreeItem(id: string, spec: ItemSpec): vscode.TreeItem {
  const item = new vscode.TreeItem(spec.label, COLLAPSIBLE[spec.collapsible]);
  item.id = id;
  item.description = spec.description;
  item.contextValue = spec.contextValue;
  item.accessibilityInformation = { label: spec.accessibilityLabel };
  if (spec.tooltip) {
    // Trusted for the $(codicon) syntax only: no command links are ever put in a tooltip.
    const tooltip = new vscode.MarkdownString(spec.tooltip, true);
    tooltip.isTrusted = false;
    item.tooltip = tooltip;
  }
  if (spec.icon) item.iconPath = new vscode.ThemeIcon(spec.icon.id, spec.icon.color ? new vscode.ThemeColor(spec.icon.color) : undefined);
  if (spec.command) item.command = { command: spec.command.command, title: spec.command.title, arguments: spec.command.arguments ? [...spec.command.arguments] : undefined };
  return item;
}
