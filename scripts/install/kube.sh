#!/usr/bin/env bash
# Builds a real Kubernetes control plane (and optionally node) plus Helm from the Go module proxy, into
# ~/.cache/meldtown/kube-$KUBE_VERSION/bin. Idempotent: a binary that answers its version is kept.
#   scripts/install/kube.sh            etcd, kube-apiserver, helm
#   scripts/install/kube.sh node       also kube-scheduler, kube-controller-manager, kubelet, kube-proxy
# `go install` refuses the replace directives of etcd and kubernetes, so each builds through a small wrapper module:
# etcd's four sibling modules pinned to its own version, and kubernetes' 33 staging modules to v0.<minor>.<patch>.
set -euo pipefail
source "$(cd "$(dirname "$0")/../.." && pwd)/scripts/lib.sh"
hold_install_lock kube

want_node=0; [ "${1:-}" = node ] && want_node=1
mkdir -p "$KUBE_BIN"
export GOFLAGS=-mod=mod
t0=$SECONDS

have() { [ -x "$KUBE_BIN/$1" ] && "$KUBE_BIN/$1" $2 2>/dev/null | grep -q -- "$3"; }

# ---- helm (plain go install: no replace directives)
# (`helm version` of a go-installed helm says only "v4.3": the module version comes from the binary's build info)
if ! { [ -x "$KUBE_BIN/helm" ] && go version -m "$KUBE_BIN/helm" | grep -q "^[[:space:]]*mod[[:space:]]*helm.sh/helm/v4[[:space:]]*v$HELM_VERSION[[:space:]]"; }; then
  log "building helm $HELM_VERSION (go install)"
  GOBIN="$KUBE_BIN" go_build install -trimpath -ldflags "-s -w" "helm.sh/helm/v4/cmd/helm@v$HELM_VERSION"
fi

# ---- etcd
if ! have etcd --version "etcd Version: $ETCD_VERSION"; then
  log "building etcd $ETCD_VERSION (wrapper module)"
  w="$MELDTOWN_HOME/kube-wrappers/etcd-$ETCD_VERSION"; mkdir -p "$w"
  cat > "$w/go.mod" <<MOD
module meldtown.dev/etcd-wrapper

go 1.26

require go.etcd.io/etcd/server/v3 v$ETCD_VERSION

replace (
	go.etcd.io/etcd/api/v3 => go.etcd.io/etcd/api/v3 v$ETCD_VERSION
	go.etcd.io/etcd/client/pkg/v3 => go.etcd.io/etcd/client/pkg/v3 v$ETCD_VERSION
	go.etcd.io/etcd/client/v3 => go.etcd.io/etcd/client/v3 v$ETCD_VERSION
	go.etcd.io/etcd/pkg/v3 => go.etcd.io/etcd/pkg/v3 v$ETCD_VERSION
)
MOD
  (cd "$w" && go_build build -trimpath -ldflags "-s -w" -o "$KUBE_BIN/etcd" go.etcd.io/etcd/server/v3)
fi

# ---- kubernetes
targets=(kube-apiserver)
[ $want_node = 1 ] && targets+=(kube-scheduler kube-controller-manager kubelet kube-proxy)
missing=()
for t in "${targets[@]}"; do have "$t" --version "v$KUBE_VERSION" || missing+=("$t"); done
if [ ${#missing[@]} -gt 0 ]; then
  log "building ${missing[*]} $KUBE_VERSION (wrapper module; the first build takes 10-15 CPU-minutes)"
  w="$MELDTOWN_HOME/kube-wrappers/kubernetes-$KUBE_VERSION"; mkdir -p "$w"
  staging_version="v0.${KUBE_VERSION#*.}"
  {
    printf 'module meldtown.dev/kubernetes-wrapper\n\ngo 1.26\n\nrequire k8s.io/kubernetes v%s\n\nreplace (\n' "$KUBE_VERSION"
    for m in api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider cluster-bootstrap \
             code-generator component-base component-helpers controller-manager cri-api cri-client cri-streaming \
             csi-translation-lib dynamic-resource-allocation endpointslice externaljwt kms kube-aggregator \
             kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics mount-utils \
             pod-security-admission sample-apiserver sample-cli-plugin sample-controller streaming; do
      printf '\tk8s.io/%s => k8s.io/%s %s\n' "$m" "$m" "$staging_version"
    done
    printf ')\n'
  } > "$w/go.mod"
  minor="${KUBE_VERSION#*.}"; minor="${minor%%.*}"
  ldflags="-s -w -X k8s.io/component-base/version.gitVersion=v$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
  pkgs=(); for t in "${missing[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$t"); done
  (cd "$w" && CGO_ENABLED=0 go_build build -trimpath -ldflags "$ldflags" -o "$KUBE_BIN/" "${pkgs[@]}")
fi
for t in "${targets[@]}"; do have "$t" --version "v$KUBE_VERSION" || die "$t did not build"; done
log "kube tools ready in $KUBE_BIN ($(ls "$KUBE_BIN" | tr '\n' ' ')) in $((SECONDS - t0)) s"
