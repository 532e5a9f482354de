# Shared helpers for Meldtown's scripts. Sourced, never executed.
# Per-user tool location: survives fresh clones so CI and later runs reuse installs.
MELDTOWN_HOME="${MELDTOWN_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/meldtown}"
MELDTOWN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export MELDTOWN_HOME MELDTOWN_ROOT

# Pinned versions (see shared/spec/stack-notes.md and dolt-federation.md §C).
# Dolt candidates, newest first, as "pseudo-version=expected `dolt version`". The Go proxy mirror
# refuses v2.3.1 (403 "not available", checked 2026-11-22); v1.88.1 is the version Beads pins.
DOLT_CANDIDATES=(
  "v0.40.5-0.20260819193234-b15770fe5882=2.3.1"
  "v0.40.5-0.20260507221239-14b38e279fc6=1.88.1"
)
KAFKA_VERSION="4.4.0"
S3PROXY_VERSION="4.1.0"
MELDA_TOOLS_VERSION="0.2.0"
# Kubernetes tooling (scripts/install/kube.sh): built from the Go module proxy through wrapper modules.
KUBE_VERSION="1.36.3"
ETCD_VERSION="3.6.8"
HELM_VERSION="4.3.2"
COREDNS_VERSION="v1.15.0"   # scripts/install/node-tools.sh: cluster DNS of the dev node (scripts/k8s/node.sh)

DOLT_BIN="$MELDTOWN_HOME/dolt/bin/dolt"
MELDA_TOOLS_ROOT="$MELDTOWN_HOME/libmelda-tools-$MELDA_TOOLS_VERSION"
MELDA_BIN="$MELDA_TOOLS_ROOT/bin/libmelda-tools"
KAFKA_DIR="$MELDTOWN_HOME/kafka-$KAFKA_VERSION"
S3PROXY_JAR="$MELDTOWN_HOME/s3proxy-$S3PROXY_VERSION/s3proxy-$S3PROXY_VERSION-jar-with-dependencies.jar"
KUBE_BIN="$MELDTOWN_HOME/kube-$KUBE_VERSION/bin"
export DOLT_BIN MELDA_BIN KAFKA_DIR S3PROXY_JAR KUBE_BIN

# Trace backend of the local stack (scripts/install/jaeger.sh): Jaeger v2 built from the Go module proxy. The module's
# v1.x tags carry the v2 binary cmd/jaeger (v1.76.0 is Jaeger 2.13).
JAEGER_MODULE_VERSION="v1.76.0"
JAEGER_DIR="$MELDTOWN_HOME/jaeger-$JAEGER_MODULE_VERSION"
JAEGER_BIN="$JAEGER_DIR/bin/jaeger"
export JAEGER_BIN

log()  { printf '[meldtown] %s\n' "$*" >&2; }
die()  { printf '[meldtown] error: %s\n' "$*" >&2; exit 1; }

# Serialises an installer across processes, until the calling script exits: bin/test runs the acceptance tools'
# installers in the background while Maven builds the other modules (scripts/install/acceptance-tools.sh), and an
# acceptance class (NeedsTools), bin/stack or a user may ask for the same tool meanwhile. The second caller waits, then finds the
# tool installed. flock(1) is in util-linux, on every Debian machine.
hold_install_lock() {
  mkdir -p "$MELDTOWN_HOME/locks"
  exec {MELDTOWN_LOCK_FD}>"$MELDTOWN_HOME/locks/$1.lock"
  if ! flock -n "$MELDTOWN_LOCK_FD"; then
    log "waiting for another install of $1 to finish (lock $MELDTOWN_HOME/locks/$1.lock)"
    flock "$MELDTOWN_LOCK_FD"
  fi
}

# Every apt-get of the project's installers: one at a time, since installers can run at once (bin/test's background
# install of the acceptance tools beside bin/stack or a user's own; apt's own locks make a second apt-get fail at
# once, and `apt-get update` does not wait for the lists lock), and waiting up to 10 minutes for a dpkg lock that
# another job on the machine holds.
apt_get() {
  mkdir -p "$MELDTOWN_HOME/locks"
  DEBIAN_FRONTEND=noninteractive flock "$MELDTOWN_HOME/locks/apt.lock" apt-get -o DPkg::Lock::Timeout=600 "$@"
}

# Every Go build of the project's installers (Dolt, Kubernetes, Helm, etcd, CoreDNS, Jaeger, kube-score, rulecheck), at
# a low CPU priority, with the compiler's garbage collector at GOGC=400 instead of 100. etcd 3.6.8 with an empty build
# cache, runs alternated on 2026-12-03: GOGC=100 took 127 and 139 CPU-seconds (user+sys), 400 took 113, 96 and 123
# (800: 115, off: 113), and no compile's peak RSS passed 0.7 GB. Only the builds get it: the servers these scripts start
# keep Go's default. MELDTOWN_GO_BUILD_GOGC overrides it.
go_build() { GOGC="${MELDTOWN_GO_BUILD_GOGC:-400}" nice go "$@"; }

mvnw() { "$MELDTOWN_ROOT/mvnw" -q -B "$@"; }

# Containers (see scripts/containers/containers.conf): every podman call the project makes reads this config.
CONTAINERS_CONF="${MELDTOWN_CONTAINERS_CONF:-$MELDTOWN_ROOT/scripts/containers/containers.conf}"
export CONTAINERS_CONF
