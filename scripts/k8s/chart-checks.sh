#!/usr/bin/env bash
# Checks of the Helm chart deploy/helm/meldtown, one step at a time (acceptance HelmChartTest runs each step):
#   lint         helm lint --strict with values-dev.yaml and values-prod.yaml
#   template     helm template both into target/chart-checks/{dev,prod}.yaml
#   validate     kubernetes-validate --strict on both renders (custom resources: see crs)
#   checkov      checkov on both renders, skipping deploy/helm/checks/checkov-skips.txt
#   kube-score   kube-score on both renders, ignoring deploy/helm/checks/kube-score-skips.txt
#   up           the control plane (scripts/k8s/control-plane.sh up) and the CRDs (KEDA, prometheus-operator, Strimzi)
#   install      helm install (dev values) into namespace meldtown, labelled Pod Security restricted; no warning allowed;
#                the hook Job and test pods created for real too (there is no node to run them)
#   crs          helm install (prod values) into meldtown-prod: Kafka, KafkaNodePool, KafkaTopic, ScaledObject,
#                ServiceMonitor, PrometheusRule stored through their real CRD schemas (strict field validation)
#   upgrade      helm upgrade with a changed config value rolls the pods (checksum annotation changes); one without
#                changes keeps it
#   down         stop the control plane
# Needs scripts/install/kube.sh and scripts/install/k8s-checks.sh. Ports: see control-plane.sh.
set -euo pipefail
source "$(cd "$(dirname "$0")/../.." && pwd)/scripts/lib.sh"

CHART="$MELDTOWN_ROOT/deploy/helm/meldtown"
CHECKS="$MELDTOWN_ROOT/deploy/helm/checks"
OUT="${MELDTOWN_CHART_CHECKS_DIR:-$MELDTOWN_ROOT/target/chart-checks}"
K8S_CHECKS="$MELDTOWN_HOME/k8s-checks"
HELM="$KUBE_BIN/helm"
mkdir -p "$OUT"
export HELM_CACHE_HOME="$OUT/helm/cache" HELM_CONFIG_HOME="$OUT/helm/config" HELM_DATA_HOME="$OUT/helm/data"

kubectl_bin() { # the newest fixed client beside kubectl (closest to the 1.36 server), else kubectl
  local k dir; k=$(command -v kubectl) || die "kubectl is not installed"
  dir=$(dirname "$(readlink -f "$k")")
  for v in 1.36 1.35 1.34 1.33; do [ -x "$dir/kubectl.$v" ] && { echo "$dir/kubectl.$v"; return; }; done
  echo "$k"
}
kc() { KUBECONFIG="$(bash "$MELDTOWN_ROOT/scripts/k8s/control-plane.sh" env | cut -d= -f2)" "$(kubectl_bin)" "$@"; }

# Development values need the deployment's JWT public key and a test token: the local stack's key pair makes both.
dev_args() {
  local stack="$OUT/stack"
  if [ ! -s "$OUT/test-token" ]; then
    MELDTOWN_STACK_DIR="$stack" "$MELDTOWN_ROOT/bin/stack" token helm-test writer > "$OUT/test-token"
  fi
  printf '%s\n' -f "$CHART/values-dev.yaml" --set-file "jwt.publicKey=$stack/jwt/public.pem" --set-file "tests.token=$OUT/test-token"
}
prod_args() { printf '%s\n' -f "$CHART/values-prod.yaml"; }

skips() { # file: the first word of every non-comment line
  grep -v '^\s*#' "$1" | awk 'NF { print $1 }'
}

no_warnings() { # file label
  if grep -qi 'warning' "$1"; then cat "$1" >&2; die "$2 printed warnings"; fi
}

step_lint() {
  mapfile -t dev < <(dev_args); mapfile -t prod < <(prod_args)
  "$HELM" lint --strict "$CHART" "${dev[@]}"
  "$HELM" lint --strict "$CHART" "${prod[@]}"
}

step_template() {
  mapfile -t dev < <(dev_args); mapfile -t prod < <(prod_args)
  "$HELM" template meldtown "$CHART" --namespace meldtown "${dev[@]}" > "$OUT/dev.yaml"
  "$HELM" template meldtown "$CHART" --namespace meldtown-prod "${prod[@]}" > "$OUT/prod.yaml"
  log "rendered $(grep -c '^kind:' "$OUT/dev.yaml") dev and $(grep -c '^kind:' "$OUT/prod.yaml") prod objects into $OUT"
}

