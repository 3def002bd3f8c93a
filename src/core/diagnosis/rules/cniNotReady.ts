import { shortReason } from '../event';
import type { Rule } from '../types';
import { causeDepth, extractedOf, isOperation, matched } from './support';

const NOT_READY = /NetworkPluginNotReady|cni plugin not initialized|cni config uninitialized|network plugin is not ready|NetworkReady=false|[Nn]o networks found in \/etc\/cni\/net\.d|failed to load cni config|[Uu]nable to update cni config/;
/** Start-up and reload transients: containerd starting before the CNI daemonset wrote its config, or re-reading the directory mid-write. */
const TRANSIENT = /after receiving fs change event|failed to load cni during init/;

/** The runtime reports its network as not ready: no CNI configuration loaded, so no sandbox can be set up or torn down. */
export const cniNotReadyRule: Rule = {
  id: 'cni-not-ready',
  category: 'cni-setup-failed',
  severity: 'warning',
  title: 'CNI plugin not initialized',
  summary: 'The runtime reporting no usable CNI configuration (`NetworkPluginNotReady`, `cni plugin not initialized`, `cni config uninitialized`) outside a sandbox setup or teardown (those failing for it are setup or teardown failures).',
  literals: ['NetworkPluginNotReady', 'not initialized', 'uninitialized', 'NetworkReady=false', 'network plugin is not ready', 'o networks found', 'update cni config', 'failed to load cni config'],
  keyFields: ['reason'],
  match(event) {
    // A setup or a teardown failing for it is that setup's or teardown's finding (with its sandbox).
    if (isOperation(event, 'sandbox-setup', 'sandbox-stop', 'sandbox-remove')) return undefined;
    if (TRANSIENT.test(event.text)) return undefined;
    const depth = causeDepth(event, NOT_READY);
    if (depth < 0) return undefined;
    const extracted = extractedOf(event);
    const m = /message:([^"\n]{1,200})|(cni plugin not initialized|cni config uninitialized|network plugin is not ready[^"\n]{0,80}|[Nn]o networks found in \/etc\/cni\/net\.d|failed to load cni config|[Uu]nable to update cni config)/.exec(event.text);
    extracted.reason = shortReason(m ? (m[1] ?? m[2]) : 'NetworkPluginNotReady');
    delete extracted.sandboxId;
    delete extracted.containerId;
    delete extracted.podUid;
    return matched(depth, extracted);
  },
};
