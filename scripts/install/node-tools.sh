#!/usr/bin/env bash
# Installs what scripts/k8s/node.sh needs to run a real one-node Kubernetes cluster on this machine.
# Idempotent; caches in the per-user places ($MELDTOWN_HOME, ~/go).
#   - Debian packages: containerd, runc, CNI plugins (bridge, host-local, loopback, portmap), iptables, conntrack,
#     busybox-static (the smoke-test image's one binary), gcc (the project's own sandbox "pause" program), openssl (PKI).
#   - the Kubernetes node binaries (scripts/install/kube.sh node).
#   - CoreDNS, built from the Go module proxy through a small wrapper module that links only the plugins the node
#     uses (kubernetes, forward, cache, errors, log, health, ready, bind, reload): the full plugin set drags in the
#     cloud SDKs of route53/azure/clouddns.
set -euo pipefail
source "$(cd "$(dirname "$0")/../.." && pwd)/scripts/lib.sh"
hold_install_lock node-tools
t0=$SECONDS

pkgs=(containerd runc containernetworking-plugins iptables conntrack busybox-static gcc libc6-dev openssl iproute2 curl)
missing=()
for p in "${pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  apt_get update -qq
  apt_get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

"$MELDTOWN_ROOT/scripts/install/kube.sh" node

coredns_version() { [ -x "$KUBE_BIN/coredns" ] && "$KUBE_BIN/coredns" -version 2>/dev/null | head -1 || true; }
if [ "$(coredns_version)" != "CoreDNS-${COREDNS_VERSION#v}" ]; then
  log "building coredns $COREDNS_VERSION (wrapper module, selected plugins)"
  w="$MELDTOWN_HOME/kube-wrappers/coredns-$COREDNS_VERSION"; mkdir -p "$w"
  cat > "$w/go.mod" <<MOD
module meldtown.dev/coredns-wrapper

go 1.26

require github.com/coredns/coredns $COREDNS_VERSION
MOD
  cat > "$w/main.go" <<'GO'
// CoreDNS with only the plugins a development node needs.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/forward"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"
)

func init() {
	// Same relative order as CoreDNS' own plugin.cfg.
	dnsserver.Directives = []string{"reload", "bind", "ready", "health", "errors", "log", "cache", "kubernetes", "forward"}
}

func main() { coremain.Run() }
GO
  (cd "$w" && GOFLAGS=-mod=mod go mod tidy >/dev/null 2>&1 || true
   CGO_ENABLED=0 GOFLAGS=-mod=mod go_build build -trimpath -ldflags "-s -w" -o "$KUBE_BIN/coredns" .)
  [ "$(coredns_version)" = "CoreDNS-${COREDNS_VERSION#v}" ] || die "coredns did not build"
fi
log "node tools ready ($(containerd --version | awk '{print $3}'), runc $(runc --version | awk 'NR==1{print $3}'), coredns $COREDNS_VERSION) in $((SECONDS - t0)) s"
