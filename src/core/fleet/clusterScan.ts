import type { FleetModel } from '../../shared/fleetProtocol';
import type { NodeDoctor } from '../session/nodeDoctor';
import { readClusterHealth } from './conditions';
import type { ClusterHealth } from './conditions';
import { fleetModel } from './fleetReport';
import { queryNodeLog } from './nodeLogs';
import type { NodeLog, NodeLogOptions, NodeLogService } from './nodeLogs';
import { describeSelection, scanNodes, selectNodes } from './scan';
import type { NodeSelection, ScanOutcome, ScanProgress } from './scan';

export interface ClusterScanOptions {
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
  /** Called once the selection is known (before the first inspection). */
  readonly onSelected?: (nodes: readonly string[]) => void;
  readonly onProgress?: (progress: ScanProgress) => void;
}

/**
 * Scan Cluster: the selected nodes inspected through bridge pods (the same `inspect` as one node, so the tree and the
 * node reports see the results in the inventory store), at most `concurrency` at once; then every bridge pod of the
 * context is deleted and what is left is proven by a list.
 */
export async function scanCluster(doctor: NodeDoctor, context: string, selection: NodeSelection, options: ClusterScanOptions = {}): Promise<{ outcome: ScanOutcome; model: FleetModel }> {
  const api = await doctor.kubeApi(context);
  const nodes = (await selectNodes(api, selection, { signal: options.signal })).map((n) => n.name);
  options.onSelected?.(nodes);
  const outcome = await scanNodes(nodes, {
    inspect: (node, signal) => doctor.inspect({ kind: 'bridge', context, node }, { signal }),
    release: () => doctor.releaseBridges(context),
  }, { concurrency: options.concurrency, signal: options.signal, onProgress: options.onProgress });
  return { outcome, model: fleetModel(context, describeSelection(selection), outcome) };
}

/** The cluster view's Node Doctor conditions: one paginated node list, no bridge pod. */
export async function clusterHealth(doctor: NodeDoctor, context: string, signal?: AbortSignal): Promise<ClusterHealth> {
  return readClusterHealth(await doctor.kubeApi(context), { signal });
}

/** Diagnose Node Logs: a node's service log through the API's node log query. */
export async function nodeServiceLog(doctor: NodeDoctor, context: string, node: string, service: NodeLogService, options: NodeLogOptions = {}): Promise<NodeLog> {
  return queryNodeLog(await doctor.kubeApi(context), node, service, options);
}
