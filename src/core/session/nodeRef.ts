/** Which node an operation is about: the machine this process runs on, or a cluster node reached through a bridge pod. */
export type NodeRef =
  | { readonly kind: 'local'; readonly name: string }
  | { readonly kind: 'bridge'; readonly context: string; readonly node: string };

/** A stable key per node (`local`, or `bridge/<context>/<node>`), for caches and tree ids. */
export function nodeKey(ref: NodeRef): string {
  return ref.kind === 'local' ? 'local' : `bridge/${ref.context}/${ref.node}`;
}

/** The node's own name (the local node's label from the settings). */
export function nodeName(ref: NodeRef): string {
  return ref.kind === 'local' ? ref.name : ref.node;
}

/** How a node is named in messages, plans and audit entries. */
export function describeNode(ref: NodeRef): string {
  return ref.kind === 'local' ? `${ref.name} (local)` : `${ref.node} (context ${ref.context})`;
}

/** Narrows an unknown value (a command argument, a webview message) to a NodeRef. */
export function isNodeRef(value: unknown): value is NodeRef {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (v.kind === 'local') return typeof v.name === 'string';
  return v.kind === 'bridge' && typeof v.context === 'string' && v.context !== '' && typeof v.node === 'string' && v.node !== '';
}
