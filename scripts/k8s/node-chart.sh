#!/usr/bin/env bash
# The chart on a real node (issue 9 item 4): imports the project's images into the node's containerd, installs
# deploy/helm/meldtown with the development values (in-cluster Kafka, S3Proxy, Dolt hub) into a namespace that
# enforces Pod Security `restricted`, waits for every pod and the post-install setup Job, then runs `helm test`.
#   scripts/k8s/node-chart.sh            node.sh up, images, install (or upgrade), helm test
#   scripts/k8s/node-chart.sh uninstall  helm uninstall, delete the namespace and its claims, recycle the volumes
# Inputs: the service archives <service>/target/image/<service>.tar (./mvnw -Pimages package, see images/README.md;
# MELDTOWN_SERVICE_IMAGES names another checkout holding them), the backing images (scripts/k8s/backing-images.sh,
# built when missing). MELDTOWN_NODE_CHART overrides the chart directory.
set -euo pipefail
source "$(cd "$(dirname "$0")/../.." && pwd)/scripts/lib.sh"
CHART="${MELDTOWN_NODE_CHART:-$MELDTOWN_ROOT/deploy/helm/meldtown}"
IMAGES_FROM="${MELDTOWN_SERVICE_IMAGES:-$MELDTOWN_ROOT}"
NS=meldtown RELEASE=meldtown
node="$MELDTOWN_ROOT/scripts/k8s/node.sh"
helm="$KUBE_BIN/helm"
eval "$("$node" env)"
stack_dir="$(dirname "$KUBECONFIG")/../stack"   # the JWT key pair of this node's releases (bin/stack's format)

if [ "${1:-}" = uninstall ]; then
  "$helm" uninstall "$RELEASE" -n "$NS" --wait --timeout 5m 2>/dev/null || true
  kubectl delete namespace "$NS" --ignore-not-found --wait=true --timeout=180s
  "$node" volumes
  exit 0
fi

t0=$SECONDS
step() { log "node-chart: $1 ($((SECONDS - ts)) s)"; ts=$SECONDS; }
ts=$SECONDS
"$node" up
step "node up"

archives=()
for s in block-store-service merge-service sync-orchestrator; do
  a="$IMAGES_FROM/$s/target/image/$s.tar"
  [ -s "$a" ] || die "$a is missing: build the service images first (./mvnw -Pimages package -DskipTests)"
  archives+=("$a")
done
for b in kafka s3proxy dolt; do
  [ -s "$MELDTOWN_ROOT/target/k8s-images/$b.tar" ] || { "$MELDTOWN_ROOT/scripts/k8s/backing-images.sh"; break; }
done
for b in kafka s3proxy dolt; do archives+=("$MELDTOWN_ROOT/target/k8s-images/$b.tar"); done
step "images built"
for a in "${archives[@]}"; do "$node" import "$a" | tail -1; done
step "images imported into the node"

kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply --server-side -f - >/dev/null
kubectl label namespace "$NS" --overwrite pod-security.kubernetes.io/enforce=restricted \
  pod-security.kubernetes.io/warn=restricted pod-security.kubernetes.io/audit=restricted >/dev/null
token=$(MELDTOWN_STACK_DIR="$stack_dir" "$MELDTOWN_ROOT/bin/stack" token helm-test writer)
out=$("$helm" upgrade --install "$RELEASE" "$CHART" -n "$NS" -f "$CHART/values-dev.yaml" \
        --set-file jwt.publicKey="$stack_dir/jwt/public.pem" --set tests.token="$token" \
        --wait --timeout 12m 2>&1) || { echo "$out"; kubectl -n "$NS" get pods -o wide; die "helm install failed"; }
echo "$out" | sed -n '1,/^NOTES:/p'
if grep -qi 'warning' <<<"$out"; then die "helm install printed warnings (above)"; fi
kubectl -n "$NS" get pods -o wide
step "helm install (all pods ready, setup Job done)"

"$helm" test "$RELEASE" -n "$NS" --logs --timeout 8m
step "helm test"
log "chart on the node in $((SECONDS - t0)) s"
echo "node-chart: 1 passed, 0 failed"
