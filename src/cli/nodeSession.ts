import type { CriRuntime } from '../core/cri/types';
import type { Inventory } from '../core/inventory/types';
import { connectRuntime, inspectTarget } from '../core/session/nodeTarget';
import type { RuntimeConnection } from '../core/session/nodeTarget';
import { runCli } from './cliFrame';
import { resolveNodeTarget } from './nodeFlags';
import type { NodeFlags, NodeTarget } from './nodeFlags';

/** A node opened for one command: its access, its runtime, and the inventory read through them. */
export interface NodeSession {
  readonly target: NodeTarget;
  readonly cri: CriRuntime;
  readonly runtime: RuntimeConnection;
  readonly inventory: Inventory;
}

/** Connects to the runtime and reads the inventory; `opened` keeps the connection so the caller releases it. */
async function openSession(target: NodeTarget, signal: AbortSignal, opened: { runtime?: RuntimeConnection }, maxIdLookups?: number): Promise<NodeSession> {
  const runtime = await connectRuntime(target, signal);
  opened.runtime = runtime;
  const inventory = await inspectTarget(target, runtime, {
    signal, maxIdLookups, onProgress: (m) => { if (process.env.KND_VERBOSE) process.stderr.write(`… ${m}\n`); },
  });
  return { target, cri: runtime.cri, runtime, inventory };
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
      const session = await openSession(opened.target, signal, opened, parsed.flags.maxIdLookups);
      return await work(parsed, session, signal);
    } finally {
      await opened.runtime?.close();
      await opened.target?.access.dispose().catch(() => undefined);
    }
  });
}
