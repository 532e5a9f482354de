#!/usr/bin/env bash
# Installs the browser the console's real-browser test (acceptance ConsoleTest) drives: Debian's chromium and
# chromium-driver (the matching chromedriver). Idempotent: a rerun that finds both installs nothing. The downloaded
# .debs are kept in ~/.cache/meldtown/apt-chromium, so a reinstall on the same machine downloads nothing.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
hold_install_lock chromium

started=$SECONDS
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || die "installing chromium and chromium-driver needs root (apt-get)"
  cache="$MELDTOWN_HOME/apt-chromium"
  mkdir -p "$cache/partial"
  # apt downloads as the unprivileged _apt user where it can write (else it warns and downloads as root)
  ! id _apt >/dev/null 2>&1 || chown -R _apt "$cache/partial" 2>/dev/null || true
  log "installing chromium and chromium-driver from Debian (.debs cached in $cache)"
  apt_get update -qq
  apt_get -o Dir::Cache::archives="$cache" install -y -qq --no-install-recommends \
    chromium chromium-driver >/dev/null
fi
browser=$(chromium --version 2>/dev/null) || die "chromium does not run"
driver=$(chromedriver --version 2>/dev/null) || die "chromedriver does not run"
log "browser ready: $browser, $(echo "$driver" | awk '{print $1, $2}') ($((SECONDS - started)) s)"
