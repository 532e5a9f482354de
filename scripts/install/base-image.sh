#!/usr/bin/env bash
# Builds Meldtown's own container base image, localhost/meldtown/base-jre:17-bookworm, from Debian's packages
# (no image registry is needed): a `debootstrap --variant=minbase bookworm` rootfs plus a headless JRE 17
# (openjdk-17-jre-headless, no recommends), without apt lists, docs or man pages, with the non-root user and
# group meldtown (10001:10001) and a world-writable /tmp, imported with `tar | podman import`.
#
# Idempotent and cached: the rootfs tarball is kept in $MELDTOWN_HOME/base-image/ under a hash of this script, and
# the image carries the same hash as a label, so a rerun takes a second (image present) or seconds (tarball cached).
# Nothing depends on the cache existing. Environment:
#   MELDTOWN_DEBIAN_MIRROR   the Debian mirror debootstrap and apt use (default http://deb.debian.org/debian)
#   MELDTOWN_BASE_IMAGE      the image name (default localhost/meldtown/base-jre:17-bookworm)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

IMAGE="${MELDTOWN_BASE_IMAGE:-localhost/meldtown/base-jre:17-bookworm}"
MIRROR="${MELDTOWN_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${MELDTOWN_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
APP_UID=10001
APP_GID=10001
HASH=$(sha256sum "$0" | cut -c1-16)
CACHE_DIR="$MELDTOWN_HOME/base-image"
TARBALL="$CACHE_DIR/rootfs-$HASH.tar"

started=$SECONDS
step() { log "base image: $1 ($((SECONDS - step_started)) s)"; step_started=$SECONDS; }
step_started=$SECONDS

command -v podman >/dev/null && command -v debootstrap >/dev/null \
  || die "podman and debootstrap are missing: run scripts/install/container-tools.sh first"

have=$(podman image inspect --format '{{index .Config.Labels "dev.meldtown.base.hash"}}' "$IMAGE" 2>/dev/null || true)
if [ "$have" = "$HASH" ]; then
  log "base image $IMAGE is up to date (hash $HASH, $(podman image inspect --format '{{.Size}}' "$IMAGE" | awk '{printf "%d MB", $1/1e6}'), $((SECONDS - started)) s)"
  exit 0
fi

if [ ! -s "$TARBALL" ]; then
  [ "$(id -u)" = 0 ] || die "debootstrap needs root"
  mkdir -p "$CACHE_DIR"
  work=$(mktemp -d "$CACHE_DIR/rootfs.XXXXXX")
  rootfs="$work/rootfs"
  cleanup() {
    mountpoint -q "$rootfs/proc" 2>/dev/null && umount "$rootfs/proc"
    rm -rf "$work"
  }
  trap cleanup EXIT

  log "base image: debootstrap --variant=minbase bookworm from $MIRROR"
  debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; die "debootstrap failed (log above)"; }
  step "debootstrap done"

  # Keep documentation out of everything installed from now on (copyright files stay: they are the licences).
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/01-meldtown-nodoc" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
CFG
  cat >"$rootfs/etc/apt/apt.conf.d/01-meldtown" <<'CFG'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
CFG
  cat >"$rootfs/etc/apt/sources.list" <<SRC
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb $SECURITY_MIRROR bookworm-security main
SRC
  # The JRE's postinst (ca-certificates-java) runs java, which needs /proc.
  mount -t proc proc "$rootfs/proc"
  chroot "$rootfs" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    sh -c 'apt-get update -qq && apt-get upgrade -y -qq && apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless' \
    >"$work/apt.log" 2>&1 || { tail -20 "$work/apt.log" >&2; die "installing openjdk-17-jre-headless failed (log above)"; }
  umount "$rootfs/proc"
  step "openjdk-17-jre-headless installed"

  chroot "$rootfs" groupadd --gid "$APP_GID" meldtown
  chroot "$rootfs" useradd --uid "$APP_UID" --gid "$APP_GID" --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin meldtown
  chmod 1777 "$rootfs/tmp"
  # Clean: package lists, caches, logs, docs (but copyright files) and man pages.
  chroot "$rootfs" apt-get clean
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/cache/debconf/*-old \
    "$rootfs"/var/log/*.log "$rootfs"/var/log/apt/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
    "$rootfs"/usr/share/locale/* "$rootfs"/usr/share/lintian/* "$rootfs"/tmp/* "$rootfs"/var/tmp/* "$rootfs"/root/.??* \
    "$rootfs"/debootstrap
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
  "$rootfs/usr/lib/jvm/java-17-openjdk-amd64/bin/java" -version >/dev/null 2>&1 \
    || chroot "$rootfs" java -version >/dev/null 2>&1 || die "the JRE in the rootfs does not run"

  tar --numeric-owner -C "$rootfs" -cf "$TARBALL.part" .
  mv "$TARBALL.part" "$TARBALL"
  find "$CACHE_DIR" -maxdepth 1 -name 'rootfs-*.tar' -not -name "rootfs-$HASH.tar" -delete
  step "rootfs cached: $TARBALL ($(du -m "$TARBALL" | cut -f1) MB)"
else
  log "base image: using the cached rootfs $TARBALL"
fi

podman import --quiet \
  --change "USER $APP_UID:$APP_GID" \
  --change "WORKDIR /tmp" \
  --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change "ENV LANG=C.UTF-8" \
  --change "ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64" \
  --change "LABEL org.opencontainers.image.title=meldtown-base-jre" \
  --change "LABEL org.opencontainers.image.description=Debian bookworm (minbase) with OpenJDK 17 JRE headless, user meldtown 10001:10001" \
  --change "LABEL dev.meldtown.base.hash=$HASH" \
  - "$IMAGE" <"$TARBALL" >/dev/null
step "imported as $IMAGE"
log "base image $IMAGE ready ($(podman image inspect --format '{{.Size}}' "$IMAGE" | awk '{printf "%d MB", $1/1e6}'), $((SECONDS - started)) s)"