# kubernetes-validate knows the built-in kinds; custom resources are validated by the API server (step crs).
builtin_only() { # in out
  "$K8S_CHECKS/venv/bin/python" - "$1" "$2" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
builtin = [d for d in docs if "." not in d["apiVersion"].split("/")[0] or d["apiVersion"].split("/")[0].endswith(".k8s.io")]
yaml.safe_dump_all(builtin, open(sys.argv[2], "w"), sort_keys=False)
print(f"{len(builtin)} built-in of {len(docs)} objects", file=sys.stderr)
PY
}

step_validate() {
  local f
  for f in dev prod; do
    builtin_only "$OUT/$f.yaml" "$OUT/$f-builtin.yaml"
    "$K8S_CHECKS/venv/bin/kubernetes-validate" --strict --kubernetes-version "${KUBE_VERSION%.*}.0" "$OUT/$f-builtin.yaml"
  done
}

step_checkov() {
  local skip; skip=$(skips "$CHECKS/checkov-skips.txt" | paste -sd, -)
  BC_SKIP_MAPPING=TRUE "$K8S_CHECKS/venv/bin/checkov" --quiet --compact --framework kubernetes \
    --skip-check "$skip" -f "$OUT/dev.yaml" -f "$OUT/prod.yaml"
}

step_kube_score() {
  local args=() t
  for t in $(skips "$CHECKS/kube-score-skips.txt"); do args+=(--ignore-test "$t"); done
  "$K8S_CHECKS/bin/kube-score" score --output-format ci "${args[@]}" "$OUT/dev.yaml" "$OUT/prod.yaml" > "$OUT/kube-score.txt" || {
    grep -E '^\[(CRITICAL|WARNING)\]' "$OUT/kube-score.txt" >&2; die "kube-score found problems"; }
  if grep -E '^\[(CRITICAL|WARNING)\]' "$OUT/kube-score.txt" >&2; then die "kube-score found problems"; fi
  log "kube-score: $(grep -c '^\[OK\]' "$OUT/kube-score.txt") checks OK"
}

step_up() {
  bash "$MELDTOWN_ROOT/scripts/k8s/control-plane.sh" up >/dev/null
  kc apply --server-side -f "$K8S_CHECKS/crds/" > "$OUT/crds.txt"
  # A CRD only just created has no status yet (kubectl wait then fails at once): retry until all are established.
  local i
  for i in $(seq 1 60); do
    kc wait --for condition=established --timeout=10s crd --all >/dev/null 2>"$OUT/crd-wait.err" && break
    [ "$i" = 60 ] && { cat "$OUT/crd-wait.err" >&2; die "the CRDs were not established"; }
    sleep 1
  done
  log "CRDs established: $(kc get crd -o name | wc -l)"
}

restricted_namespace() { # name
  kc create namespace "$1" --dry-run=client -o yaml | kc apply -f - >/dev/null
  kc label --overwrite namespace "$1" pod-security.kubernetes.io/enforce=restricted \
    pod-security.kubernetes.io/warn=restricted pod-security.kubernetes.io/audit=restricted \
    pod-security.kubernetes.io/enforce-version=latest >/dev/null
}

helm_k() { KUBECONFIG="$(bash "$MELDTOWN_ROOT/scripts/k8s/control-plane.sh" env | cut -d= -f2)" "$HELM" "$@"; }

step_install() {
  mapfile -t dev < <(dev_args)
  restricted_namespace meldtown
  # No node runs pods here, and a hook Job would be waited for: hooks are created below, for real, with kubectl.
  helm_k upgrade --install meldtown "$CHART" --namespace meldtown "${dev[@]}" --no-hooks \
    > "$OUT/install.out" 2> "$OUT/install.err" || { cat "$OUT/install.err" >&2; die "helm install failed"; }
  no_warnings "$OUT/install.err" "helm install"
  "$HELM" template meldtown "$CHART" --namespace meldtown "${dev[@]}" \
    --show-only templates/setup-job.yaml --show-only templates/tests/tests.yaml > "$OUT/hooks.yaml"
  "$K8S_CHECKS/venv/bin/python" - "$OUT/hooks.yaml" "$OUT/hooks-only.yaml" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and "helm.sh/hook" in d["metadata"].get("annotations", {})]
