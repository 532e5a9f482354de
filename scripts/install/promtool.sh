#!/usr/bin/env bash
# Installs promtool, Prometheus's own checker of rule files, into $MELDTOWN_HOME/promtool-<version>/bin: built with
# `go install` from the Go module proxy (github.com/prometheus/prometheus/cmd/promtool; module v0.316.0 is
# Prometheus 3.16.0). Idempotent: an existing binary of the pinned version is kept. Prints the binary's path on
# stdout (acceptance MonitoringAsCodeTest runs this script and uses that line).
# Cold build cost (measured: 4,927 s on the shared 2-core machine under a load average of ~40; paid once per machine):
# deploy/helm/meldtown/monitoring/README.md.
set -euo pipefail
source "$(cd "$(dirname "$0")/../.." && pwd)/scripts/lib.sh"

PROMETHEUS_MODULE_VERSION=0.316.0
dir="$MELDTOWN_HOME/promtool-$PROMETHEUS_MODULE_VERSION"
if [ ! -x "$dir/bin/promtool" ] || ! "$dir/bin/promtool" --version >/dev/null 2>&1; then
  t=$SECONDS
  log "building promtool (Prometheus module v$PROMETHEUS_MODULE_VERSION, go install from the Go module proxy)"
  mkdir -p "$dir"
  GOBIN="$dir/bin.partial" GOFLAGS=-mod=mod nice go install "github.com/prometheus/prometheus/cmd/promtool@v$PROMETHEUS_MODULE_VERSION"
  rm -rf "$dir/bin" && mv "$dir/bin.partial" "$dir/bin"
  log "promtool built in $((SECONDS - t)) s"
fi
echo "$dir/bin/promtool"
