import type { CriRuntime } from '../core/cri/types';
import { inspectNode } from '../core/inventory/inspect';
import { addStuckSandboxFindings } from '../core/inventory/stuckSandboxes';
import type { Inventory } from '../core/inventory/types';
import { connectRuntime } from '../core/session/nodeTarget';
import type { RuntimeConnection } from '../core/session/nodeTarget';
import { runCli } from './cliFrame';
import { resolveNodeTarget } from './nodeTarget';
import type { NodeFlags, NodeTarget } from './nodeTarget';

/** A node opened for one command: its access, its runtime, and the inventory read through them. */
export interface NodeSession {
  readonly target: NodeTarget;
  readonly cri: CriRuntime;
  readonly inventory: Inventory;
}

/** Connects to the runtime and reads the inventory; `opened` keeps the connection so the caller releases it. */
async function openSession(target: NodeTarget, signal: AbortSignal, opened: { runtime?: RuntimeConnection }): Promise<NodeSession> {
  opened.runtime = await connectRuntime(target, signal);
  const { cri } = opened.runtime;
  const inventory = await addStuckSandboxFindings(await inspectNode(target.access, cri, {
    cniCacheDir: target.cniCacheDir, cniConfDir: target.cniConfDir, endpoint: target.endpoint, signal,
    onProgress: (m) => { if (process.env.KND_VERBOSE) process.stderr.write(`… ${m}\n`); },
  }), target.podsOnNode, signal);
  return { target, cri, inventory };
}

/**
 * The frame `inspect` and `repair` share: parse (or print help), Ctrl-C aborts, open the node and read its inventory,
 * run `work`, then release everything opened (CRI client, endpoint lease, node access — which deletes a bridge pod).
 * Core errors end in one line and exit 2 (130 when cancelled).
 */
export async function runNodeCommand<A extends { readonly flags: NodeFlags }>(
  command: string, help: string, args: readonly string[], parse: (args: readonly string[]) => A | 'help',
  work: (parsed: A, session: NodeSession, signal: AbortSignal) => Promise<number>,
): Promise<number> {
  return runCli(command, help, args, parse, async (parsed, signal) => {
    const opened: { target?: NodeTarget; runtime?: RuntimeConnection } = {};
    try {
      opened.target = await resolveNodeTarget(parsed.flags, signal);
      const session = await openSession(opened.target, signal, opened);
      return await work(parsed, session, signal);
    } finally {
      await opened.runtime?.close();
      await opened.target?.access.dispose().catch(() => undefined);
    }
  });
}
