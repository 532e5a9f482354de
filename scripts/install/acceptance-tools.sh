#!/usr/bin/env bash
# Installs what only the acceptance module's tests need: the one-node Kubernetes cluster and its control plane
# (node-tools, with kube.sh), the chart checkers and CRDs (k8s-checks), Jaeger, schemathesis, Debian's chromium, and
# the rule checkers (rulecheck, promtool). Idempotent: each installer keeps what it finds complete.
#
# Cold, these are about 20 minutes of Go builds, so bin/test starts this script in the background at the lowest CPU
# priority as soon as the tools the other modules need are in, and Maven builds and tests those modules meanwhile.
# Each acceptance class runs the installers it needs before its first test (acceptance NeedsTools): every installer
# holds its own lock, so a class waits only for the build of its own tool, then finds it installed. The order below is
# the order the acceptance classes need them in: bin/stack's Jaeger first, the Kubernetes builds (kube.sh through
# node-tools, then k8s-checks) last, as the classes needing them run last (acceptance KubernetesLast). Run alone,
# this script simply installs everything.
set -euo pipefail
source "$(cd "$(dirname "$0")/../.." && pwd)/scripts/lib.sh"
hold_install_lock acceptance-tools
started=$SECONDS
for installer in jaeger chromium schemathesis rulecheck promtool node-tools k8s-checks; do
  t=$SECONDS
  # rulecheck.sh and promtool.sh print their binary's path on stdout, for the tests that call them
  bash "$MELDTOWN_ROOT/scripts/install/$installer.sh" >&2
  log "scripts/install/$installer.sh took $((SECONDS - t)) s"
done
log "acceptance tools ready in $((SECONDS - started)) s"
