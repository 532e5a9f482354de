#!/usr/bin/env bash
# Smoke test of the node that scripts/k8s/node.sh runs: in a namespace enforcing Pod Security `restricted`, a web
# server pod (the project's busybox image) behind a Service, and a client pod that resolves the Service by its DNS
# name through the cluster DNS and fetches the page through kube-proxy's Service rules. Exits non-zero on any
# failure or Pod Security warning. Leaves nothing behind (the namespace is deleted).
#   scripts/k8s/node-smoke.sh
set -euo pipefail
source "$(cd "$(dirname "$0")/../.." && pwd)/scripts/lib.sh"
eval "$("$MELDTOWN_ROOT/scripts/k8s/node.sh" env)"
ns=node-smoke
t0=$SECONDS
kubectl delete namespace "$ns" --ignore-not-found --wait=true >/dev/null
trap 'kubectl delete namespace "$ns" --ignore-not-found --wait=false >/dev/null 2>&1 || true' EXIT

sc='{"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}, "readOnlyRootFilesystem": true}'
psc='{"runAsNonRoot": true, "runAsUser": 65532, "runAsGroup": 65532, "seccompProfile": {"type": "RuntimeDefault"}}'
# kubectl apply, its output shown (also when it fails: a failed $(…) would end the script silently under set -e)
apply() {
  local out status=0
  out=$(kubectl apply --server-side -f - 2>&1) || status=$?
  echo "$out"
  [ $status -eq 0 ] || die "kubectl apply failed (exit $status)"
  if grep -qi warning <<<"$out"; then die "Pod Security or API warnings above"; fi
}

apply <<YAML
apiVersion: v1
kind: Namespace
metadata:
  name: $ns
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/warn: restricted
    pod-security.kubernetes.io/audit: restricted
YAML
# A pod is refused until the controller-manager has made the namespace's default ServiceAccount (right after
# scripts/k8s/node.sh up, that can take a few seconds).
for _ in $(seq 60); do kubectl -n "$ns" get serviceaccount default >/dev/null 2>&1 && break; sleep 1; done
kubectl -n "$ns" get serviceaccount default >/dev/null || die "namespace $ns has no default ServiceAccount after 60 s"

apply <<YAML
apiVersion: v1
kind: Pod
metadata: {name: echo, namespace: $ns, labels: {app: echo}}
spec:
  automountServiceAccountToken: false
  securityContext: $psc
  containers:
  - name: httpd
    image: localhost/meldtown/busybox:0.1.0
    imagePullPolicy: Never
    command: [httpd, -f, -p, "8080", -h, /www]
    ports: [{containerPort: 8080, name: http}]
    readinessProbe: {httpGet: {path: /index.html, port: http}, periodSeconds: 1}
    securityContext: $sc
    resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {memory: 32Mi}}
---
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: $ns}
spec:
  selector: {app: echo}
  ports: [{port: 80, targetPort: http, name: http}]
YAML
kubectl -n "$ns" wait --for=condition=Ready pod/echo --timeout=120s

apply <<YAML
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: $ns}
spec:
  automountServiceAccountToken: false
  restartPolicy: Never
  securityContext: $psc
  containers:
  - name: client
    image: localhost/meldtown/busybox:0.1.0
    imagePullPolicy: Never
    command:
    - sh
    - -c
    - |
      set -e
      cat /etc/resolv.conf
      # Debian's busybox-static wget segfaults (its static glibc cannot load NSS), so the Service's name is resolved
      # by busybox's own resolver through the cluster DNS in the pod's resolv.conf, and the page is fetched with nc
      # from the address it returns (the Service's ClusterIP, i.e. through kube-proxy's rules).
      for i in 1 2 3 4 5 6 7 8 9 10; do
        ip=\$(nslookup echo.$ns.svc.cluster.local | awk '/^Name:/{n=1} n && /^Address: /{print \$2; exit}')
        if [ -n "\$ip" ] && printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | nc -w 3 "\$ip" 80 > /tmp/page; then
          echo "echo.$ns.svc.cluster.local -> \$ip"; cat /tmp/page; exit 0
        fi
        sleep 1
      done
      exit 1
    securityContext: $sc
    volumeMounts: [{name: tmp, mountPath: /tmp}]
    resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {memory: 32Mi}}
  volumes: [{name: tmp, emptyDir: {medium: Memory, sizeLimit: 1Mi}}]
YAML
kubectl -n "$ns" wait --for=jsonpath='{.status.phase}'=Succeeded pod/client --timeout=120s \
  || { kubectl -n "$ns" logs client || true; kubectl -n "$ns" describe pod client | tail -20; die "client pod did not succeed"; }
logs=$(kubectl -n "$ns" logs client)
echo "$logs"
grep -q '^HTTP/1.[01] 200' <<<"$logs" && grep -q 'hello from meldtown-node' <<<"$logs" \
  && grep -q "$(kubectl -n "$ns" get svc echo -o jsonpath='{.spec.clusterIP}')" <<<"$logs" || die "the client did not get the page through the Service"

# Pod Security is enforced, not just labelled: a privileged pod must be refused.
if kubectl -n "$ns" run bad --image=localhost/meldtown/busybox:0.1.0 --restart=Never \
     --overrides='{"spec":{"containers":[{"name":"bad","image":"localhost/meldtown/busybox:0.1.0","securityContext":{"privileged":true}}]}}' \
     >/dev/null 2>&1; then
  die "a privileged pod was admitted into a restricted namespace"
fi
log "node smoke test passed in $((SECONDS - t0)) s"
echo "node-smoke: 1 passed, 0 failed"
