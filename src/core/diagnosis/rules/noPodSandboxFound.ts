import { hexIdAfter, shellWord } from '../extract';
import type { Extracted, Rule } from '../types';

/** kubelet found a container whose sandbox the runtime no longer lists (the container map at start-up). */
export const noPodSandboxFoundRule: Rule = {
  id: 'no-podsandbox-found',
  category: 'runtime-object-missing',
  severity: 'error',
  title: 'Container without its sandbox',
  literals: ['no PodsandBox found', 'no PodSandBox found'],
  pattern: /no Pod[sS]and[bB]ox found (?:with Id '([0-9a-f]{64})'|for the container)/,
  keyFields: ['sandboxId'],
  extract(match, line): Extracted | undefined {
    const sandboxId = match[1] ?? hexIdAfter(line.text, 'podSandboxId=');
    if (sandboxId === undefined) {
      return undefined;
    }
    const extracted: Extracted = { sandboxId };
    const containerId = hexIdAfter(line.text, 'container with ID') ?? hexIdAfter(line.text, 'containerId=');
    if (containerId !== undefined) {
      extracted.containerId = containerId;
    }
    return extracted;
  },
  explanation: [
    'At start-up kubelet builds a map of the containers the runtime lists, keyed by their sandbox. A container whose',
    '`podSandboxId` is not in `ListPodSandbox` is an orphan: its sandbox was deleted underneath CRI (a manual `ctr` or',
    '`docker rm`, a lost checkpoint, a runtime restart after the sandbox record vanished).',
    '',
    'Before kubelet 1.24 this was fatal: `Failed to start ContainerManager ... no PodsandBox found with Id` and kubelet',
    'exits, so the node stays `NotReady` until the orphan containers are removed. Newer kubelets only log it.',
    'Remove the orphan containers (CRI still lists them with the vanished sandbox ID); their sandbox\'s leftover',
    'network state may need a separate cleanup.',
  ].join('\n'),
  fixCommands(f): string[] {
    const id = shellWord(f.sandboxId ?? '<sandbox-id>');
    const commands = [`crictl ps -a --pod ${id}`];
    if (f.containerId !== undefined) {
      commands.push(`crictl stop ${shellWord(f.containerId)}`, `crictl rm ${shellWord(f.containerId)}`);
    } else {
      commands.push(`crictl ps -a -q --pod ${id} | xargs -r crictl rm --force`);
    }
    commands.push('systemctl restart kubelet');
    return commands;
  },
  repair: 'remove-orphan-containers',
  references: [
    { title: 'kubernetes/kubernetes#108325: do not return err when PodSandbox not exist (kubelet 1.24)', url: 'https://github.com/kubernetes/kubernetes/pull/108325' },
    { title: 'kubernetes/kubernetes#107115: more detail for no PodSandbox container at kubelet start', url: 'https://github.com/kubernetes/kubernetes/issues/107115' },
    { title: 'k3s-io/k3s#4356: Failing to start: failed to build map of initial containers', url: 'https://github.com/k3s-io/k3s/issues/4356' },
  ],
  versionNotes: [
    { component: 'kubelet', versions: '>= 1.24', note: 'No longer refuses to start on a container without a sandbox; it logs "no PodSandBox found for the container" and carries on (kubernetes/kubernetes#108325).' },
    { component: 'kubelet', versions: '< 1.24', note: 'Exits at start-up (Failed to start ContainerManager) until the orphan containers are removed.' },
    {
      component: 'dockershim', versions: 'kubelet < 1.24 with Docker',
      note: 'The CRI socket is kubelet\'s own (dockershim) and is down with kubelet, so crictl cannot answer: list the containers with `docker ps -a --filter label=io.kubernetes.sandbox.id=<sandbox-id>` and remove them with `docker rm -f <container-id>`; `kube-node-doctor inspect` on the node reads Docker and the checkpoints in /var/lib/dockershim/sandbox directly.',
    },
  ],
};
