import { NodeDoctorError, throwIfAborted } from '../errors';
import { ApiError } from '../cluster/kubeApi';
import type { KubeRequester } from '../cluster/kubeApi';
import { sleep } from '../model/sleep';
import type { PodRef } from './podExec';
import { BRIDGE_CONTAINER } from './podSpec';

/** The fields of a pod the bridge reads from the API. */
export interface WirePod {
  metadata?: { name?: string; creationTimestamp?: string; deletionTimestamp?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { activeDeadlineSeconds?: number };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    containerStatuses?: { name: string; state?: { waiting?: { reason?: string; message?: string }; running?: object; terminated?: { reason?: string; exitCode?: number } } }[];
  };
}

/** Waiting reasons that mean the node cannot get the image. */
export const IMAGE_FAILURES = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull', 'ImageInspectError']);


/** The pods collection of a namespace, or one pod in it. */
export function podsPath(namespace: string, name?: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods${name ? `/${encodeURIComponent(name)}` : ''}`;
}

export interface StartOptions {
  /** Pending longer than this is an error (image pulls count). */
  readonly startTimeoutMs: number;
  /** The bridge image, named when the node cannot pull it. */
  readonly image: string;
  readonly pollIntervalMs: number;
}

/** Polls a new bridge pod until its container runs; an image that cannot be pulled, a stopped pod or the start timeout end it in one error. */
export async function waitRunning(api: KubeRequester, pod: PodRef, node: string, options: StartOptions, signal?: AbortSignal): Promise<void> {
  const limit = options.startTimeoutMs;
  const started = Date.now();
  const where = `bridge pod ${pod.namespace}/${pod.name} on node ${node}`;
  for (;;) {
    throwIfAborted(signal);
    let current: WirePod;
    try {
      current = await api.request<WirePod>({ method: 'GET', path: podsPath(pod.namespace, pod.name), signal });
    } catch (error) {
      if (error instanceof ApiError && error.httpStatus === 404) {
        throw new NodeDoctorError('not-found', `The ${where} was deleted before it started.`, { cluster: api.context, node });
      }
      throw error;
    }
    const status = current.status ?? {};
    const container = status.containerStatuses?.find((c) => c.name === BRIDGE_CONTAINER);
    if (status.phase === 'Running' && container?.state?.running) return;
    if (status.phase === 'Failed' || status.phase === 'Succeeded' || current.metadata?.deletionTimestamp) {
      throw new NodeDoctorError('runtime-error', `The ${where} stopped before it could be used (${status.reason ?? status.phase ?? 'deleted'}${status.message ? `: ${status.message}` : ''}).`, {
        cluster: api.context, node, hint: 'Check the node\'s state (kubectl describe node) and try again.',
      });
    }
    const waiting = container?.state?.waiting;
    if (waiting?.reason && IMAGE_FAILURES.has(waiting.reason)) {
      throw new NodeDoctorError('unreachable', `The node ${node} cannot pull the bridge image ${options.image} (${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}).`, {
        cluster: api.context, node, hint: 'Mirror the image into a registry the node can reach and pass it with --bridge-image (the kubeNodeDoctor.bridge.image setting in VS Code).',
      });
    }
    if (Date.now() - started > limit) {
      const scheduled = status.conditions?.find((c) => c.type === 'PodScheduled' && c.status !== 'True');
      const why = waiting?.reason ?? scheduled?.message ?? status.phase ?? 'no status';
      throw new NodeDoctorError('timeout', `The ${where} was still not running after ${Math.round(limit / 1000)} s (${why}).`, {
        cluster: api.context, node, hint: 'kubectl describe pod shows why; a full node or a missing image are the usual causes.',
      });
    }
    await sleep(options.pollIntervalMs, signal);
  }
}
