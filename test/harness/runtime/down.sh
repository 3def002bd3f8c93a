#!/usr/bin/env bash
# Stops the test runtime started by up.sh and removes what it created: our containerd (checked by its command line),
# its shims (identified by `-address <lab socket>`), runc containers under the lab's runc root, the lab's mount
# namespace holder, mounts under the lab dir, the lab's CNI cache files (private cache: the whole dir; shared
# /var/lib/cni: only files of the lab's sandboxes), the lab bridge, the lab cgroups, and the lab dir. Nothing else.
# Env: KND_LAB_DIR (default /tmp/knd-lab).
set -uo pipefail
lab=${KND_LAB_DIR:-/tmp/knd-lab}
socket=$lab/containerd.sock
config=$lab/config.toml
holder_name="knd-lab-mntns $lab"
say() { printf '[runtime-down] %s\n' "$*" >&2; }
[[ -d $lab ]] || exit 0
alive() { [[ -n $1 && -d /proc/$1 ]] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
ours() { tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -qF -- "--config $config"; }
holder_ours() { [[ $(tr '\0' '\n' < "/proc/$1/cmdline" 2>/dev/null | head -n 1) == "$holder_name" ]]; }
cache=$(cat "$lab/cni-cache-dir" 2>/dev/null || echo /var/lib/cni)
results=$cache/results

# IDs the lab knows, from CRI's on-disk metadata (survives a dead containerd)
mapfile -t ids < <(
  { [[ -S $socket ]] && timeout 5 ctr --address "$socket" -n k8s.io containers ls -q 2>/dev/null
    ls "$lab/root/io.containerd.grpc.v1.cri/sandboxes" "$lab/root/io.containerd.grpc.v1.cri/containers" "$lab/runc/k8s.io" 2>/dev/null
  } | grep -E '^[0-9a-f]{64}$' | sort -u)

rm -f "$lab"/fault/drop-kill* 2>/dev/null
for root in "$lab"/runc/*; do
  [[ -d $root ]] || continue
  for id in $(runc --root "$root" list -q 2>/dev/null); do
    runc --root "$root" kill "$id" KILL >/dev/null 2>&1
    runc --root "$root" delete --force "$id" >/dev/null 2>&1
  done
done

# gVisor sandboxes of the `runsc` handler: killed and deleted under the lab's runsc root, then any runsc process
# (sandbox, gofer) whose --root lies in the lab
if [[ -d $lab/runsc-root ]] && command -v runsc >/dev/null; then
  for root in "$lab"/runsc-root/*; do
    [[ -d $root ]] || continue
    for id in $(timeout 10 runsc --root "$root" list -q 2>/dev/null); do
      timeout 10 runsc --root "$root" kill --all "$id" KILL >/dev/null 2>&1
      timeout 10 runsc --root "$root" delete --force "$id" >/dev/null 2>&1
    done
  done
  for proc in /proc/[0-9]*; do
    cmd=$( { tr '\0' ' ' < "$proc/cmdline"; } 2>/dev/null) || continue
    [[ $cmd == *runsc*"--root=$lab/runsc-root"* || $cmd == *runsc*"--root $lab/runsc-root"* ]] && kill -KILL "${proc#/proc/}" 2>/dev/null
  done
fi

if [[ -f $lab/containerd.pid ]]; then
  pid=$(cat "$lab/containerd.pid")
  if alive "$pid" && ours "$pid"; then
    kill -TERM "$pid"
    for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.05; done
    alive "$pid" && kill -KILL "$pid"
  fi
fi
for proc in /proc/[0-9]*; do
  cmd=$(tr '\0' ' ' < "$proc/cmdline" 2>/dev/null) || continue
  [[ $cmd == *containerd-shim*"-address $socket "* ]] && kill -KILL "${proc#/proc/}" 2>/dev/null
done
if [[ -f $lab/mntns.pid ]]; then
  ns=$(cat "$lab/mntns.pid")
  alive "$ns" && holder_ours "$ns" && kill -KILL "$ns"
fi
sleep 0.2

for _ in 1 2 3; do
  mapfile -t mounts < <(awk -v prefix="$lab/" 'index($5, prefix) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
  (( ${#mounts[@]} )) || break
  for m in "${mounts[@]}"; do umount -l "$m" 2>/dev/null; done
done

if [[ $cache == /var/lib/cni ]]; then
  removed=0
  for id in "${ids[@]}"; do
    for f in "$results"/*-"$id"-*; do [[ -e $f ]] && rm -f "$f" && removed=$((removed + 1)); done
  done
  # cache files that record a netns inside this lab (sandboxes CRI itself already forgot)
  if [[ -d $results ]]; then
    while IFS= read -r f; do rm -f "$f" && removed=$((removed + 1)); done < <(grep -lsF "\"sandbox\":\"$lab/" "$results"/* 2>/dev/null)
  fi
  say "removed $removed CNI cache files from the shared $results"
fi

bridge=$(cat "$lab/bridge" 2>/dev/null || echo knd0)
ip link show "$bridge" >/dev/null 2>&1 && ip link del "$bridge"
cgparent=$(basename "$lab")
for cg in /sys/fs/cgroup/*/"$cgparent" /sys/fs/cgroup/unified/"$cgparent"; do
  [[ -d $cg ]] && find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null
done
rm -rf "$lab" 2>/dev/null || { say "some files under $lab could not be removed"; find "$lab" -maxdepth 3 | head >&2; }
say "down"
