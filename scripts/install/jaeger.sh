#!/usr/bin/env bash
# Builds Jaeger v2 (the `jaeger` binary: an OpenTelemetry Collector distribution with an OTLP receiver, in-memory
# trace storage and the query API/UI) from the Go module proxy into ~/.cache/meldtown/jaeger-$JAEGER_VERSION/bin.
# Idempotent: a binary that answers its version is kept. `go install` refuses the module's replace directive
# (github.com/Shopify/sarama), so it builds through a small wrapper module that repeats it.
# The Go module zip has no UI assets (they are a git submodule upstream), so the UI address shows Jaeger's
# placeholder page; the query API (/api/traces, /api/v3/traces) is complete.
set -euo pipefail
source "$(cd "$(dirname "$0")/../.." && pwd)/scripts/lib.sh"
hold_install_lock jaeger   # bin/stack and scripts/install/acceptance-tools.sh may both ask for it

mkdir -p "$JAEGER_DIR/bin"
export GOFLAGS=-mod=mod
t0=$SECONDS
if [ -x "$JAEGER_BIN" ] && "$JAEGER_BIN" version 2>/dev/null | grep -q "$JAEGER_MODULE_VERSION"; then
  log "jaeger $JAEGER_MODULE_VERSION already installed: $JAEGER_BIN"
  exit 0
fi
log "building jaeger (module $JAEGER_MODULE_VERSION, wrapper module; the first build takes several CPU-minutes)"
w="$MELDTOWN_HOME/jaeger-wrapper-$JAEGER_MODULE_VERSION"; mkdir -p "$w"
cat > "$w/go.mod" <<MOD
module meldtown.dev/jaeger-wrapper

go 1.26

require github.com/jaegertracing/jaeger $JAEGER_MODULE_VERSION

replace github.com/Shopify/sarama => github.com/Shopify/sarama v1.33.0
MOD
cat > "$w/tools.go" <<'GO'
//go:build tools

package tools

import _ "github.com/jaegertracing/jaeger/cmd/jaeger"
GO
ldflags="-s -w -X github.com/jaegertracing/jaeger/internal/version.latestVersion=$JAEGER_MODULE_VERSION -X github.com/jaegertracing/jaeger/internal/version.commitSHA=module"
(cd "$w" && go mod tidy -e >/dev/null 2>&1 || true
 cd "$w" && CGO_ENABLED=0 go_build build -trimpath -ldflags "$ldflags" -o "$JAEGER_BIN.tmp" github.com/jaegertracing/jaeger/cmd/jaeger)
mv "$JAEGER_BIN.tmp" "$JAEGER_BIN"
"$JAEGER_BIN" version >/dev/null 2>&1 || die "jaeger did not build"
log "jaeger ready: $JAEGER_BIN ($("$JAEGER_BIN" version 2>&1 | head -c 200 | tr '\n' ' ')) in $((SECONDS - t0)) s"
