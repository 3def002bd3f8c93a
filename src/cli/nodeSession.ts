import type { CriRuntime } from '../core/cri/types';
import type { Inventory } from '../core/inventory/types';
import type { NodeTarget, RuntimeConnection } from '../core/session/nodeTarget';
import { inspectTarget } from '../core/session/nodeTarget';
import { runCli } from './cliFrame';
import { cliConnector, nodeRefOf } from './nodeFlags';
import type { NodeFlags } from './nodeFlags';

/** A node opened for one command: its access, its runtime, and the inventory read through them. */
export interface NodeSession {
  readonly target: NodeTarget;
  readonly cri: CriRuntime;
  readonly runtime: RuntimeConnection;
  readonly inventory: Inventory;
}

/**
 * The frame `inspect` and `repair` share: parse (or print help), Ctrl-C aborts, open the node through the same
 * `NodeConnector` the extension uses and read its inventory, run `work` on that one open node, then release everything
 * (CRI client, endpoint lease, node access, and the bridge pod). Core errors end in one line and exit 2 (130 when cancelled).
 */
export async function runNodeCommand<A extends { readonly flags: NodeFlags }>(
  command: string, help: string, args: readonly string[], parse: (args: readonly string[]) => A | 'help',
  work: (parsed: A, session: NodeSession, signal: AbortSignal) => Promise<number>,
): Promise<number> {
  return runCli(command, help, args, parse, async (parsed, signal) => {
    const connector = cliConnector(parsed.flags);
    try {
      const ref = await nodeRefOf(parsed.flags, connector);
      return await connector.withNode(ref, signal, async ({ target, runtime: connect }) => {
        const runtime = await connect(signal);
        const inventory = await inspectTarget(target, runtime, {
          signal, maxIdLookups: parsed.flags.maxIdLookups, onProgress: (m) => { if (process.env.KND_VERBOSE) process.stderr.write(`… ${m}\n`); },
        });
        return work(parsed, { target, cri: runtime.cri, runtime, inventory }, signal);
      });
    } finally {
      await connector.dispose();
    }
  });
}
