import type { Rule } from '../types';
import { causeDepth, extractedOf, isOperation, matched } from './support';

const TOO_LARGE = /(?:received|trying to send) message (?:after decompression )?larger than max/i;
const CRI_CONTEXT = /runtime service|ctr: |cri-containerd|containerd\.sock|crio\.sock|dockershim\.sock|cri-dockerd\.sock|crictl|PLEG|\/runtime\.v1(?:alpha2)?\.|RuntimeService|ImageService/;
const OTHER_SERVICE = /listAndWatch|device plugin|deviceplugin|etcd|otlp|Exporting failed|exporter|kube-apiserver|apiserver/i;

/** A CRI list call returned more than a gRPC message limit allows: too many (dead) sandboxes or containers. */
export const criMessageTooLargeRule: Rule = {
  id: 'cri-message-too-large',
  category: 'cri-message-too-large',
  severity: 'error',
  title: 'CRI response larger than the gRPC message limit',
  summary: 'A CRI call (named, implied by `Failed to list pod sandboxes`, `GenericPLEG`, `ContainerGCFailed`, or a runtime socket/client) failing with `ResourceExhausted … message larger than max (N vs. M)`.',
  literals: ['larger than max'],
  keyFields: ['method'],
  match(event) {
    if (!event.text.includes('larger than max')) return undefined;
    const depth = causeDepth(event, TOO_LARGE);
    if (depth < 0) return undefined;
    const { size, limit } = event.objects;
    if (size !== undefined && limit !== undefined && !(size > limit)) return undefined;
    const cri = event.operation !== undefined && !isOperation(event, 'image-pull');
    // A bare `grpc: received message larger than max (…): unknown` is what containerd's own clients print.
    const bare = /^(?:\w{1,10}: )?(?:rpc error: code = ResourceExhausted desc = )?grpc: (?:received|trying to send) message larger than max/.test(event.text);
    if ((!cri && !bare && !CRI_CONTEXT.test(event.text)) || OTHER_SERVICE.test(event.text)) return undefined;
    const extracted = extractedOf(event);
    if (size !== undefined) extracted.size = size;
    if (limit !== undefined) extracted.limit = limit;
    // The method is the list call; objects named elsewhere on the line are not what the finding is about.
    delete extracted.sandboxId;
    delete extracted.containerId;
    return matched(depth, extracted);
  },
};
