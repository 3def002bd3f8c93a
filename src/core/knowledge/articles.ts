import type { Category } from '../model/category';
import type { RepairId } from '../model/repair';
import { shellWord } from '../model/shell';

/**
 * One article per problem category: what it means, the manual fix, version notes and references. Log findings
 * (`core/diagnosis`) and node findings (`core/inventory/findings`) of a category show the same article, and the
 * README's rule catalog is rendered from these.
 */

/** A reference to upstream material: an issue, a fix, documentation. */
export interface Reference {
  readonly title: string;
  readonly url: string;
}

/** Advice that changes with the version of a component (e.g. libcni >= 1.2.0 ignores unreadable cache files). */
export interface VersionNote {
  readonly component: string;
  readonly versions: string;
  readonly note: string;
  /**
   * Whether the note applies to a runtime the log or the node names (`containerd`, `1.7.2`); undefined when the note
   * is not about that runtime.
   */
  readonly appliesTo?: (runtime: string, version: string) => boolean | undefined;
}

/** What fix commands are filled in from: a log finding or a node finding (all fields optional). */
export interface ArticleSubject {
  readonly sandboxId?: string;
  readonly containerId?: string;
  readonly network?: string;
  readonly path?: string;
  readonly runtime?: string;
  readonly method?: string;
}

export interface Article {
  readonly category: Category;
  /** A short name for the category, e.g. `Empty or corrupt CNI cache`. */
  readonly title: string;
  /** Markdown: what it means and why it happens. */
  readonly explanation: string;
  /** The manual fix as exact, shell-quoted commands with the subject's values filled in (placeholders otherwise). */
  fixCommands(subject: ArticleSubject): string[];
  /** The repair the node side can plan for it. */
  readonly repair?: RepairId;
  readonly references: readonly Reference[];
  readonly versionNotes?: readonly VersionNote[];
}

