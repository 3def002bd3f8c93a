import { KubeApi } from '../core/cluster/kubeApi';
import type { KubeRequester } from '../core/cluster/kubeApi';
import { loadClientNode } from '../core/cluster/clientNode';
import { loadKubeconfigs } from '../core/cluster/kubeconfig';
import { listPodsOnNode } from '../core/cluster/podsOnNode';
import type { NodePod } from '../core/cluster/podsOnNode';
import { describeError, isNodeDoctorError, NodeDoctorError } from '../core/errors';
import { evaluateConditions } from '../core/npd/conditions';
import type { PodsOnNode } from '../core/npd/conditions';
import type { BuiltAnswers } from '../core/npd/npdCache';
import { unknownAnswers } from '../core/npd/protocol';
import { connectRuntime, inspectTarget } from '../core/session/nodeTarget';
import type { RuntimeConnection } from '../core/session/nodeTarget';
import { NODE_FLAGS_HELP, parseNodeFlag, resolveNodeTarget } from './nodeFlags';
import type { NodeFlags, NodeTarget } from './nodeFlags';

/**
 * The part of `npd-check` that reads the node (in dist/cliNode.js): a check answered from the cache never loads it.
 */

export { NODE_FLAGS_HELP };

/** The node flags of `inspect`, parsed; a bad one is a `bad-input` error. */
export function parseNpdNodeFlags(args: readonly string[]): NodeFlags {
  const flags: { -readonly [K in keyof NodeFlags]: NodeFlags[K] } = {};
  for (let i = 0; i < args.length;) {
    const used = parseNodeFlag(args, i, flags);
    if (used === 0) throw new NodeDoctorError('bad-input', `unknown option "${args[i]}"`);
    i += used;
  }
  return flags;
}

export interface NpdReadRequest {
  /** The node flags as given (see `inspect --help`). */
  readonly nodeArgs: readonly string[];
  /** This node's name in the API (NODE_NAME), for the stuck-sandbox check on local access. */
  readonly nodeName?: string;
  readonly env: NodeJS.ProcessEnv;
  /** Fires on SIGTERM/SIGINT: the read stops and nothing is cached. */
  readonly stop: AbortSignal;
  /** When the read must end (epoch ms; Unknown: no answer in time), leaving the check time to answer. */
  readonly endAt: number;
}

/** The API the stuck-sandbox check asks: --kubeconfig, else the in-cluster service account, else KUBECONFIG; undefined when none. */
async function apiFor(flags: NodeFlags, env: NodeJS.ProcessEnv): Promise<KubeRequester | undefined> {
  if (flags.kubeconfig || (!env.KUBERNETES_SERVICE_HOST && env.KUBECONFIG)) {
    const configs = await loadKubeconfigs({ explicitPath: flags.kubeconfig, env });
    const config = configs.forContext(flags.context);
    return new KubeApi(config.getCurrentContext(), config, 3_000);
  }
  if (env.KUBERNETES_SERVICE_HOST) {
    const k8s = await loadClientNode();
    const config = new k8s.KubeConfig();
    config.loadFromCluster();
    return new KubeApi('in-cluster', config, 3_000);
  }
  return undefined;
}

/** The API's pods on this node, or why they are not known (never throws but for cancellation). */
async function podsOnNode(target: NodeTarget, flags: NodeFlags, request: NpdReadRequest, signal: AbortSignal): Promise<PodsOnNode> {
  let list: () => Promise<NodePod[]>;
  let node = flags.node;
  if (target.podsOnNode) {
    const bridgePods = target.podsOnNode;
    list = () => bridgePods(signal);
  } else {
    node = request.nodeName;
    if (!node) return { checked: false, reason: 'no node name to ask the API which pods are gone (NPD\'s DaemonSet sets NODE_NAME; or --node-name)' };
    let api: KubeRequester | undefined;
    try {
      api = await apiFor(flags, request.env);
    } catch (error) {
      return { checked: false, reason: `no API access to tell which pods are gone: ${describeError(error)}` };
    }
    if (!api) return { checked: false, reason: 'no API access to tell which pods are gone (no in-cluster service account, no --kubeconfig)' };
    const client = api;
    const name = node;
    list = () => listPodsOnNode(client, name, { signal });
  }
  try {
    return { checked: true, pods: await list() };
  } catch (error) {
    if (isNodeDoctorError(error) && error.reason === 'cancelled') throw error;
    return { checked: false, reason: `the API's pods on ${node ?? 'this node'} could not be listed: ${describeError(error)}` };
  }
}

/**
 * Reads the inventory and answers all four conditions within `budgetMs`. Whatever goes wrong becomes an Unknown answer
 * with the reason (cached like any other: the next checks of the interval learn it at once), except bad node flags
 * (`bad-input`) and a stop by signal, which propagate and are not cached.
 */
export async function npdReadAnswers(request: NpdReadRequest): Promise<BuiltAnswers> {
  const flags = parseNpdNodeFlags(request.nodeArgs);
  // Measured from here, after this bundle was loaded (which alone can take a good part of a second on a busy node).
  const budget = Math.max(100, request.endAt - Date.now());
  const deadline = AbortSignal.timeout(budget);
  const signal = AbortSignal.any([request.stop, deadline]);
  const opened: { target?: NodeTarget; runtime?: RuntimeConnection } = {};
  try {
    opened.target = await resolveNodeTarget(flags, signal);
    const target = opened.target;
    const pods = podsOnNode(target, flags, request, signal);
    pods.catch(() => undefined);
    opened.runtime = await connectRuntime(target, signal);
    const runtime = opened.runtime;
    const inventory = await inspectTarget(target, runtime, { signal, maxIdLookups: flags.maxIdLookups, node: flags.node ?? request.nodeName });
    const answers = evaluateConditions(inventory, await pods);
    return { answers, source: `${inventory.runtime.runtimeName} ${inventory.runtime.runtimeVersion} at ${runtime.endpoint}` };
  } catch (error) {
    if (request.stop.aborted) throw error;
    if (isNodeDoctorError(error) && error.reason === 'bad-input' && !opened.target) throw error;
    const where = opened.target?.endpoint ?? flags.runtimeEndpoint ?? 'the runtime socket';
    if (deadline.aborted) {
      return { answers: unknownAnswers(`no inventory within ${(budget / 1000).toFixed(1)} s: the container runtime at ${where} did not answer in time`), source: `timed out at ${where}` };
    }
    const reason = isNodeDoctorError(error) && error.reason === 'unreachable' ? describeError(error) : `the inventory failed: ${describeError(error)}`;
    return { answers: unknownAnswers(reason, isNodeDoctorError(error) && error.hint ? [error.hint] : []), source: `failed at ${where}` };
  } finally {
    // Released in the background if it takes long: the answer must not wait on a client that hangs while closing.
    await bounded(opened.runtime?.close());
    await bounded(opened.target?.access.dispose());
  }
}

/** Waits for `work` at most `ms`; its failure is ignored (the process ends soon after the answer anyway). */
function bounded(work: Promise<void> | undefined, ms = 200): Promise<void> {
  if (!work) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    work.catch(() => undefined).finally(() => { clearTimeout(timer); resolve(); });
  });
}
