#!/usr/bin/env bash
# Stops the private Docker daemon started by up.sh and removes its directory: its containers first (through its own
# socket), then the daemon by its pidfile (checked by its command line), then leftover mounts under the dir.
# Env: KND_DOCKER_DIR (default /tmp/knd-docker).
set -uo pipefail
dir=${KND_DOCKER_DIR:-/tmp/knd-docker}
socket=$dir/docker.sock
[[ -d $dir ]] || exit 0
alive() { [[ -n $1 && -d /proc/$1 ]] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
ours() { tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -qF -- "--pidfile $dir/docker.pid"; }
pid=$(cat "$dir/docker.pid" 2>/dev/null || true)
if alive "$pid" && ours "$pid"; then
  ids=$(timeout 10 /usr/bin/docker -H "unix://$socket" ps -aq 2>/dev/null || true)
  [[ -n $ids ]] && timeout 30 /usr/bin/docker -H "unix://$socket" rm -f $ids >/dev/null 2>&1
  kill -TERM "$pid"
  for _ in $(seq 1 200); do alive "$pid" || break; sleep 0.05; done
  alive "$pid" && kill -KILL "$pid"
fi
# dockerd's own containerd and shims live under the exec root: stop any left behind.
for proc in /proc/[0-9]*; do
  cmd=$( { tr '\0' ' ' < "$proc/cmdline"; } 2>/dev/null ) || continue
  [[ $cmd == *"$dir/exec/"* || $cmd == *"--root $dir/"* ]] && kill -KILL "${proc#/proc/}" 2>/dev/null
done
awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
rm -rf "$dir"
exit 0
