#!/usr/bin/env bash
# A real Kubernetes control plane on loopback: etcd and kube-apiserver (scripts/install/kube.sh builds them).
#   scripts/k8s/control-plane.sh up      start (idempotent), wait until ready, print the env line
#   scripts/k8s/control-plane.sh env     print `export KUBECONFIG=...`
#   scripts/k8s/control-plane.sh down    stop both and delete the state directory
# Certificates come from openssl (a CA, the serving cert, the service-account key pair); clients authenticate
# with a static token (--token-auth-file, group system:masters); RBAC authorizes; Pod Security Admission is on
# (the apiserver's default plugins). No node: --endpoint-reconciler-type=none.
# Settings: MELDTOWN_K8S_DIR (state, default target/k8s in the repository), MELDTOWN_ETCD_PORT (23790),
# MELDTOWN_ETCD_PEER_PORT (23800), MELDTOWN_APISERVER_PORT (26443).
set -euo pipefail
source "$(cd "$(dirname "$0")/../.." && pwd)/scripts/lib.sh"

K8S_DIR="${MELDTOWN_K8S_DIR:-$MELDTOWN_ROOT/target/k8s}"
ETCD_PORT="${MELDTOWN_ETCD_PORT:-23790}"
ETCD_PEER_PORT="${MELDTOWN_ETCD_PEER_PORT:-23800}"
APISERVER_PORT="${MELDTOWN_APISERVER_PORT:-26443}"
KUBECONFIG_FILE="$K8S_DIR/kubeconfig"

alive() { [ -f "$K8S_DIR/$1.pid" ] && kill -0 "$(cat "$K8S_DIR/$1.pid")" 2>/dev/null; }

certs() {
  local p="$K8S_DIR/pki"
  [ -s "$p/apiserver.crt" ] && return
  mkdir -p "$p" && chmod 700 "$p"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=meldtown-test-ca" \
    -keyout "$p/ca.key" -out "$p/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" -keyout "$p/apiserver.key" -out "$p/apiserver.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:10.96.0.1\nextendedKeyUsage=serverAuth\n' > "$p/apiserver.ext"
  openssl x509 -req -in "$p/apiserver.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial -days 30 \
    -extfile "$p/apiserver.ext" -out "$p/apiserver.crt" 2>/dev/null
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$p/sa.key" 2>/dev/null
  openssl pkey -in "$p/sa.key" -pubout -out "$p/sa.pub"
  local token; token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  printf '%s,admin,admin,system:masters\n' "$token" > "$p/tokens.csv"
  chmod 600 "$p"/*.key "$p/tokens.csv"
}

kubeconfig() {
  local token; token=$(cut -d, -f1 "$K8S_DIR/pki/tokens.csv")
  cat > "$KUBECONFIG_FILE" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: meldtown-test
    cluster:
      server: https://127.0.0.1:$APISERVER_PORT
      certificate-authority: $K8S_DIR/pki/ca.crt
users:
  - name: admin
    user:
      token: $token
contexts:
  - name: meldtown-test
    context: {cluster: meldtown-test, user: admin}
current-context: meldtown-test
EOF
  chmod 600 "$KUBECONFIG_FILE"
}

start() { # name logfile command...: a background process whose pid is kept
  local name=$1; shift
  setsid "$@" >"$K8S_DIR/$name.log" 2>&1 < /dev/null &
  echo $! > "$K8S_DIR/$name.pid"
}

cmd_up() {
  [ -x "$KUBE_BIN/kube-apiserver" ] && [ -x "$KUBE_BIN/etcd" ] || die "no control plane in $KUBE_BIN: run scripts/install/kube.sh"
  mkdir -p "$K8S_DIR"
  local t0=$SECONDS
  certs
  kubeconfig
  if ! alive etcd; then
    start etcd "$KUBE_BIN/etcd" --name default --data-dir "$K8S_DIR/etcd" \
      --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
      --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
      --initial-cluster "default=http://127.0.0.1:$ETCD_PEER_PORT" --unsafe-no-fsync --log-level warn
  fi
  if ! alive kube-apiserver; then
    local p="$K8S_DIR/pki"
    start kube-apiserver "$KUBE_BIN/kube-apiserver" \
      --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
      --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$APISERVER_PORT" \
      --cert-dir "$K8S_DIR/certs" --tls-cert-file "$p/apiserver.crt" --tls-private-key-file "$p/apiserver.key" \
      --client-ca-file "$p/ca.crt" --token-auth-file "$p/tokens.csv" --authorization-mode RBAC \
      --service-account-issuer https://kubernetes.default.svc --service-account-key-file "$p/sa.pub" \
      --service-account-signing-key-file "$p/sa.key" --api-audiences https://kubernetes.default.svc \
      --service-cluster-ip-range 10.96.0.0/16 --endpoint-reconciler-type none --allow-privileged=false \
      --profiling=false --v=1
  fi
  local i
  for i in $(seq 1 120); do
    if curl -fsS --max-time 2 --cacert "$K8S_DIR/pki/ca.crt" \
         -H "Authorization: Bearer $(cut -d, -f1 "$K8S_DIR/pki/tokens.csv")" \
         "https://127.0.0.1:$APISERVER_PORT/readyz" >/dev/null 2>&1; then
      log "kube-apiserver ready on https://127.0.0.1:$APISERVER_PORT in $((SECONDS - t0)) s (state $K8S_DIR)"
      cmd_env
      return 0
    fi
    alive kube-apiserver || { tail -20 "$K8S_DIR/kube-apiserver.log" >&2; die "kube-apiserver exited"; }
    alive etcd || { tail -20 "$K8S_DIR/etcd.log" >&2; die "etcd exited"; }
    sleep 0.5
  done
  tail -20 "$K8S_DIR/kube-apiserver.log" >&2
  die "kube-apiserver not ready after 60 s"
}

cmd_env() { echo "export KUBECONFIG=$KUBECONFIG_FILE"; }

cmd_down() {
  local name pid
  for name in kube-apiserver etcd; do
    if alive "$name"; then
      pid=$(cat "$K8S_DIR/$name.pid"); kill "$pid"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    fi
  done
  rm -rf "$K8S_DIR"
  log "control plane stopped"
}

case "${1:-}" in
  up) cmd_up ;;
  env) cmd_env ;;
  down) cmd_down ;;
  *) echo "usage: scripts/k8s/control-plane.sh up|env|down" >&2; exit 2 ;;
esac
