#!/usr/bin/env bash
# Installs the real `promtool` binary from Debian's `prometheus` package (bookworm: Prometheus 2.42) into
# $MELDTOWN_HOME/promtool-<version>/bin: the package is downloaded and unpacked (`apt-get download`, `dpkg-deb -x`),
# not installed, so no Prometheus server is set up. Seconds, where building promtool from the Go module proxy took
# 4,927 s. acceptance MonitoringAsCodeTest checks the rules with it and with rulecheck (scripts/install/rulecheck.sh,
# Prometheus 3.16's rule parser): an old and a current Prometheus must both accept them.
# Idempotent. Prints the binary's path on stdout.
set -euo pipefail
source "$(cd "$(dirname "$0")/../.." && pwd)/scripts/lib.sh"
hold_install_lock promtool

version=$(apt-cache policy prometheus 2>/dev/null | awk '/Candidate:/{print $2}')
if [ -z "$version" ] || [ "$version" = "(none)" ]; then
  apt_get update -qq
  version=$(apt-cache policy prometheus | awk '/Candidate:/{print $2}')
fi
[ -n "$version" ] && [ "$version" != "(none)" ] || die "Debian's prometheus package is not available"
dir="$MELDTOWN_HOME/promtool-${version//[^A-Za-z0-9.+-]/_}"
if [ ! -x "$dir/bin/promtool" ] || ! "$dir/bin/promtool" --version >/dev/null 2>&1; then
  t=$SECONDS
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  chmod 777 "$tmp"   # apt's download user must be able to write there
  (cd "$tmp" && apt_get download -q "prometheus=$version" >/dev/null 2>&1) || die "apt-get download prometheus=$version failed"
  dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/x"
  mkdir -p "$dir/bin"
  install -m 755 "$tmp/x/usr/bin/promtool" "$dir/bin/promtool"
  log "promtool $("$dir/bin/promtool" --version 2>&1 | head -1 | awk '{print $3}') installed from Debian in $((SECONDS - t)) s"
fi
echo "$dir/bin/promtool"
