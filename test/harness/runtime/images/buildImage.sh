#!/usr/bin/env bash
# Writes a one-layer OCI image-layout tar around one static binary, with tar, sha256sum and printf only
# (no registry, no docker). `ctr images import` names it from the io.containerd.image.name annotation.
# usage: buildImage.sh NAME BINARY PATH_IN_IMAGE ENTRYPOINT_JSON CMD_JSON OUT_TAR
set -euo pipefail
name=$1 binary=$2 target=$3 entrypoint=$4 cmd=$5 out=$6
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/rootfs/dev" "$work/rootfs/proc" "$work/rootfs/sys" "$work/rootfs/etc" "$work/rootfs/tmp" "$work/layout/blobs/sha256"
chmod 1777 "$work/rootfs/tmp"
install -m 0755 "$binary" "$work/rootfs/${target#/}"
echo 'root:x:0:0:root:/:/bin/false' > "$work/rootfs/etc/passwd"
echo 'root:x:0:' > "$work/rootfs/etc/group"
reproducible_tar() { tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu "$@"; }
reproducible_tar -C "$work/rootfs" -cf "$work/layer.tar" .

# store FILE: moves FILE into the blob store; prints "<digest> <size>"
store() {
  local digest size
  digest=$(sha256sum "$1" | cut -d' ' -f1)
  size=$(stat -c %s "$1")
  mv "$1" "$work/layout/blobs/sha256/$digest"
  echo "$digest $size"
}
read -r layer_digest layer_size < <(store "$work/layer.tar")
printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":%s,"Cmd":%s,"Env":["PATH=/"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
  "$entrypoint" "$cmd" "$layer_digest" > "$work/config.json"
read -r config_digest config_size < <(store "$work/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
  "$config_digest" "$config_size" "$layer_digest" "$layer_size" > "$work/manifest.json"
read -r manifest_digest manifest_size < <(store "$work/manifest.json")
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
  "$manifest_digest" "$manifest_size" "$name" "${name##*:}" > "$work/layout/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' > "$work/layout/oci-layout"
reproducible_tar -C "$work/layout" -cf "$out" oci-layout index.json blobs
