import type { CriRuntime } from '../core/cri/types';
import { isNodeDoctorError } from '../core/errors';
import { inspectNode } from '../core/inventory/inspect';
import type { Inventory } from '../core/inventory/types';
import { connectRuntime } from '../core/session/nodeTarget';
import type { RuntimeConnection } from '../core/session/nodeTarget';
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
  const inventory = await inspectNode(target.access, cri, {
    cniCacheDir: target.cniCacheDir, cniConfDir: target.cniConfDir, endpoint: target.endpoint, signal,
    onProgress: (m) => { if (process.env.KND_VERBOSE) process.stderr.write(`… ${m}\n`); },
  });
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
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  const opened: { target?: NodeTarget; runtime?: RuntimeConnection } = {};
  try {
    const parsed = parse(args);
    if (parsed === 'help') {
      process.stdout.write(help);
      return 0;
    }
    opened.target = await resolveNodeTarget(parsed.flags, controller.signal);
    const session = await openSession(opened.target, controller.signal, opened);
    return await work(parsed, session, controller.signal);
  } catch (error) {
    if (isNodeDoctorError(error)) {
      process.stderr.write(`kube-node-doctor ${command}: ${error.message}${error.hint !== undefined ? ` (${error.hint})` : ''}\n`);
      return error.reason === 'cancelled' ? 130 : 2;
    }
    throw error;
  } finally {
    await opened.runtime?.close();
    await opened.target?.access.dispose().catch(() => undefined);
    process.off('SIGINT', onSigint);
  }
}
