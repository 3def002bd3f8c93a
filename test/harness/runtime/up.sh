#!/usr/bin/env bash
# Starts a real containerd 1.6 (CRI plugin) + runc + CNI plugins from Debian's packages under a private directory,
# for the integration tests and benches. Idempotent: a second call prints the same environment.
#   up.sh            start (or report the running one)
#   up.sh --restart  stop containerd and start it again on the same state and in the same mount namespace
#                    (re-renders the config, so a new KND_GRPC_MAX_MSG takes effect; shims and pods survive)
# Env: KND_LAB_DIR (default /tmp/knd-lab; keep it short: <dir>/containerd.sock.ttrpc must fit the 108-byte
#      unix socket limit), KND_NETWORK (cbr0), KND_BRIDGE (knd0), KND_SUBNET (10.244.0.0/24),
#      KND_CNI_VERSION (1.0.0; libcni reads the cached result on DEL only from 0.4.0 on, so older versions hide the
#      empty-cache failure), KND_GRPC_MAX_MSG (containerd's gRPC send/receive limit; default 16777216, containerd's
#      own default), KND_PRIVATE_RESULTS (default 1, see below).
# Pods go under the cgroup parent /<basename of the lab dir> (KND_CGROUP_PARENT), so labs side by side do not mix.
# Prints KEY=VALUE lines on stdout (the test orchestrator reads them); logs go to stderr.
#
# Private CNI result cache: containerd 1.6 has no setting for libcni's cache dir (always /var/lib/cni). So the lab
# keeps a mount namespace of its own, held by a tiny holder process (KND_MOUNT_NS_PID), in which $LAB/cni-cache is
# bind-mounted over /var/lib/cni; containerd runs inside it (also after --restart, so netns mounts survive a
# restart exactly as on a node). The host's /var/lib/cni is never touched. Consequences:
#   * cache files are at $LAB/cni-cache/results on the host (the bind source) = /var/lib/cni/results inside;
#   * the netns directory ($KND_NETNS_DIR) is a shared mount peered between the host and the lab namespace, so the
#     netns bind mounts containerd makes propagate out: `nsenter --net=<path>` and CNI DEL work from the host too;
#   * KND_HOST_ROOT=/proc/$KND_MOUNT_NS_PID/root is a complete "node view": /var/lib/cni/results there is the lab's;
#     `nsenter -t $KND_MOUNT_NS_PID -m -- argv` runs a command with that view.
# gVisor: when runsc is installed, the handler `runsc` runs pause-only pods under gVisor (ptrace); see README.md here.
# Fault injection (runc only; see README.md here): the runtime handler `runc-faulty` runs runc through
# $LAB/bin/runc-faulty; while $LAB/fault/drop-kill.<64-hex id> (or $LAB/fault/drop-kill) exists, `runc kill` of that
# container exits 0 and does nothing, so StopPodSandbox hangs with the sandbox SANDBOX_READY until its deadline.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lab=${KND_LAB_DIR:-/tmp/knd-lab}
# A restart (or a re-run) keeps the lab's network settings unless the environment names them again.
if [[ -f $lab/settings ]]; then
  while IFS='=' read -r key value; do
    [[ $key =~ ^KND_(NETWORK|BRIDGE|SUBNET|CNI_VERSION|GRPC_MAX_MSG)$ && -z ${!key:-} ]] && printf -v "$key" '%s' "$value"
  done < "$lab/settings"
fi
network=${KND_NETWORK:-cbr0}
bridge=${KND_BRIDGE:-knd0}
subnet=${KND_SUBNET:-10.244.0.0/24}
cni_version=${KND_CNI_VERSION:-1.0.0}
max_msg=${KND_GRPC_MAX_MSG:-16777216}
private=${KND_PRIVATE_RESULTS:-1}
socket=$lab/containerd.sock
config=$lab/config.toml
pidfile=$lab/containerd.pid
nspidfile=$lab/mntns.pid
logfile=$lab/containerd.log
pause_image=localhost/knd/pause:1.0
tool_image=localhost/knd/tool:1.0
holder_name="knd-lab-mntns $lab"
netns_dir=$lab/state/io.containerd.grpc.v1.cri/netns

