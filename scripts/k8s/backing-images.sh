#!/usr/bin/env bash
# Builds the three backing images the chart's development values use, from the project's own Debian base
# (scripts/install/base-image.sh), with podman (no Docker daemon, no registry), and saves each as an archive for
# `scripts/k8s/node.sh import` / `ctr images import`:
#   localhost/meldtown/kafka:4.4.0     base + curl + the Kafka jars under /opt/kafka/libs (broker and kafka-tools):
#                                      the development broker, the setup Job and the `helm test` pods
#   localhost/meldtown/s3proxy:4.1.0   base + /opt/s3proxy/s3proxy.jar (the jar scripts/install/s3proxy.sh fetches)
#   localhost/meldtown/dolt:1.88.1     base + /usr/local/bin/dolt (the binary scripts/install/dolt.sh builds)
# All run as 10001:10001. Archives go to $MELDTOWN_ROOT/target/k8s-images/<name>.tar.
#   scripts/k8s/backing-images.sh
set -euo pipefail
source "$(cd "$(dirname "$0")/../.." && pwd)/scripts/lib.sh"
BASE=localhost/meldtown/base-jre:17-bookworm
OUT="$MELDTOWN_ROOT/target/k8s-images"
t0=$SECONDS
mkdir -p "$OUT"
bash "$MELDTOWN_ROOT/scripts/install/base-image.sh"
[ -s "$S3PROXY_JAR" ] || bash "$MELDTOWN_ROOT/scripts/install/s3proxy.sh"
[ -x "$DOLT_BIN" ] || bash "$MELDTOWN_ROOT/scripts/install/dolt.sh"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

# build NAME TAG: builds $work/NAME (its Containerfile) and saves the archive.
build() {
  local name=$1 tag=$2 t=$SECONDS image="localhost/meldtown/$1:$2"
  podman build --quiet --pull=never --layers --build-arg "BASE=$BASE" \
    --label org.opencontainers.image.title="meldtown-$name" --label org.opencontainers.image.version="$tag" \
    --label org.opencontainers.image.licenses=Apache-2.0 --label org.opencontainers.image.base.name="$BASE" \
    -t "$image" "$work/$name" >/dev/null
  rm -f "$OUT/$name.tar"
  podman save --quiet --format docker-archive -o "$OUT/$name.tar" "$image"
  log "image $image -> ${OUT#"$MELDTOWN_ROOT"/}/$name.tar ($(du -m "$OUT/$name.tar" | cut -f1) MB) in $((SECONDS - t)) s"
}

mkdir -p "$work/kafka/libs"
mvnw -f "$MELDTOWN_ROOT/scripts/k8s/kafka-image.pom.xml" \
  org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
  -DoutputDirectory="$work/kafka/libs" -DincludeScope=runtime
cat > "$work/kafka/Containerfile" <<'CF'
ARG BASE
FROM ${BASE}
USER 0:0
RUN mkdir -p /var/lib/apt/lists/partial && apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends curl ca-certificates >/dev/null \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
COPY --chown=0:0 libs/ /opt/kafka/libs/
USER 10001:10001
WORKDIR /tmp
CF
build kafka "$KAFKA_VERSION"

mkdir -p "$work/s3proxy"; cp "$S3PROXY_JAR" "$work/s3proxy/s3proxy.jar"
printf 'ARG BASE\nFROM ${BASE}\nCOPY --chown=0:0 s3proxy.jar /opt/s3proxy/s3proxy.jar\nUSER 10001:10001\nWORKDIR /tmp\n' \
  > "$work/s3proxy/Containerfile"
build s3proxy "$S3PROXY_VERSION"

mkdir -p "$work/dolt"; cp "$DOLT_BIN" "$work/dolt/dolt"
dolt_version=$("$DOLT_BIN" version | awk 'NR==1{print $3}')
printf 'ARG BASE\nFROM ${BASE}\nCOPY --chown=0:0 dolt /usr/local/bin/dolt\nUSER 10001:10001\nWORKDIR /tmp\n' \
  > "$work/dolt/Containerfile"
build dolt "$dolt_version"
log "backing images ready in $((SECONDS - t0)) s"
