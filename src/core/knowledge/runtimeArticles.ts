import type { Article } from './articleModel';
import { id, listTimingChecks, PLEG_NOT_HEALTHY, runtimeUnit, versionAtLeast } from './articleModel';
import { shellWord } from '../model/shell';

/** The articles of the runtime, sandbox, node-resource and pod-IP categories, in catalog order (after the network ones). */
export const RUNTIME_ARTICLES: readonly Article[] = [
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
      { component: 'kubelet', versions: '< 1.24', note: 'Exits at start-up (Failed to start ContainerManager) until the orphan containers are removed.' },
      {
        component: 'dockershim', versions: 'kubelet < 1.24 with Docker',
        note: 'The CRI socket is kubelet\'s own (dockershim) and is down with kubelet, so crictl cannot answer: list the containers with `docker ps -a --filter label=io.kubernetes.sandbox.id=<sandbox-id>` and remove them with `docker rm -f <container-id>`; `kube-node-doctor inspect` on the node reads Docker and the checkpoints in /var/lib/dockershim/sandbox directly.',
      },
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
    fixCommands: (f) => listTimingChecks(f.runtime),
    references: [
      PLEG_NOT_HEALTHY,
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
    fixCommands: (f) => listTimingChecks(f.runtime),
    references: [
      PLEG_NOT_HEALTHY,
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
