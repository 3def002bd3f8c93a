// The inspections the tree runs, one per node at a time, and the tree's own per-node state (progress, last failure,
// Refresh All's re-read). Plain Node; the inventory an inspection reads goes to the NodeDoctor's store, not here.
import { describeError, isNodeDoctorError } from '../../core/errors';
import type { Inventory } from '../../core/inventory/types';
import type { NodeDoctor } from '../../core/session/nodeDoctor';
import { describeNode, nodeKey } from '../../core/session/nodeRef';
import type { NodeRef } from '../../core/session/nodeRef';

/** What the tree needs of the NodeDoctor (a fake with these members drives it in tests). */
export type TreeDoctor = Pick<NodeDoctor, 'contexts' | 'listNodes' | 'probeLocalNode' | 'localRef' | 'inspect'>
  & { readonly store: Pick<NodeDoctor['store'], 'get' | 'all' | 'onDidChange'> } & Partial<Pick<NodeDoctor, 'hasRepairSteps'>>;

export interface TreeLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, ...details: unknown[]): void;
}

/** Runs an inspection inside the UI's progress: `notify` adds a cancellable notification that calls `abort`. */
export type InspectionProgress = <T>(title: string, notify: boolean, abort: () => void, run: (report: (message: string) => void) => Promise<T>) => Promise<T>;

export interface ErrorInfo {
  readonly message: string;
  readonly hint?: string;
}

export function errorInfo(error: unknown): ErrorInfo {
  return { message: describeError(error), hint: isNodeDoctorError(error) ? error.hint : undefined };
}

/** The tree's own per-node state. */
export interface NodeUi {
  readonly ref: NodeRef;
  inspecting: boolean;
  progress?: string;
  error?: ErrorInfo;
  /** Refresh All: re-read when the node is next expanded. */
  reread: boolean;
  /** The stale store entry a quiet re-read was started for (once per entry, so a failing read does not loop). */
  rereadFor?: object;
  endpoint?: string;
  run?: Promise<Inventory | undefined>;
  controller?: AbortController;
  progressTimer?: ReturnType<typeof setTimeout>;
}

export interface InspectionDeps {
  readonly doctor: () => Promise<TreeDoctor>;
  readonly log: TreeLog;
  readonly now: () => number;
  readonly signal: AbortSignal;
  readonly progress?: InspectionProgress;
  /** The store entry now (remembered so a stale one is re-read once). */
  readonly storeEntry: (ref: NodeRef) => object | undefined;
  /** The node's row changed (`progressOnly`: only its "Inspecting…" row). */
  readonly changed: (ref: NodeRef, progressOnly: boolean) => void;
}

export class NodeInspections {
  private readonly nodes = new Map<string, NodeUi>();

  constructor(private readonly deps: InspectionDeps) {}

  get(ref: NodeRef): NodeUi | undefined {
    return this.nodes.get(nodeKey(ref));
  }

  all(): IterableIterator<NodeUi> {
    return this.nodes.values();
  }

  ui(ref: NodeRef): NodeUi {
    const key = nodeKey(ref);
    let ui = this.nodes.get(key);
    if (!ui) {
      ui = { ref, inspecting: false, reread: false };
      this.nodes.set(key, ui);
    }
    return ui;
  }

  /** Reads a node (one read per node at a time); `notify` adds the cancellable notification of a read the user asked for. */
  inspect(ref: NodeRef, notify: boolean): Promise<Inventory | undefined> {
    const ui = this.ui(ref);
    if (ui.run) return ui.run;
    const controller = new AbortController();
    ui.controller = controller;
    ui.inspecting = true;
    ui.progress = undefined;
    ui.reread = false;
    ui.rereadFor = this.deps.storeEntry(ref);
    const run = this.read(ui, controller, notify).finally(() => {
      ui.run = undefined;
      ui.controller = undefined;
      ui.inspecting = false;
      ui.progress = undefined;
      if (ui.progressTimer) clearTimeout(ui.progressTimer);
      ui.progressTimer = undefined;
      this.deps.changed(ref, false);
    });
    ui.run = run;
    this.deps.changed(ref, false);
    return run;
  }

  dispose(): void {
    for (const ui of this.nodes.values()) {
      ui.controller?.abort();
      if (ui.progressTimer) clearTimeout(ui.progressTimer);
    }
  }

  private async read(ui: NodeUi, controller: AbortController, notify: boolean): Promise<Inventory | undefined> {
    const { ref } = ui;
    const { log, now, signal } = this.deps;
    const name = describeNode(ref);
    const started = now();
    const onLifetimeAbort = (): void => controller.abort();
    signal.addEventListener('abort', onLifetimeAbort, { once: true });
    log.info(`inspecting ${name}${notify ? '' : ' (refresh)'}`);
    const progress: InspectionProgress = this.deps.progress ?? ((_title, _notify, _abort, run) => run(() => undefined));
    try {
      const doctor = await this.deps.doctor();
      const inventory = await progress(`Inspecting ${name}`, notify, () => controller.abort(), (report) => doctor.inspect(ref, {
        signal: controller.signal,
        onProgress: (message) => {
          ui.progress = message;
          report(message);
          this.progressSoon(ui);
        },
      }));
      ui.error = undefined;
      const c = inventory.counts;
      log.info(`inspected ${name} in ${now() - started} ms: ${inventory.findings.length} findings, ${c.sandboxes} sandboxes, ${c.containers} containers, ${c.cacheFiles} cache files`);
      return inventory;
    } catch (error) {
      if (controller.signal.aborted || (isNodeDoctorError(error) && error.reason === 'cancelled')) {
        log.info(`inspecting ${name}: cancelled`);
        return undefined;
      }
      ui.error = errorInfo(error);
      log.error(`inspecting ${name} failed: ${describeError(error)}${ui.error.hint ? ` (${ui.error.hint})` : ''}`);
      return undefined;
    } finally {
      signal.removeEventListener('abort', onLifetimeAbort);
    }
  }

  /** Progress messages redraw the "Inspecting…" row (not the node's subtree) at most four times a second. */
  private progressSoon(ui: NodeUi): void {
    if (ui.progressTimer) return;
    ui.progressTimer = setTimeout(() => {
      ui.progressTimer = undefined;
      if (ui.inspecting) this.deps.changed(ui.ref, true);
    }, 250);
  }
}