yaml.safe_dump_all(docs, open(sys.argv[2], "w"), sort_keys=False)
PY
  kc delete -n meldtown -f "$OUT/hooks-only.yaml" --ignore-not-found >/dev/null
  kc create -n meldtown --validate=strict -f "$OUT/hooks-only.yaml" > "$OUT/hooks.out" 2> "$OUT/hooks.err" || {
    cat "$OUT/hooks.err" >&2; die "creating the hook Job and test pods failed"; }
  no_warnings "$OUT/hooks.err" "creating the hook Job and test pods"
  # The namespace really enforces the profile: a pod without the chart's security context is refused.
  if kc run -n meldtown psa-probe --image=localhost/meldtown/kafka:4.4.0 --restart=Never \
       --overrides='{"spec":{"serviceAccountName":"meldtown-tools","automountServiceAccountToken":false}}' > "$OUT/psa.out" 2>&1; then
    kc delete -n meldtown pod/psa-probe >/dev/null; die "Pod Security restricted did not refuse an unconfined pod"
  fi
  grep -q 'violates PodSecurity "restricted' "$OUT/psa.out" || { cat "$OUT/psa.out" >&2; die "the unconfined pod failed for another reason"; }
  kc get -n meldtown deployments,statefulsets,services,serviceaccounts,configmaps,secrets,poddisruptionbudgets,horizontalpodautoscalers,networkpolicies,jobs,pods \
    -l app.kubernetes.io/instance=meldtown -o name | tee "$OUT/stored-dev.txt"
}

step_crs() {
  mapfile -t prod < <(prod_args)
  restricted_namespace meldtown-prod
  helm_k upgrade --install meldtown "$CHART" --namespace meldtown-prod "${prod[@]}" --no-hooks \
    > "$OUT/install-prod.out" 2> "$OUT/install-prod.err" || { cat "$OUT/install-prod.err" >&2; die "helm install (prod) failed"; }
  no_warnings "$OUT/install-prod.err" "helm install (prod)"
  # Negative control: the stored CRDs do check these kinds (a misspelt field and a wrong type are refused).
  local bad
  for bad in '{"spec":{"partitionz":3}}' '{"spec":{"partitions":"many"}}'; do
    if kc get -n meldtown-prod kafkatopic/meldtown.blocks -o json | "$K8S_CHECKS/venv/bin/python" -c \
         'import json,sys; d=json.load(sys.stdin); p=json.loads(sys.argv[1]); d["spec"].update(p["spec"]); d["metadata"]={"name":"bad-topic","labels":d["metadata"]["labels"]}; print(json.dumps(d))' "$bad" \
       | kc create -n meldtown-prod --validate=strict --dry-run=server -f - > "$OUT/bad-cr.out" 2>&1; then
      die "the KafkaTopic CRD accepted $bad"
    fi
  done
  kc get -n meldtown-prod kafkas.kafka.strimzi.io,kafkanodepools.kafka.strimzi.io,kafkatopics.kafka.strimzi.io,scaledobjects.keda.sh,servicemonitors.monitoring.coreos.com,prometheusrules.monitoring.coreos.com,ingresses,deployments \
    -o name | tee "$OUT/stored-prod.txt"
}

checksum() { kc get -n meldtown deployment/meldtown-block-store-service -o jsonpath='{.spec.template.metadata.annotations.checksum/config}'; }

step_upgrade() {
  mapfile -t dev < <(dev_args)
  local before same after
  before=$(checksum)
  helm_k upgrade meldtown "$CHART" --namespace meldtown "${dev[@]}" --no-hooks > /dev/null 2> "$OUT/upgrade-same.err"
  no_warnings "$OUT/upgrade-same.err" "helm upgrade"
  same=$(checksum)
  helm_k upgrade meldtown "$CHART" --namespace meldtown "${dev[@]}" --no-hooks \
    --set javaOpts="-XX:MaxRAMPercentage=60" > /dev/null 2> "$OUT/upgrade.err"
  no_warnings "$OUT/upgrade.err" "helm upgrade"
  after=$(checksum)
  echo "checksum/config before=$before unchanged-upgrade=$same changed-upgrade=$after"
  [ -n "$before" ] && [ "$before" = "$same" ] || die "an upgrade without changes changed the checksum"
  [ "$before" != "$after" ] || die "changing javaOpts did not change the checksum annotation"
  [ "$(kc get -n meldtown configmap/meldtown -o jsonpath='{.data.JAVA_OPTS_APPEND}')" = "-XX:MaxRAMPercentage=60" ] \
    || die "the ConfigMap was not updated"
}

step_down() { bash "$MELDTOWN_ROOT/scripts/k8s/control-plane.sh" down; }

[ $# -eq 1 ] || { sed -n '2,16p' "$0" >&2; exit 2; }
[ -x "$HELM" ] || die "no helm in $KUBE_BIN: run scripts/install/kube.sh"
t0=$SECONDS
case "$1" in
  lint) step_lint ;;
  template) step_template ;;
  validate) step_validate ;;
  checkov) step_checkov ;;
  kube-score) step_kube_score ;;
  up) step_up ;;
  install) step_install ;;
  crs) step_crs ;;
  upgrade) step_upgrade ;;
  down) step_down ;;
  *) die "unknown step '$1'" ;;
esac
log "chart check '$1' passed in $((SECONDS - t0)) s"
