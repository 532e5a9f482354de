#!/usr/bin/env bash
# Installs the reference peer libmelda-tools from crates.io (cargo install). Idempotent.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

if [ -x "$MELDA_BIN" ] && [ -s "$MELDA_TOOLS_ROOT/melda-crate-version" ]; then
  log "libmelda-tools $MELDA_TOOLS_VERSION already installed: $MELDA_BIN (melda crate $(cat "$MELDA_TOOLS_ROOT/melda-crate-version"))"
  exit 0
fi
command -v cargo >/dev/null || die "cargo (Rust) is required to install libmelda-tools"
# melda's default features pull in openssl-sys, so the build needs pkg-config and libssl-dev.
if ! pkg-config --exists openssl 2>/dev/null; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    log "installing pkg-config and libssl-dev for the openssl-sys build"
    apt_get install -y -q pkg-config libssl-dev >/dev/null
  else
    die "pkg-config and libssl-dev are required (apt-get install pkg-config libssl-dev)"
  fi
fi
if [ ! -x "$MELDA_BIN" ]; then
  log "cargo install libmelda-tools $MELDA_TOOLS_VERSION into $MELDA_TOOLS_ROOT (a few minutes the first time)"
  mkdir -p "$MELDA_TOOLS_ROOT"
  cargo install --locked --quiet --version "=$MELDA_TOOLS_VERSION" --root "$MELDA_TOOLS_ROOT" libmelda-tools
fi
[ -x "$MELDA_BIN" ] || die "cargo install finished but $MELDA_BIN is missing"
# Record which melda crate got resolved: 0.4.1 has known panics (melda-format.md §8). --locked builds
# with the crate's own Cargo.lock, so that file names the exact version.
lock=$(ls "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/libmelda-tools-"$MELDA_TOOLS_VERSION"/Cargo.lock 2>/dev/null | head -1 || true)
crate=""
[ -n "$lock" ] && crate=$(grep -A1 '^name = "melda"$' "$lock" | sed -n 's/^version = "\(.*\)"/\1/p')
echo "${crate:-unknown}" > "$MELDA_TOOLS_ROOT/melda-crate-version"
log "installed libmelda-tools $MELDA_TOOLS_VERSION: $MELDA_BIN (melda crate ${crate:-unknown})"
