#!/usr/bin/env bash
# Installs S3Proxy (a real S3 server) as its jar-with-dependencies from Maven Central. Idempotent.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

if [ -s "$S3PROXY_JAR" ]; then
  log "s3proxy $S3PROXY_VERSION already installed: $S3PROXY_JAR"
  exit 0
fi
log "resolving org.gaul:s3proxy:$S3PROXY_VERSION:jar-with-dependencies"
mkdir -p "$(dirname "$S3PROXY_JAR")"
"$MELDTOWN_ROOT/mvnw" -q -B -f "$MELDTOWN_ROOT/scripts/install/kafka-broker.pom.xml" \
  org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
  -Dartifact="org.gaul:s3proxy:$S3PROXY_VERSION:jar:jar-with-dependencies" \
  -DoutputDirectory="$(dirname "$S3PROXY_JAR")"
[ -s "$S3PROXY_JAR" ] || die "s3proxy jar was not resolved"
log "installed s3proxy $S3PROXY_VERSION: $S3PROXY_JAR ($(du -h "$S3PROXY_JAR" | cut -f1))"
