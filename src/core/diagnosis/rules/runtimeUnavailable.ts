import type { Extracted, Rule } from '../types';

/** kubelet (or a client) cannot reach the container runtime's socket. */
export const runtimeUnavailableRule: Rule = {
  id: 'runtime-unavailable',
  category: 'runtime-unavailable',
  severity: 'error',
  title: 'Container runtime unreachable',
  literals: ['.sock: connect:', 'container runtime is down', 'Container runtime is down'],
  pattern: /dial unix ([\w./@-]{1,200}\.sock): connect: (connection refused|no such file or directory|resource temporarily unavailable)|[cC]ontainer runtime is down/,
  keyFields: ['path'],
  extract(match): Extracted | undefined {
    const path = match[1];
    if (path === undefined) {
      return { reason: 'container runtime is down' };
    }
    const runtime = /containerd/.test(path) ? 'containerd' : /crio/.test(path) ? 'cri-o' : /docker/.test(path) ? 'docker' : undefined;
    if (runtime === undefined && !/cri|runtime/.test(path)) {
      return undefined; // some other unix socket (a device plugin, a CSI driver)
    }
    return { path, reason: match[2], ...(runtime !== undefined ? { runtime } : {}) };
  },
  explanation: [
    'Calls to the container runtime fail because nothing answers on its socket: the runtime is not running,',
    'is restarting, crashed (for example `thread exhaustion` or `too many open files` under a pile of objects), or',
    'kubelet points at the wrong socket. kubelet reports `container runtime is down`, PLEG turns unhealthy and the',
    'node goes `NotReady`.',
  ].join('\n'),
  fixCommands(f): string[] {
    const unit = f.runtime === 'cri-o' ? 'crio' : f.runtime === 'docker' ? 'docker' : 'containerd';
    const endpoint = f.path !== undefined ? ` --runtime-endpoint unix://${f.path}` : '';
    return [`systemctl status ${unit}`, `journalctl -u ${unit} -n 200 --no-pager`, `systemctl restart ${unit}`, `crictl${endpoint} version`];
  },
  references: [
    { title: 'bottlerocket-os/bottlerocket#2512: kubelet cannot dial containerd.sock (connection refused)', url: 'https://github.com/bottlerocket-os/bottlerocket/issues/2512' },
    { title: 'canonical/microk8s#525: kubelet can\'t connect to containerd.sock', url: 'https://github.com/canonical/microk8s/issues/525' },
  ],
};