/** `1.7.2` → [1, 7, 2]; undefined when the text holds no version. */
export function parseVersion(text: string): number[] | undefined {
  const m = /(\d{1,4})\.(\d{1,4})(?:\.(\d{1,6}))?/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

/** a >= b for dotted versions. */
export function versionAtLeast(version: string, min: string): boolean | undefined {
  const a = parseVersion(version);
  const b = parseVersion(min);
  if (a === undefined || b === undefined) {
    return undefined;
  }
  for (let i = 0; i < 3; i += 1) {
    if (a[i] !== b[i]) {
      return a[i] > b[i];
    }
  }
  return true;
}

/** The systemd unit of a runtime named by a finding (containerd when unknown). */
export function runtimeUnit(runtime: string | undefined): string {
  switch (runtime) {
    case 'cri-o': return 'crio';
    case 'docker': return 'docker';
    case 'cri-dockerd': return 'cri-docker';
    case 'k3s': return 'k3s';
    case 'rke2': return 'rke2-server';
    default: return 'containerd';
  }
}

const id = (value: string | undefined, placeholder: string): string => shellWord(value ?? placeholder);

const NETWORK_CHECKS = ['ls -l /etc/cni/net.d/ /opt/cni/bin/', 'crictl info'];

const ARTICLE_LIST: readonly Article[] = [
  {
    category: 'cni-cache-corrupt',
    title: 'Empty or corrupt CNI cache file',
    explanation: [
      'When a pod sandbox is stopped, the runtime asks libcni to delete its network. For CNI configurations with',
      '`cniVersion` 0.4.0 or later, libcni first reads the result it cached when the network was added, from',
      '`/var/lib/cni/results/<network>-<sandbox-id>-<ifname>` (Multus keeps its own per-sandbox cache in',
      '`/var/lib/cni/multus/<sandbox-id>`). If that file is empty (a crash or power loss during the write, a full disk)',
      'or not JSON, decoding fails with `unexpected end of JSON input` or `invalid character ...`, the delete is',
      'aborted, and **StopPodSandbox fails every time kubelet retries**: the sandbox stays `NotReady`, its network',
      'namespace and IP stay allocated, the pod may hang in `Terminating`, and the same error repeats hundreds of times',
      'an hour for a handful of sandboxes.',
      '',
      'Deleting the broken cache file lets the next StopPodSandbox go through; kubelet (or `crictl rmp`) then removes the',
      'sandbox and releases the IP.',
    ].join('\n'),
    fixCommands(f): string[] {
      const sandbox = id(f.sandboxId, '<sandbox-id>');
      if (f.network === 'multus' || (f.path !== undefined && f.path.startsWith('/var/lib/cni/multus/'))) {
        const file = f.path !== undefined ? shellWord(f.path) : `/var/lib/cni/multus/${sandbox}`;
        return [`ls -l ${file}`, `rm -f ${file}`, `crictl stopp ${sandbox}`, `crictl rmp ${sandbox}`];
      }
      const file = f.network !== undefined || f.path === undefined ? `/var/lib/cni/results/${id(f.network, '<network>')}-${sandbox}-eth0` : shellWord(f.path);
      return [`ls -l /var/lib/cni/results/ | grep -F ${sandbox}`, `rm -f ${file}`, `crictl stopp ${sandbox}`, `crictl rmp ${sandbox}`];
    },
    repair: 'remove-cache-file-and-sandbox',
    references: [
      { title: 'containerd/containerd#8197: Empty cache files causes "KillPodSandbox" errors when deleting pods', url: 'https://github.com/containerd/containerd/issues/8197' },
      { title: 'containernetworking/cni#1055: Failed to destroy the network because of empty cached cni result', url: 'https://github.com/containernetworking/cni/issues/1055' },
      { title: 'containernetworking/cni#1072: tolerate invalid cni caches for deletion (the libcni fix)', url: 'https://github.com/containernetworking/cni/pull/1072' },
      { title: 'k8snetworkplumbingwg/multus-cni#948: Pod status error after reboot node cause multus cache file damaged', url: 'https://github.com/k8snetworkplumbingwg/multus-cni/issues/948' },
      { title: 'awslabs/amazon-eks-ami#1912: reset CNI cache on boot (mitigation)', url: 'https://github.com/awslabs/amazon-eks-ami/pull/1912' },
      { title: 'bottlerocket-os/bottlerocket#3792: clean up CNI results cache on boot (mitigation)', url: 'https://github.com/bottlerocket-os/bottlerocket/pull/3792' },
    ],
    versionNotes: [
      { component: 'libcni', versions: '>= 1.2.0', note: 'DEL ignores a cached result it cannot read and deletes the file (containernetworking/cni#1072), so runtimes built with it no longer fail here.' },
      {
        component: 'containerd', versions: '>= 2.0', note: 'Vendors libcni >= 1.2.0 and tolerates the broken file; containerd 1.6/1.7 (libcni 1.1.x) need the manual fix.',
        appliesTo: (runtime, version) => (runtime === 'containerd' ? versionAtLeast(version, '2.0') : undefined),
      },
      { component: 'CNI config', versions: 'cniVersion < 0.4.0', note: 'libcni does not read the cached result on DEL at all, so this error cannot occur with such configurations.' },
    ],
  },
  {
    category: 'cni-cache-orphaned',
    title: 'CNI cache file of a vanished sandbox',
    explanation: [
      'A CNI result cache file names a sandbox the runtime no longer has: the sandbox was removed without a successful',
      'CNI DEL (forced removal, a runtime that lost its state). Its IP reservation, network namespace and veth leak',
      'until the plugins\' DEL runs for it; with `host-local` IPAM the leaked addresses eventually exhaust the range.',
    ].join('\n'),
    fixCommands(f): string[] {
      const file = f.path !== undefined ? shellWord(f.path) : '/var/lib/cni/results/<file>';
      return [`cat ${file}`, 'ls /var/lib/cni/networks/*/', `crictl inspectp ${id(f.sandboxId, '<sandbox-id>')}`];
    },
    repair: 'release-leaked-ips',
    references: [
      { title: 'containernetworking/plugins#498: host-local leaks IPs when DEL never runs', url: 'https://github.com/containernetworking/plugins/issues/498' },
    ],
  },
  {
    category: 'cni-teardown-failed',
    title: 'CNI network teardown failed',
    explanation: [
      'StopPodSandbox must delete the sandbox\'s network through the CNI plugins before the sandbox can be removed.',
      'Here the delete itself failed: typically the CNI configuration or plugin binary is missing (`cni plugin not',
      'initialized`, `failed to find plugin`), or the plugin cannot reach its own control plane (Calico, Cilium, the AWS',
      'VPC CNI talk to an API or a local agent during DEL). kubelet retries forever, the sandbox stays `NotReady`, and the',
      'pod may hang in `Terminating`. While the runtime reports `NetworkReady=false` (no usable configuration) no sandbox',
      'can get or lose a network at all; a short burst of that while a node boots is normal.',
      '',
      'Fix the plugin first (is the CNI daemonset pod on this node running? are `/etc/cni/net.d` and the plugin',
      'binaries present?); kubelet\'s next retry then succeeds. Force-removing the sandbox without a successful DEL',
      'leaks its IP address and veth.',
    ].join('\n'),
    fixCommands(f): string[] {
      if (f.sandboxId === undefined) {
        const unit = runtimeUnit(f.runtime);
        return [...NETWORK_CHECKS, `journalctl -u ${unit} -n 200 --no-pager`, `systemctl restart ${unit}`];
      }
      const sandbox = shellWord(f.sandboxId);
      return [...NETWORK_CHECKS, `crictl inspectp ${sandbox}`, `crictl stopp ${sandbox}`, `crictl rmp ${sandbox}`];
    },
    repair: 'retry-sandbox-stop',
    references: [
      { title: 'containerd/containerd#8197 (cni plugin not initialized on delete, in the containerd log)', url: 'https://github.com/containerd/containerd/issues/8197' },
      { title: 'containernetworking/plugins#210: DEL should be best effort', url: 'https://github.com/containernetworking/plugins/issues/210' },
      { title: 'CNI specification: DEL must tolerate missing resources', url: 'https://www.cni.dev/docs/spec/#del-remove-container-from-network-or-un-apply-modifications' },
      { title: 'kubernetes/kubernetes#71692: NetworkPluginNotReady: cni config uninitialized', url: 'https://github.com/kubernetes/kubernetes/issues/71692' },
    ],
  },
  {
    category: 'cni-setup-failed',
    title: 'CNI network setup failed',
    explanation: [
      'RunPodSandbox created the sandbox but the CNI ADD failed, so the runtime tears the sandbox down again and',
      'kubelet retries with a new sandbox (`FailedCreatePodSandBox` events; a new sandbox ID on every attempt). The text',
      'after the colon is the plugin\'s own error: its daemon or API is unreachable, its configuration is wrong, or the',
      'node ran out of a resource (file descriptors, addresses, interfaces).',
    ].join('\n'),
    fixCommands(f): string[] {
      return [...NETWORK_CHECKS, `journalctl -u ${runtimeUnit(f.runtime)} -n 200 --no-pager | grep -F 'network for sandbox'`];
    },
    references: [
      { title: 'Azure/aks-engine#4435: failed to setup network for sandbox', url: 'https://github.com/Azure/aks-engine/issues/4435' },
      { title: 'cilium/cilium#10627: networkPlugin cni failed to set up pod network', url: 'https://github.com/cilium/cilium/issues/10627' },
    ],
  },
  {
    category: 'cri-message-too-large',
    title: 'CRI response larger than the gRPC message limit',
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
      {
        component: 'containerd', versions: '>= 2.4', note: 'Implements the streaming list calls (kubelet >= 1.36 with the `CRIListStreaming` feature gate), which have no size limit per list.',
        appliesTo: (runtime, version) => (runtime === 'containerd' ? versionAtLeast(version, '2.4') : undefined),
      },
    ],
  },
  {
    category: 'dead-objects-piling-up',
    title: 'Dead sandboxes and containers piling up',
    explanation: [
      'NotReady sandboxes and exited containers accumulate faster than kubelet\'s garbage collector removes them: a',
      'crash-looping pod, sandboxes whose stop keeps failing (kubelet never garbage-collects a sandbox whose',
      '`StopPodSandbox` fails), or a collector that cannot keep up. Each one is part of every CRI list answer, which',
      'slows PLEG and eventually passes the gRPC message limit.',
    ].join('\n'),
    fixCommands(): string[] {
      return ['crictl ps -a --state exited -q | wc -l', 'crictl pods --state notready -q | wc -l', 'crictl ps -a --state exited -q | xargs -r -n 50 crictl rm', 'crictl pods --state notready -q | xargs -r -n 50 crictl rmp'];
    },
    repair: 'prune-dead-objects',
    references: [
      { title: 'kubernetes/kubernetes#134750: exited containers past 16 MiB', url: 'https://github.com/kubernetes/kubernetes/issues/134750' },
    ],
  },
  {
    category: 'sandbox-stop-timeout',
    title: 'Sandbox stop timed out',
    explanation: [
      'kubelet asked the runtime to stop (or kill) a pod sandbox and the call did not finish in time, or the runtime lost',
      'its connection to the sandbox\'s shim (`ttrpc: closed`). Common causes: the pause process or a sandboxed runtime',
      '(gVisor `runsc`, Kata) does not exit on SIGTERM/SIGKILL, a hung network teardown, a shim that crashed, or I/O',
      'stalls on the node. The pod stays `Terminating` and kubelet retries with `FailedKillPod` events.',
      '',
      'Inspect the sandbox and its shim, then stop and force-remove it by hand. If the stop keeps timing out, look at',
      'the runtime\'s log for the sandbox ID: the step that hangs is usually named there. When the sandbox stays',
      '`SANDBOX_READY` through every stop (seen with gVisor and with a runtime that loses `kill`), `crictl rmp --force`',
      'hangs the same way: the way out is to kill the sandbox\'s shim (the process whose arguments hold `-id <sandbox-id>`),',
      'then stop and remove the sandbox; "Repair on node…" plans exactly that (Force-stop stuck sandbox).',
    ].join('\n'),
    fixCommands(f): string[] {
      const sandbox = id(f.sandboxId, '<sandbox-id>');
      return [
        `crictl inspectp ${sandbox}`, `crictl stopp ${sandbox}`, `crictl rmp --force ${sandbox}`,
        `journalctl -u ${runtimeUnit(f.runtime)} --no-pager | grep -F ${sandbox} | tail -n 50`,
        `pgrep -a -f -- ${shellWord(`-id ${f.sandboxId ?? '<sandbox-id>'}`)}`,
      ];
    },
    repair: 'force-stop-stuck-sandbox',
    references: [
      { title: 'containerd/containerd#7988: Sandbox containers not deleted leaving pods in NotReady state', url: 'https://github.com/containerd/containerd/issues/7988' },
      { title: 'containerd/containerd#11708: sandbox stop hangs with gVisor on containerd 2.0', url: 'https://github.com/containerd/containerd/issues/11708' },
      { title: 'kata-containers/tests#2705: Failed to remove sandbox ... ttrpc: closed', url: 'https://github.com/kata-containers/tests/issues/2705' },
      { title: 'kubernetes/kubernetes#107730: Some pod sandboxes were not cleaned up until next kubelet restart', url: 'https://github.com/kubernetes/kubernetes/issues/107730' },
    ],
    versionNotes: [
      {
        component: 'containerd + gVisor', versions: '< 2.0.6, 2.1.0–2.1.1', note: 'Sandboxes stuck in SANDBOX_READY with runsc are fixed in containerd 2.0.6 / 2.1.0 (containerd#11793, #11973); the leaked runsc shim in 2.1.2 and 2.2.0.',
        appliesTo: (runtime, version) => (runtime === 'containerd' ? versionAtLeast(version, '2.0') && !versionAtLeast(version, '2.1.2') : undefined),
      },
    ],
  },
  {
    category: 'sandbox-remove-failed',
    title: 'Sandbox removal failed',
    explanation: [
      'kubelet\'s garbage collector (or a user) asked the runtime to remove a sandbox and the runtime refused. A sandbox',
      'can only be removed after it is stopped and its network is deleted, so the reason after the colon is usually a',
      'failed stop. While it persists, the dead sandbox stays in every `ListPodSandbox` response; many of them together',
      'push CRI list responses towards the gRPC message limit.',
    ].join('\n'),
    fixCommands(f): string[] {
      const sandbox = id(f.sandboxId, '<sandbox-id>');
      return [`crictl inspectp ${sandbox}`, `crictl ps -a --pod ${sandbox}`, `crictl stopp ${sandbox}`, `crictl rmp ${sandbox}`];
    },
    repair: 'force-remove-sandbox',
    references: [
      { title: 'kubernetes/kubernetes#107730: Some pod sandboxes were not cleaned up until next kubelet restart', url: 'https://github.com/kubernetes/kubernetes/issues/107730' },
    ],
  },
  {
    category: 'runtime-object-missing',
    title: 'Sandbox or container no longer exists',
    explanation: [
      'kubelet (or a tool) asked the runtime about a sandbox or container that the runtime no longer has, or found a',
      'container whose sandbox is gone. Once in a while this is a harmless race (the object was removed between a list',
      'and a status call). Repeated for the same ID it means kubelet\'s view and the runtime\'s disagree: the object was',
      'removed underneath CRI (for example with `ctr` or `docker rm`), or the runtime lost its record after a restart',
      'while containers still point at it. Before kubelet 1.24 a container without its sandbox was fatal at start-up',
      '(`Failed to start ContainerManager ... no PodsandBox found with Id`).',
      '',
      'If containers still reference a vanished sandbox, remove those containers; if kubelet keeps asking about a',
      'removed object, restarting kubelet rebuilds its view.',
    ].join('\n'),
    fixCommands(f): string[] {
      if (f.containerId !== undefined && f.sandboxId === undefined) {
        const container = shellWord(f.containerId);
        return [`crictl inspect ${container}`, `crictl rm --force ${container}`];
      }
      const sandbox = id(f.sandboxId, '<sandbox-id>');
      const commands = [`crictl ps -a --pod ${sandbox}`];
      if (f.containerId !== undefined) {
        commands.push(`crictl rm --force ${shellWord(f.containerId)}`);
      } else {
        commands.push(`crictl ps -a -q --pod ${sandbox} | xargs -r crictl rm --force`);
      }
      commands.push(`crictl rmp ${sandbox}`, 'systemctl restart kubelet');
      return commands;
    },
    repair: 'remove-orphan-containers',
    references: [
      { title: 'kubernetes/kubernetes#107730: Some pod sandboxes were not cleaned up until next kubelet restart', url: 'https://github.com/kubernetes/kubernetes/issues/107730' },
      { title: 'kubernetes/kubernetes#108325: do not return err when PodSandbox not exist (kubelet 1.24)', url: 'https://github.com/kubernetes/kubernetes/pull/108325' },
      { title: 'k3s-io/k3s#4356: Failing to start: failed to build map of initial containers', url: 'https://github.com/k3s-io/k3s/issues/4356' },
    ],
    versionNotes: [
      { component: 'kubelet', versions: '>= 1.24', note: 'No longer refuses to start on a container without a sandbox; it logs "no PodSandBox found for the container" and carries on (kubernetes/kubernetes#108325).' },
    ],
  },
  {
    category: 'name-reserved',
    title: 'Name reserved by another sandbox or container',
    explanation: [
      'The runtime keeps a name index: a sandbox or container name (`<name>_<namespace>_<uid>_<attempt>`) can be held by',
      'one object at a time. kubelet retried a create whose first attempt is still running (slow disk, a hung mount, an',
      'image unpack) or whose object leaked after a failure, so every retry fails with the same holder ID. Docker',
      '(dockershim, cri-dockerd) says `Conflict. The container name ... is already in use`.',
      '',
      'If it clears within minutes, the first create finished. If it persists, the holder is stuck or leaked: inspect',
      'it, and remove it so the name is released.',
    ].join('\n'),
    fixCommands(f): string[] {
      if (f.sandboxId !== undefined) {
        const sandbox = shellWord(f.sandboxId);
        return [`crictl inspectp ${sandbox}`, `crictl stopp ${sandbox}`, `crictl rmp ${sandbox}`];
      }
      const container = id(f.containerId, '<container-id>');
      return [`crictl inspect ${container}`, `crictl rm --force ${container}`];
    },
    repair: 'remove-name-holder',
    references: [
      { title: 'containerd/containerd#4604: failed to reserve container name', url: 'https://github.com/containerd/containerd/issues/4604' },
      { title: 'kubernetes/kubernetes#107561: failed to reserve sandbox name', url: 'https://github.com/kubernetes/kubernetes/issues/107561' },
      { title: 'containerd/containerd#9545: kube-apiserver pod stuck in CreateContainerError', url: 'https://github.com/containerd/containerd/issues/9545' },
    ],
  },
  {
    category: 'pleg-unhealthy',
    title: 'PLEG is not healthy',
    explanation: [
      'The pod lifecycle event generator (PLEG) relists all sandboxes and containers from the runtime every second.',
      'When a relist has not completed within the threshold (3 minutes), kubelet marks the node `NotReady` and stops',
      'syncing pods. The runtime is slow or stuck answering `ListPodSandbox`/`ListContainers`/status calls: too many',
      'dead objects (see CRI message limits), a hung shim or sandbox stop, I/O stalls, or a runtime that is down.',
      '`PLEG ... has yet to be successful` right after kubelet starts is normal and raises no finding.',
      '',
      'Look for the runtime errors around the same time (often `context deadline exceeded` on list calls) and count',
      'the objects the runtime holds.',
    ].join('\n'),
    fixCommands(f): string[] {
      const unit = runtimeUnit(f.runtime);
      return ['time crictl pods -q | wc -l', 'time crictl ps -a -q | wc -l', `systemctl status ${unit}`, `journalctl -u ${unit} --since '-15 min' --no-pager | tail -n 100`];
    },
    references: [
      { title: 'kubernetes/kubernetes#45419: PLEG is not healthy', url: 'https://github.com/kubernetes/kubernetes/issues/45419' },
      { title: 'kubernetes/kubernetes#61117: PLEG is not healthy', url: 'https://github.com/kubernetes/kubernetes/issues/61117' },
      { title: 'Kubernetes docs: Switching from polling to CRI event-based updates (Evented PLEG)', url: 'https://kubernetes.io/docs/tasks/administer-cluster/switch-to-evented-pleg/' },
    ],
  },
  {
    category: 'runtime-unavailable',
    title: 'Container runtime unreachable',
    explanation: [
      'Calls to the container runtime fail because nothing answers on its socket: the runtime is not running,',
      'is restarting, crashed (for example `thread exhaustion` or `too many open files` under a pile of objects), or',
      'kubelet points at the wrong socket. kubelet reports `container runtime is down`, PLEG turns unhealthy and the',
      'node goes `NotReady`.',
    ].join('\n'),
    fixCommands(f): string[] {
      const unit = runtimeUnit(f.runtime);
      const endpoint = f.path !== undefined ? ` --runtime-endpoint ${shellWord(`unix://${f.path}`)}` : '';
      return [`systemctl status ${unit}`, `journalctl -u ${unit} -n 200 --no-pager`, `systemctl restart ${unit}`, `crictl${endpoint} version`];
    },
    references: [
      { title: 'bottlerocket-os/bottlerocket#2512: kubelet cannot dial containerd.sock (connection refused)', url: 'https://github.com/bottlerocket-os/bottlerocket/issues/2512' },
      { title: 'canonical/microk8s#525: kubelet can\'t connect to containerd.sock', url: 'https://github.com/canonical/microk8s/issues/525' },
    ],
  },
  {
    category: 'runtime-unresponsive',
    title: 'Container runtime too slow to answer',
    explanation: [
      'The runtime is up but did not answer a list or status call (`ListPodSandbox`, `ListContainers`, `Status`, a PLEG',
      'relist) within kubelet\'s deadline, or dialling its socket timed out. Typical causes: thousands of dead sandboxes',
      'and containers to list, a runtime blocked on a hung shim or a stuck sandbox stop, or I/O stalls on the disk that',
      'holds the runtime\'s state. Repeated, it turns PLEG unhealthy and the node `NotReady`.',
      '',
      'Time the list calls by hand and count the objects; look in the runtime\'s log for what it was doing at the time.',
    ].join('\n'),
    fixCommands(f): string[] {
      const unit = runtimeUnit(f.runtime);
      return ['time crictl pods -q | wc -l', 'time crictl ps -a -q | wc -l', `systemctl status ${unit}`, `journalctl -u ${unit} --since '-15 min' --no-pager | tail -n 100`];
    },
    references: [
      { title: 'kubernetes/kubernetes#45419: PLEG is not healthy', url: 'https://github.com/kubernetes/kubernetes/issues/45419' },
      { title: 'containerd/containerd#7988: Sandbox containers not deleted leaving pods in NotReady state', url: 'https://github.com/containerd/containerd/issues/7988' },
    ],
  },
  {
    category: 'container-stop-timeout',
    title: 'Container stop timed out',
    explanation: [
      'kubelet asked the runtime to stop or kill a container (`StopContainer`, `KillContainer`, the end of a grace',
      'period) and the call did not finish in time, or the runtime could not kill the process. The process ignores',
      'SIGTERM and survives SIGKILL (uninterruptible I/O on a hung NFS or block device, a zombie whose parent does not',
      'reap it), or the shim is stuck. The pod stays `Terminating`; kubelet retries on every sync.',
      '',
      'Inspect the container and its process state (`D` state means the kernel is waiting on I/O), then stop and',
      'force-remove it by hand.',
    ].join('\n'),
    fixCommands(f): string[] {
      const container = id(f.containerId, '<container-id>');
      return [`crictl inspect ${container}`, `crictl stop --timeout 30 ${container}`, `crictl rm --force ${container}`, `journalctl -u ${runtimeUnit(f.runtime)} --no-pager | grep -F ${container} | tail -n 50`];
    },
    references: [
      { title: 'containerd/containerd#7496: StopContainer context deadline exceeded', url: 'https://github.com/containerd/containerd/issues/7496' },
      { title: 'kubernetes/kubernetes#107730: Some pod sandboxes were not cleaned up until next kubelet restart', url: 'https://github.com/kubernetes/kubernetes/issues/107730' },
    ],
  },
  {
    category: 'runtime-call-failed',
    title: 'Container runtime call failed',
    explanation: [
      'A call to the container runtime failed with an error no more specific rule recognises. The finding names the',
      'operation, the gRPC code and the deepest cause of the error chain (the text after the last `: `), which is',
      'usually where to look next: a missing file, a permission, a plugin, an image.',
    ].join('\n'),
    fixCommands(f): string[] {
      const unit = runtimeUnit(f.runtime);
      const commands = ['crictl info', `journalctl -u ${unit} -n 200 --no-pager`];
      if (f.sandboxId !== undefined) commands.push(`crictl inspectp ${shellWord(f.sandboxId)}`);
      if (f.containerId !== undefined) commands.push(`crictl inspect ${shellWord(f.containerId)}`);
      return commands;
    },
    references: [
      { title: 'Kubernetes docs: Debugging Kubernetes nodes with crictl', url: 'https://kubernetes.io/docs/tasks/debug/debug-cluster/crictl/' },
    ],
  },
  {
    category: 'oci-runtime-failed',
    title: 'OCI runtime failed to start a container',
    explanation: [
      'The runtime handed the container to its OCI runtime (runc, crun, runsc) and that failed before the process',
      'started. The text after `OCI runtime create failed:` is the real reason: a missing executable or working',
      'directory in the image (`exec: ... no such file or directory`), an image built for another architecture',
      '(`exec format error`), a permission problem (`oom_score_adj: Permission denied`, seccomp, AppArmor), or a',
      'broken runtime state (`can\'t get final child\'s PID from pipe: EOF`).',
    ].join('\n'),
    fixCommands(f): string[] {
      const commands: string[] = [];
      if (f.containerId !== undefined) {
        commands.push(`crictl inspect ${shellWord(f.containerId)}`, `crictl logs ${shellWord(f.containerId)}`);
      }
      commands.push('runc --version', `journalctl -u ${runtimeUnit(f.runtime)} -n 200 --no-pager | grep -F 'OCI runtime'`);
      return commands;
    },
    references: [
      { title: 'containerd/containerd#7388: OCI runtime create failed: runc create failed', url: 'https://github.com/containerd/containerd/issues/7388' },
      { title: 'containerd/containerd#9160: OCI runtime create failed: unable to create new parent process', url: 'https://github.com/containerd/containerd/issues/9160' },
    ],
  },
  {
    category: 'pod-ip-exhausted',
    title: 'Pod IP range exhausted',
    explanation: [
      'New sandboxes cannot get an IP address: the node\'s pod range is used up. With `host-local` IPAM each allocation',
      'is a file under `/var/lib/cni/networks/<network>/<ip>` holding the owning sandbox ID; addresses are released only',
      'when the sandbox\'s network is deleted. Sandboxes whose teardown keeps failing (for example an empty CNI result',
      'cache) or that were removed without a CNI DEL **leak their address**, until the range is exhausted.',
      '',
      'Compare the allocation files with the sandboxes the runtime still has; fix the failing teardowns, or release',
      'the leaked addresses by running the plugin DEL for them.',
    ].join('\n'),
    fixCommands(): string[] {
      return ['ls /var/lib/cni/networks/*/ | wc -l', 'crictl pods --state notready', "grep -r -h -o '^[0-9a-f]\\{64\\}' /var/lib/cni/networks/ | sort -u"];
    },
    repair: 'release-leaked-ips',
    references: [
      { title: 'canonical/microk8s#1147: no IP addresses available in range set', url: 'https://github.com/canonical/microk8s/issues/1147' },
      { title: 'rancher/rancher#14504: failed to allocate for range 0', url: 'https://github.com/rancher/rancher/issues/14504' },
      { title: 'kubernetes/test-infra#13039: build cluster failing to start jobs (IP exhaustion)', url: 'https://github.com/kubernetes/test-infra/issues/13039' },
    ],
  },
  {
    category: 'disk-pressure',
    title: 'Node disk pressure',
    explanation: [
      'The node is running out of disk on the filesystem that holds images, container layers, logs or `emptyDir`',
      'volumes. kubelet first deletes unused images; when that cannot free enough it sets the `DiskPressure` condition',
      'and evicts pods. Writes that fail with `no space left on device` can also leave **empty or truncated state files**',
      '(CNI result caches, checkpoints) that break later operations. `Image garbage collection failed once. Stats',
      'initialization may not have completed yet` right after kubelet starts is normal and raises no finding.',
    ].join('\n'),
    fixCommands(): string[] {
      return ['df -h /var/lib/containerd /var/lib/kubelet /var/log', 'crictl imagefsinfo', 'crictl rmi --prune', 'du -xsh /var/log/pods /var/lib/containerd 2>/dev/null'];
    },
    references: [
      { title: 'kubernetes/kubernetes#71869: failed to garbage collect required amount of images', url: 'https://github.com/kubernetes/kubernetes/issues/71869' },
      { title: 'kubernetes/kubernetes#129616: eviction manager and image cleanup with imagefs', url: 'https://github.com/kubernetes/kubernetes/issues/129616' },
      { title: 'Kubernetes docs: Node-pressure eviction', url: 'https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/' },
    ],
  },
];

const BY_CATEGORY = new Map<Category, Article>(ARTICLE_LIST.map((a) => [a.category, a]));

/** Every article, in catalog order. */
export const ARTICLES: readonly Article[] = ARTICLE_LIST;

/** The article of a category (every category has one; a unit test checks it). */
export function articleFor(category: Category): Article {
  const article = BY_CATEGORY.get(category);
  if (article === undefined) {
    throw new Error(`no article for category ${category}`);
  }
  return article;
}

/** The article's version notes with, for each, whether it applies to the runtime named (undefined: unknown). */
export function versionNotesFor(category: Category, runtime?: { readonly name: string; readonly version: string }): { note: VersionNote; applies?: boolean }[] {
  const notes = articleFor(category).versionNotes ?? [];
  return notes.map((note) => {
    const applies = runtime !== undefined && note.appliesTo !== undefined ? note.appliesTo(runtime.name, runtime.version) : undefined;
    return applies === undefined ? { note } : { note, applies };
  });
}
