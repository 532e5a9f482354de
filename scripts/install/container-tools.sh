#!/usr/bin/env bash
# Installs the container tools the image build and its tests need, from Debian's packages: podman (no Docker
# daemon needed), runc (crun fails on our machines), debootstrap (the base image's rootfs). Idempotent: a rerun
# that finds every tool installs nothing. Podman is always driven with CONTAINERS_CONF=scripts/containers/containers.conf.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

started=$SECONDS
need=()
for pair in podman:podman runc:runc debootstrap:debootstrap; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "installing ${need[*]} needs root (apt-get)"
  log "installing ${need[*]} from Debian"
  apt_get update -qq
  apt_get install -y -qq --no-install-recommends podman runc debootstrap >/dev/null
fi
[ -s "$CONTAINERS_CONF" ] || die "missing $CONTAINERS_CONF"
podman --version >/dev/null || die "podman does not run"
runtime=$(podman info --format '{{.Host.OCIRuntime.Name}}' 2>/dev/null) || die "podman info failed (CONTAINERS_CONF=$CONTAINERS_CONF)"
[ "$runtime" = runc ] || die "podman uses OCI runtime '$runtime', expected runc (CONTAINERS_CONF=$CONTAINERS_CONF)"
log "container tools ready: $(podman --version), runc $(runc --version | head -1 | awk '{print $3}'), debootstrap $(dpkg-query -W -f '${Version}' debootstrap) ($((SECONDS - started)) s)"
