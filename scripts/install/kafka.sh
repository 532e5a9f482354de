#!/usr/bin/env bash
# Installs the Apache Kafka broker (KRaft) as plain jars from Maven Central. Idempotent.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

if [ -f "$KAFKA_DIR/.complete" ]; then
  log "kafka $KAFKA_VERSION already installed: $KAFKA_DIR ($(ls "$KAFKA_DIR/libs" | wc -l) jars)"
  exit 0
fi
log "resolving kafka_2.13 $KAFKA_VERSION jars into $KAFKA_DIR"
rm -rf "$KAFKA_DIR" && mkdir -p "$KAFKA_DIR/libs"
"$MELDTOWN_ROOT/mvnw" -q -B -f "$MELDTOWN_ROOT/scripts/install/kafka-broker.pom.xml" \
  -Dkafka.version="$KAFKA_VERSION" \
  org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
  -DoutputDirectory="$KAFKA_DIR/libs" -DincludeScope=runtime
ls "$KAFKA_DIR/libs" | grep -q "^kafka_2.13-$KAFKA_VERSION.jar$" || die "kafka_2.13-$KAFKA_VERSION.jar was not resolved"
touch "$KAFKA_DIR/.complete"
log "installed kafka $KAFKA_VERSION: $KAFKA_DIR ($(ls "$KAFKA_DIR/libs" | wc -l) jars)"
