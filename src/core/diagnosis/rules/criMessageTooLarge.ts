import { criMethod } from '../extract';
import type { Extracted, Rule } from '../types';

/** A CRI list call returned more than a gRPC message limit allows: too many (dead) sandboxes or containers. */
export const criMessageTooLargeRule: Rule = {
  id: 'cri-message-too-large',
  category: 'cri-message-too-large',
  severity: 'error',
  title: 'CRI response larger than the gRPC message limit',
  literals: ['message larger than max'],
  pattern: /(received|trying to send) message larger than max \((\d{1,12}) vs\.? (\d{1,12})\)/i,
  keyFields: ['method'],
  extract(match, line): Extracted | undefined {
    const size = Number(match[2]);
    const limit = Number(match[3]);
    if (!(size > limit)) {
      return undefined;
    }
    const method = criMethod(line.text);
    // Only CRI and containerd clients: device plugins, etcd, OTLP exporters and others hit their own limits.
    const looksCri = method !== undefined || /runtime service|ctr: grpc|cri-containerd|containerd\.sock|crio\.sock/.test(line.text);
    if (!looksCri || /listAndWatch|device plugin/i.test(line.text)) {
      return undefined;
    }
    return method !== undefined ? { method, size, limit } : { size, limit };
  },
  explanation: [
    'CRI list calls (`ListPodSandbox`, `ListContainers`, ...) return every object in one gRPC message. When dead',
    'sandboxes and exited containers pile up (a crash-looping pod, sandboxes whose stop keeps failing, a garbage',
    'collector that cannot keep up), the response passes the limit: 4 MiB for default gRPC clients (older kubelets,',
    '`crictl`, `ctr`), 16 MiB for kubelet >= 1.11 and for containerd\'s own send limit. Past it **every** list fails:',
    'PLEG goes unhealthy, the node turns `NotReady`, and kubelet cannot even list what it should clean up.',
    '',
    'Raising limits only postpones it. Remove the dead objects: exited containers first (their sandboxes can only be',
    'garbage-collected once empty), then NotReady sandboxes. Use a client with a raised limit, or filter by state,',
    'if the plain list itself fails.',
  ].join('\n'),
  fixCommands(): string[] {
    return [
      'crictl ps -a --state exited -q | wc -l',
      'crictl pods --state notready -q | wc -l',
      'crictl ps -a --state exited -q | xargs -r -n 50 crictl rm',
      'crictl pods --state notready -q | xargs -r -n 50 crictl rmp',
    ];
  },
  repair: 'prune-dead-objects',
  references: [
    { title: 'kubernetes/kubernetes#63858: ResourceExhausted: grpc: received message larger than max', url: 'https://github.com/kubernetes/kubernetes/issues/63858' },
    { title: 'kubernetes/kubernetes#64672: increase kubelet\'s gRPC client limit to 16 MiB', url: 'https://github.com/kubernetes/kubernetes/pull/64672' },
    { title: 'kubernetes/kubernetes#77138: inconsistent message size in kubelet', url: 'https://github.com/kubernetes/kubernetes/issues/77138' },
    { title: 'containerd/containerd#2320: container ls returns grpc error message too large', url: 'https://github.com/containerd/containerd/issues/2320' },
    { title: 'kubernetes-sigs/cri-tools#872: crictl pods fails when response message size is big', url: 'https://github.com/kubernetes-sigs/cri-tools/issues/872' },
  ],
  versionNotes: [
    { component: 'kubelet', versions: '>= 1.11', note: 'Receives up to 16 MiB from the runtime (kubernetes/kubernetes#64672); older kubelets fail at 4 MiB.' },
    { component: 'containerd', versions: 'all', note: 'Sends at most 16 MiB per message by default: past that every client fails, whatever its own limit.' },
  ],
};
