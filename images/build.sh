#!/usr/bin/env bash
# Builds the container image of one service from its packaged Quarkus fast-jar, with podman (no Docker daemon),
# and saves it as an archive for `ctr images import` / `podman load`. Maven runs it in the `images` profile:
#   ./mvnw -Pimages package [-Dmeldtown.image.tag=0.1.0] [-Dmeldtown.image.base=docker.io/library/eclipse-temurin:17-jre]
# Direct use: images/build.sh SERVICE_DIR [TAG] [BASE] [SOURCE]
# Produces localhost/meldtown/<service>:<tag> and <service>/target/image/<service>.tar (docker-archive format).
set -euo pipefail
source "$(cd "$(dirname "$0")/.." && pwd)/scripts/lib.sh"

DEFAULT_BASE=localhost/meldtown/base-jre:17-bookworm
module=$(cd "${1:?usage: images/build.sh SERVICE_DIR [TAG] [BASE] [SOURCE]}" && pwd)
tag="${2:-0.1.0}"
base="${3:-$DEFAULT_BASE}"
source_url="${4:-https://github.com/meldtown/meldtown}"
service=$(basename "$module")
image="localhost/meldtown/$service:$tag"
app="$module/target/quarkus-app"
archive="$module/target/image/$service.tar"
# The project's licence (LICENSE; the root pom names it too), as an SPDX identifier.
LICENSE=Apache-2.0

started=$SECONDS
[ -s "$app/quarkus-run.jar" ] || die "$app/quarkus-run.jar is missing: package $service first (./mvnw -Pimages package)"
command -v podman >/dev/null || die "podman is missing: run scripts/install/container-tools.sh"
if [ "$base" = "$DEFAULT_BASE" ]; then
  # The project's own base: (re)build it when missing or stale; a second when it is up to date.
  bash "$MELDTOWN_ROOT/scripts/install/base-image.sh"
fi
grep -q "Apache License" "$MELDTOWN_ROOT/LICENSE" && grep -q "Version 2.0" "$MELDTOWN_ROOT/LICENSE" \
  || die "LICENSE is no longer Apache-2.0: update LICENSE= in images/build.sh"
# safe.directory: a checkout owned by another user (a CI runner's clone) is still read, not refused as "dubious".
revision=$(git -c safe.directory='*' -C "$MELDTOWN_ROOT" rev-parse HEAD 2>/dev/null || echo unknown)
previous=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)

t=$SECONDS
podman build --quiet --pull=missing --layers \
  -f "$MELDTOWN_ROOT/images/Containerfile" \
  --build-arg "BASE=$base" \
  --label "org.opencontainers.image.title=$service" \
  --label "org.opencontainers.image.description=Meldtown $service (Quarkus fast-jar)" \
  --label "org.opencontainers.image.version=$tag" \
  --label "org.opencontainers.image.revision=$revision" \
  --label "org.opencontainers.image.source=$source_url" \
  --label "org.opencontainers.image.licenses=$LICENSE" \
  --label "org.opencontainers.image.vendor=Meldtown" \
  --label "org.opencontainers.image.base.name=$base" \
  -t "$image" "$app" >/dev/null
log "image $image built from $base in $((SECONDS - t)) s"

# The image this tag named before, now unnamed: remove it so repeated builds do not fill the disk.
current=$(podman image inspect --format '{{.Id}}' "$image")
if [ -n "$previous" ] && [ "$previous" != "$current" ] \
   && [ -z "$(podman image inspect --format '{{join .RepoTags ","}}' "$previous" 2>/dev/null)" ]; then
  podman rmi "$previous" >/dev/null 2>&1 || true
fi

t=$SECONDS
mkdir -p "$(dirname "$archive")"
rm -f "$archive"
podman save --quiet --format docker-archive -o "$archive" "$image"
log "image $image saved to ${archive#"$MELDTOWN_ROOT"/} ($(du -m "$archive" | cut -f1) MB) in $((SECONDS - t)) s"
log "image $service done in $((SECONDS - started)) s: $(podman image inspect --format '{{.Size}}' "$image" | awk '{printf "%d MB", $1/1e6}'), revision $revision"
