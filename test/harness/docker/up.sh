#!/usr/bin/env bash
# Starts a private Docker daemon (Debian's docker.io) for the Docker-node tests: its own data-root, exec-root, socket and
# pidfile under KND_DOCKER_DIR, no bridge, no iptables, vfs storage; nothing of the machine's own Docker is touched.
# Builds two local images with `docker import` of a static binary's root filesystem (no registry): the pause image and a
# small tool image (`sleep N`, `exit N`; test/harness/runtime/images). Prints KEY=VALUE lines for the tests.
# Env: KND_DOCKER_DIR (default /tmp/knd-docker).
set -euo pipefail
dir=${KND_DOCKER_DIR:-/tmp/knd-docker}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
images=$here/../runtime/images
socket=$dir/docker.sock
say() { printf '[docker-up] %s\n' "$*" >&2; }
docker_cli() { /usr/bin/docker -H "unix://$socket" "$@"; }
alive() { [[ -n $1 && -d /proc/$1 ]] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
ours() { tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -qF -- "--pidfile $dir/docker.pid"; }

for tool in dockerd /usr/bin/docker gcc tar; do
  command -v "$tool" >/dev/null || { say "missing $tool (Debian: docker.io gcc libc6-dev)"; exit 1; }
done
mkdir -p "$dir/root" "$dir/exec" "$dir/build"
chmod 0711 "$dir"

pid=$(cat "$dir/docker.pid" 2>/dev/null || true)
if ! { alive "$pid" && ours "$pid"; }; then
  say "starting dockerd in $dir"
  # setsid: the daemon outlives this script; its log stays in the dir.
  setsid dockerd --data-root "$dir/root" --exec-root "$dir/exec" -H "unix://$socket" --pidfile "$dir/docker.pid" \
    --bridge=none --iptables=false --ip-masq=false --ip6tables=false --storage-driver=vfs --log-level=warn \
    >"$dir/dockerd.log" 2>&1 < /dev/null &
  for _ in $(seq 1 200); do
    [[ -S $socket ]] && docker_cli version >/dev/null 2>&1 && break
    sleep 0.05
  done
  docker_cli version >/dev/null 2>&1 || { say "dockerd did not answer; log:"; tail -n 20 "$dir/dockerd.log" >&2; exit 1; }
fi

# import NAME BINARY ENTRYPOINT: a one-file root filesystem around a static binary
import_image() {
  local name=$1 src=$2 entry=$3
  docker_cli image inspect "$name" >/dev/null 2>&1 && return 0
  local root=$dir/build/$(basename "$src" .c)
  rm -rf "$root"; mkdir -p "$root/dev" "$root/proc" "$root/sys" "$root/etc" "$root/tmp"
  gcc -static -O2 -s -o "$root/$entry" "$images/$src"
  echo 'root:x:0:0:root:/:/bin/false' > "$root/etc/passwd"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$root" -cf "$root.tar" .
  docker_cli import --change "ENTRYPOINT [\"/$entry\"]" --change 'ENV PATH=/' "$root.tar" "$name" >/dev/null
}
import_image knd/pause:1.0 pause.c pause
import_image knd/tool:1.0 tool.c tool

echo "KND_DOCKER_DIR=$dir"
echo "KND_DOCKER_ENDPOINT=unix://$socket"
echo "KND_DOCKER_PID=$(cat "$dir/docker.pid")"
echo "KND_DOCKER_PAUSE_IMAGE=knd/pause:1.0"
echo "KND_DOCKER_TOOL_IMAGE=knd/tool:1.0"
echo "KND_DOCKER_VERSION=$(docker_cli version --format '{{.Server.Version}}')"
