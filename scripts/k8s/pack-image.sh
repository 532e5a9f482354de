#!/usr/bin/env bash
# Packs a root filesystem directory into a single-layer image archive (the "docker-archive" layout that
# `ctr images import` and `podman load` read): no registry, no daemon, reproducible (sorted, mtime 0, root-owned).
#   scripts/k8s/pack-image.sh ROOTFS_DIR IMAGE_REF OUT.tar USER ENTRYPOINT [ARG...]
# e.g. scripts/k8s/pack-image.sh /tmp/r localhost/meldtown/pause:0.1.0 pause.tar 65535:65535 /pause
set -euo pipefail
[ $# -ge 5 ] || { echo "usage: $0 ROOTFS_DIR IMAGE_REF OUT.tar USER ENTRYPOINT [ARG...]" >&2; exit 2; }
rootfs=$1 ref=$2 out=$3 user=$4; shift 4
[ -d "$rootfs" ] || { echo "pack-image: no such directory: $rootfs" >&2; exit 2; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

tar -C "$rootfs" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -cf "$work/layer.tar" .
layer_sha=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
mkdir "$work/$layer_sha"; mv "$work/layer.tar" "$work/$layer_sha/layer.tar"

json_array() { local first=1; printf '['; for a in "$@"; do [ $first = 1 ] || printf ','; first=0
  printf '"%s"' "$(printf '%s' "$a" | sed 's/\\/\\\\/g; s/"/\\"/g')"; done; printf ']'; }
printf '{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z","config":{"User":"%s","Env":["PATH=/bin"],"Entrypoint":%s,"WorkingDir":"/","Labels":{"org.opencontainers.image.source":"meldtown scripts/k8s/pack-image.sh","org.opencontainers.image.licenses":"Apache-2.0"}},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"scripts/k8s/pack-image.sh"}]}' \
  "$user" "$(json_array "$@")" "$layer_sha" > "$work/config.json"
config_sha=$(sha256sum "$work/config.json" | cut -d' ' -f1)
mv "$work/config.json" "$work/$config_sha.json"
printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' "$config_sha" "$ref" "$layer_sha" > "$work/manifest.json"
mkdir -p "$(dirname "$out")"
tar -C "$work" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$out.tmp" manifest.json "$config_sha.json" "$layer_sha"
mv "$out.tmp" "$out"