say() { printf '[runtime-up] %s\n' "$*" >&2; }
# PID 1 on this VM kind reaps lazily: a zombie counts as dead
alive() { [[ -n $1 && -d /proc/$1 ]] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
ours() { tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -qF -- "--config $config"; }
holder_ours() { [[ $(tr '\0' '\n' < "/proc/$1/cmdline" 2>/dev/null | head -n 1) == "$holder_name" ]]; }
running() { [[ -f $pidfile ]] && alive "$(cat "$pidfile")" && ours "$(cat "$pidfile")" && [[ -S $socket ]]; }
holder_pid() { local p; p=$(cat "$nspidfile" 2>/dev/null || true); alive "$p" && holder_ours "$p" && echo "$p"; }
cache_dir() { cat "$lab/cni-cache-dir" 2>/dev/null || echo /var/lib/cni; }

print_env() {
  local ns; ns=$(holder_pid || true)
  # holder gone but containerd alive in the private namespace: containerd itself holds it
  [[ -z $ns && $(cache_dir) != /var/lib/cni ]] && ns=$(cat "$pidfile")
  echo "KND_LAB_DIR=$lab"
  echo "KND_CRI_ENDPOINT=unix://$socket"
  echo "KND_CONTAINERD_SOCKET=$socket"
  echo "KND_CONTAINERD_PID=$(cat "$pidfile")"
  echo "KND_CONTAINERD_LOG=$logfile"
  echo "KND_CNI_CACHE_DIR=$(cache_dir)"
  echo "KND_CNI_CONF_DIR=$lab/cni/net.d"
  echo "KND_CNI_BIN_DIR=/usr/lib/cni"
  echo "KND_HOST_LOCAL_DIR=$lab/cni/ipam/$network"
  echo "KND_NETWORK=$network"
  echo "KND_BRIDGE=$bridge"
  echo "KND_SUBNET=$subnet"
  echo "KND_NETNS_DIR=$netns_dir"
  echo "KND_MOUNT_NS_PID=${ns:-}"
  echo "KND_HOST_ROOT=${ns:+/proc/$ns/root}"
  echo "KND_PAUSE_IMAGE=$pause_image"
  echo "KND_TOOL_IMAGE=$tool_image"
  echo "KND_CGROUP_PARENT=/$(basename "$lab")"
  echo "KND_FAULTY_HANDLER=runc-faulty"
  echo "KND_FAULT_DIR=$lab/fault"
  echo "KND_RUNSC_HANDLER=$([[ -x $lab/bin/runsc ]] && echo runsc)"
  echo "KND_GRPC_MAX_MSG=$(cat "$lab/grpc-max-msg" 2>/dev/null || echo "$max_msg")"
}

stop_containerd() {
  running || return 0
  local pid; pid=$(cat "$pidfile")
  kill -TERM "$pid"
  for _ in $(seq 1 100); do alive "$pid" || return 0; sleep 0.05; done
  kill -KILL "$pid"
  for _ in $(seq 1 40); do alive "$pid" || return 0; sleep 0.05; done
}

config_stamp='# knd-lab config v3'
if [[ ${1:-} == --restart ]]; then
  [[ -f $config ]] || { say "no lab at $lab to restart"; exit 1; }
  stop_containerd
elif running && grep -qxF "$config_stamp" "$config"; then
  print_env
  exit 0
elif running; then
  say "the running lab was configured by an older up.sh: restarting its containerd with the current configuration"
  stop_containerd
fi

if pgrep -x kubelet >/dev/null 2>&1 || [[ -d /etc/kubernetes/manifests ]]; then
  say "this machine looks like a Kubernetes node (kubelet or /etc/kubernetes/manifests): refusing to run a test runtime here"
  exit 1
fi
for tool in containerd containerd-shim-runc-v2 ctr runc gcc unshare nsenter /usr/lib/cni/bridge /usr/lib/cni/host-local /usr/lib/cni/portmap; do
  command -v "$tool" >/dev/null || { say "missing $tool (Debian: containerd runc containernetworking-plugins gcc libc6-dev util-linux)"; exit 1; }
done
(( ${#lab} + 24 < 108 )) || { say "KND_LAB_DIR is too long for a unix socket path"; exit 1; }

mkdir -p "$lab"/{root,state,runc,opt,images,bin,fault,pod-logs,cni/net.d,cni/ipam}
chmod 0711 "$lab"
echo "$bridge" > "$lab/bridge"
echo "$max_msg" > "$lab/grpc-max-msg"
printf '%s\n' "KND_NETWORK=$network" "KND_BRIDGE=$bridge" "KND_SUBNET=$subnet" "KND_CNI_VERSION=$cni_version" "KND_GRPC_MAX_MSG=$max_msg" > "$lab/settings"
if [[ ! -f $lab/cni-cache-dir ]]; then
  if [[ $private == 1 ]]; then echo "$lab/cni-cache" > "$lab/cni-cache-dir"; else echo /var/lib/cni > "$lab/cni-cache-dir"; fi
fi
mkdir -p "$(cache_dir)/results"
chmod 0700 "$(cache_dir)/results"

# ---- images: a static pause and a static multi-purpose tool, each a one-layer OCI tar
build_image() { # source name entrypoint cmd
  local bin=$lab/images/$1 tar=$lab/images/$1.tar
  if [[ ! -s $tar || $here/images/$1.c -nt $tar || $here/images/buildImage.sh -nt $tar ]]; then
    gcc -static -O2 -s -o "$bin" "$here/images/$1.c"
    bash "$here/images/buildImage.sh" "$2" "$bin" "/$1" "$3" "$4" "$tar"
  fi
}
build_image pause "$pause_image" '["/pause"]' null
build_image tool "$tool_image" '["/tool"]' '["sleep"]'

# ---- fault-injecting runc wrapper for the `runc-faulty` handler
cat > "$lab/bin/runc-faulty" <<SH
#!/bin/sh
# runc wrapper generated by up.sh: drops \`runc kill\` for containers with a fault file in $lab/fault.
sub=""; id=""
for arg in "\$@"; do
  case "\$arg" in
    kill|delete|create|start|state) [ -z "\$sub" ] && sub=\$arg ;;
    *) if [ -n "\$sub" ] && [ -z "\$id" ] && printf '%s' "\$arg" | grep -Eqx '[0-9a-f]{64}'; then id=\$arg; fi ;;
  esac
done
if [ "\$sub" = kill ] && { [ -e "$lab/fault/drop-kill" ] || [ -e "$lab/fault/drop-kill.\$id" ]; }; then
  echo "\$(date +%s) dropped kill \$id" >> "$lab/fault/calls.log"
  exit 0
fi
exec $(command -v runc) "\$@"
SH
chmod 0755 "$lab/bin/runc-faulty"

# ---- gVisor for the `runsc` handler (Debian's runsc, ptrace platform, no network of its own: the pod's netns comes
# from CNI as usual). containerd's runc v2 shim drives it as its OCI binary. runsc's `kill --all` of a dead sandbox
# answers "sandbox is not running", which that shim does not map to NotFound: the TaskExit is never handled and every
# StopPodSandbox hangs with the sandbox SANDBOX_READY (the seed-003 failure, with real gVisor). Absent runsc: no handler.
runsc_bin=$(command -v runsc || true)
if [[ -n $runsc_bin ]]; then
  mkdir -p "$lab/runsc-root" "$lab/runsc-logs"
  cat > "$lab/bin/runsc" <<SH
#!/bin/sh
# runsc wrapper generated by up.sh: ptrace platform, no sandbox network, debug logs under the lab.
exec $runsc_bin --platform=ptrace --network=none --debug-log=$lab/runsc-logs/ "\$@"
SH
  chmod 0755 "$lab/bin/runsc"
  runsc_handler="
    [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runsc]
      runtime_type = \"io.containerd.runc.v2\"
      [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runsc.options]
        BinaryName = \"$lab/bin/runsc\"
        Root = \"$lab/runsc-root\"
        SystemdCgroup = false"
else
  runsc_handler=""
fi

cat > "$config" <<TOML
# containerd 1.6 (config schema 2) for the Kube Node Doctor test runtime; generated by up.sh
$config_stamp
version = 2
root = "$lab/root"
state = "$lab/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "$socket"
  tcp_address = ""
  max_recv_message_size = $max_msg
  max_send_message_size = $max_msg

[ttrpc]
  address = "$socket.ttrpc"

[debug]
  address = ""

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "$lab/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$pause_image"
  disable_tcp_service = true
  enable_tls_streaming = false
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  disable_apparmor = true
  # This VM kind has no CAP_SYS_RESOURCE: runc cannot lower oom_score_adj to -998 without this.
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$lab/cni/net.d"
    max_conf_num = 1
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = "$lab/runc"
        SystemdCgroup = false
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc-faulty]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc-faulty.options]
        BinaryName = "$lab/bin/runc-faulty"
        Root = "$lab/runc"
        SystemdCgroup = false$runsc_handler
