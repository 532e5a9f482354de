#!/usr/bin/env bash
# Builds Dolt from the Go module proxy (dolt-federation.md §C2), newest candidate that resolves. Idempotent.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

if [ -x "$DOLT_BIN" ] && [ -f "$DOLT_BIN.pseudo" ]; then
  log "dolt already installed: $DOLT_BIN ($("$DOLT_BIN" version | head -1), module $(cat "$DOLT_BIN.pseudo"))"
  exit 0
fi
command -v go >/dev/null || die "Go is required to build Dolt (go 1.26.2 or newer)"
command -v gcc >/dev/null || die "a C compiler (gcc) is required: Dolt's gozstd dependency uses cgo"
export CGO_ENABLED=1 GOTOOLCHAIN=local GOFLAGS=-trimpath

# Pure-Go regex avoids the ICU dependency at build and run time; gcc is still needed for zstd.
tags="gms_pure_go,timetzdata"
mkdir -p "$(dirname "$DOLT_BIN")"
tmp="$(dirname "$DOLT_BIN")/.install.$$"
trap 'rm -rf "$tmp"' EXIT
for candidate in "${DOLT_CANDIDATES[@]}"; do
  pseudo="${candidate%%=*}" expected="${candidate##*=}"
  if ! go list -m "github.com/dolthub/dolt/go@$pseudo" >/dev/null 2>"$tmp.err"; then
    log "dolt $expected ($pseudo) does not resolve on this Go proxy: $(head -c 300 "$tmp.err" | tr '\n' ' ')"
    continue
  fi
  log "building dolt $expected ($pseudo) with -tags $tags; several minutes the first time"
  mkdir -p "$tmp"
  GOBIN="$tmp" go_build install -tags "$tags" "github.com/dolthub/dolt/go/cmd/dolt@$pseudo"
  actual=$("$tmp/dolt" version | sed -n 's/^dolt version //p' | head -1)
  [ "$actual" = "$expected" ] || log "note: module $pseudo reports dolt version '$actual' (expected '$expected')"
  mv -f "$tmp/dolt" "$DOLT_BIN"
  echo "$pseudo" > "$DOLT_BIN.pseudo"
  rm -f "$tmp.err"
  log "installed dolt: $DOLT_BIN ($("$DOLT_BIN" version | head -1), module $pseudo)"
  exit 0
done
rm -f "$tmp.err"
die "no Dolt candidate resolves on the Go module proxy: ${DOLT_CANDIDATES[*]}"
