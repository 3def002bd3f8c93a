// The top two levels of the Nodes view, in plain Node: the roots (the local node, the kubeconfig's contexts, or what
// stops them: no kubeconfig, a broken one, an engine that failed to load) and a context's nodes. Failures are message
// rows with their next steps as action rows; "Add Kubeconfig…" appears when the local node is shown but no cluster is.
import type { NodeSummary } from '../../core/cluster/nodes';
import { describeError, isNodeDoctorError } from '../../core/errors';
import type { NodeDoctor } from '../../core/session/nodeDoctor';
import type { NodeRef } from '../../core/session/nodeRef';
import { addKubeconfigElement, clusterElement, messageElement, nodeElement, page } from './treeContent';
import type { ClusterElement } from './treeContent';
import type { CommandSpec, TreeElement } from './treeModel';

/** The `kubeNodeDoctor.treeState` context key: the welcome view shows for `noKubeconfig`, "Reading kubeconfig…" for `loading`. */
export type TreeMode = 'loading' | 'noKubeconfig' | 'ready';

export interface Roots {
  readonly elements: TreeElement[];
  readonly local?: NodeRef;
  readonly clusters: ReadonlyMap<string, ClusterElement>;
}

export interface ClusterNodes {
  /** Sorted: NotReady, Unknown, Ready; by name within. */
  readonly nodes?: readonly NodeSummary[];
  readonly byName?: ReadonlyMap<string, NodeSummary>;
  readonly error?: { readonly message: string; readonly hint?: string };
}

export interface RootsDeps {
  readonly doctor: () => Promise<Pick<NodeDoctor, 'contexts' | 'probeLocalNode' | 'localRef'>>;
  readonly log: { info(message: string): void; warn(message: string): void; error(message: string): void };
  readonly signal: AbortSignal;
  readonly explicitKubeconfig: () => boolean;
  readonly setMode: (mode: TreeMode) => void;
  readonly setEndpoint: (ref: NodeRef, endpoint: string) => void;
}

/** "Open Settings" on the settings a failure is about. */
export function openSettings(query: string): CommandSpec {
  return { command: 'workbench.action.openSettings', title: 'Open Settings', arguments: [query] };
}

const RETRY_ALL: CommandSpec = { command: 'kubeNodeDoctor.refreshAll', title: 'Retry' };
const CHOOSE_KUBECONFIG: CommandSpec = { command: 'kubeNodeDoctor.chooseKubeconfig', title: 'Choose Kubeconfig File…' };

export async function loadRoots(deps: RootsDeps): Promise<Roots> {
  deps.setMode('loading');
  const clusters = new Map<string, ClusterElement>();
  let doctor: Pick<NodeDoctor, 'contexts' | 'probeLocalNode' | 'localRef'>;
  try {
    doctor = await deps.doctor();
  } catch (error) {
    deps.log.error(`The node engine could not be loaded: ${describeError(error)}`);
    deps.setMode('ready');
    return {
      elements: [messageElement(undefined, 'engine', 'error', `The node engine could not be loaded: ${describeError(error)}`, 'Reinstall the extension; details are in the log.', [
        { command: 'kubeNodeDoctor.showLog', title: 'Show Log' }, RETRY_ALL,
      ])],
      clusters,
    };
  }
  const [endpoint, contexts] = await Promise.all([
    doctor.probeLocalNode(deps.signal).catch(() => undefined),
    doctor.contexts().then((value) => ({ value, error: undefined }), (error: unknown) => ({ value: undefined, error })),
  ]);
  const elements: TreeElement[] = [];
  let local: NodeRef | undefined;
  if (endpoint) {
    local = doctor.localRef();
    deps.setEndpoint(local, endpoint);
    elements.push(nodeElement(local));
  }
  if (contexts.value) {
    for (const context of contexts.value.contexts) {
      const element = clusterElement(context, context.name === contexts.value.current);
      clusters.set(context.name, element);
      elements.push(element);
    }
    if (contexts.value.contexts.length === 0) {
      elements.push(messageElement(undefined, 'kubeconfig', 'warning', 'The kubeconfig defines no contexts', 'Choose another kubeconfig file.', [CHOOSE_KUBECONFIG]));
    }
  } else {
    const error = contexts.error;
    const missing = isNodeDoctorError(error) && error.reason === 'not-found' && !deps.explicitKubeconfig();
    if (missing && !local) {
      deps.log.info('No kubeconfig and no local container runtime: showing the welcome view.');
      deps.setMode('noKubeconfig');
      return { elements: [], clusters };
    }
    if (missing) {
      elements.push(addKubeconfigElement());
    } else {
      deps.log.warn(`Reading the kubeconfig failed: ${describeError(error)}`);
      const hint = isNodeDoctorError(error) ? error.hint : undefined;
      elements.push(messageElement(undefined, 'kubeconfig', 'error', describeError(error), hint ?? 'Check the file with kubectl config view.', [
        RETRY_ALL, CHOOSE_KUBECONFIG, openSettings('kubeNodeDoctor.kubeconfig'),
      ]));
    }
  }
  deps.setMode('ready');
  return { elements, local, clusters };
}

/** A context's nodes, a page at a time; its failure or emptiness as a message row. */
export function clusterChildrenOf(element: ClusterElement, state: ClusterNodes, shown: number | undefined, pageSize: number): TreeElement[] {
  const context = element.context.name;
  if (state.error) {
    return [messageElement(element.id, 'error', 'error', state.error.message, state.error.hint, [RETRY_ALL, openSettings('kubeNodeDoctor.kubeconfig')])];
  }
  const nodes = state.nodes ?? [];
  if (nodes.length === 0) return [messageElement(element.id, 'empty', 'info', 'No nodes in this cluster')];
  return page(nodes, element.id, shown, pageSize, (summary) => nodeElement({ kind: 'bridge', context, node: summary.name }, summary));
}