TOML

cat > "$lab/cni/net.d/10-$network.conflist" <<JSON
{
  "cniVersion": "$cni_version",
  "name": "$network",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$bridge",
      "isGateway": false,
      "ipMasq": false,
      "ipam": { "type": "host-local", "dataDir": "$lab/cni/ipam", "ranges": [[{ "subnet": "$subnet" }]] }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
JSON

# ---- the lab's mount namespace (kept by a holder process so it outlives containerd restarts)
ns_pid=""
if [[ $(cache_dir) != /var/lib/cni ]]; then
  ns_pid=$(holder_pid || true)
  if [[ -z $ns_pid ]]; then
    mkdir -p /var/lib/cni "$netns_dir"
    # The netns directory is a shared mount on the host, copied into the lab namespace as a peer: the netns bind
    # mounts containerd makes there propagate back, so netns paths work from the host as on a node. Only the mount
    # holding /var/lib/cni is made a slave inside, so the bind over /var/lib/cni never propagates out.
    if ! awk -v p="$netns_dir" '$5 == p' /proc/self/mountinfo | grep -q .; then mount --bind "$netns_dir" "$netns_dir"; fi
    mount --make-shared "$netns_dir"
    setsid unshare --mount --propagation unchanged \
      bash -c 'mount --make-slave "$(findmnt -n -o TARGET --target /var/lib/cni)" && mount --bind "$1" /var/lib/cni && exec -a "$2" sleep infinity' \
      bash "$(cache_dir)" "$holder_name" </dev/null >>"$logfile" 2>&1 &
    ns_pid=$!
    echo "$ns_pid" > "$nspidfile"
    for _ in $(seq 1 100); do holder_ours "$ns_pid" && break; alive "$ns_pid" || break; sleep 0.02; done
    holder_ours "$ns_pid" || { say "could not create the lab mount namespace"; tail -n 5 "$logfile" >&2; exit 1; }
  fi
fi

touch "$logfile"
offset=$(stat -c %s "$logfile")
say "starting containerd (log $logfile, gRPC limit $max_msg)"
if [[ -n $ns_pid ]]; then
  # nsenter without --fork execs containerd in place, so $! is containerd's PID
  setsid nsenter -t "$ns_pid" -m -- containerd --config "$config" </dev/null >>"$logfile" 2>&1 &
else
  setsid containerd --config "$config" </dev/null >>"$logfile" 2>&1 &
fi
pid=$!
echo "$pid" > "$pidfile"

# CRI answers "server is not initialized yet" until it logs "Start streaming server".
for _ in $(seq 1 1200); do
  tail -c +$((offset + 1)) "$logfile" | grep -q 'Start streaming server' && break
  alive "$pid" || { say "containerd exited:"; tail -n 30 "$logfile" >&2; exit 1; }
  sleep 0.05
done
tail -c +$((offset + 1)) "$logfile" | grep -q 'Start streaming server' || { say "CRI did not initialise within 60 s"; tail -n 30 "$logfile" >&2; exit 1; }
running || { say "PID $pid is not the lab containerd"; exit 1; }

present=$(ctr --address "$socket" -n k8s.io images ls -q 2>/dev/null || true)
for image in pause tool; do
  name=localhost/knd/$image:1.0
  grep -qxF "$name" <<<"$present" || ctr --address "$socket" -n k8s.io images import "$lab/images/$image.tar" >/dev/null
done
say "up (pid $pid)"
print_env
