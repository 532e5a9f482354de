#!/usr/bin/env bash
# A real one-node Kubernetes cluster on this machine, for the Helm chart's end-to-end proof (issue 9 item 4):
# etcd, kube-apiserver, kube-scheduler, kube-controller-manager, containerd (runc, CRI, the project's own sandbox
# image), CNI (bridge + host-local + loopback), kubelet, kube-proxy (iptables) and CoreDNS (a host process behind the
# kube-dns Service). No Docker, no registry: images are imported with `ctr images import`.
#
#   scripts/k8s/node.sh up          start everything (idempotent: a running node is left alone), print the kubeconfig
#   scripts/k8s/node.sh down        stop everything, tear down the network and mounts, restore the sysctls it changed
#   scripts/k8s/node.sh status      what runs
#   scripts/k8s/node.sh import TAR  import an image archive (docker-archive or OCI) into the node's containerd
#   scripts/k8s/node.sh env         print `export KUBECONFIG=...` (eval it)
#   scripts/k8s/node.sh volumes     wipe and re-offer the local PersistentVolumes whose claims were deleted
#
# Needs root and scripts/install/node-tools.sh. State, logs and PKI live in $MELDTOWN_NODE_DIR (/tmp/meldtown-node).
# Ports (all on 127.0.0.1 or the node's bridge address): $MELDTOWN_NODE_PORT_BASE (26000) + offset, see below.
# Host changes while up (restored by `down`): a bridge, iptables chains (kube-proxy's), net.ipv4.ip_forward=1,
# net.bridge.bridge-nf-call-iptables=1, and the kernel tunables the kubelet sets (vm.overcommit_memory, kernel.panic,
# kernel.panic_on_oops).
set -euo pipefail
source "$(cd "$(dirname "$0")/../.." && pwd)/scripts/lib.sh"

S="${MELDTOWN_NODE_DIR:-/tmp/meldtown-node}"
B="${MELDTOWN_NODE_PORT_BASE:-26000}"
ETCD_PORT=$((B + 1)) ETCD_PEER_PORT=$((B + 2)) CONTAINERD_STREAM_PORT=$((B + 10))
APISERVER_PORT=$((B + 43)) KUBELET_HEALTHZ_PORT=$((B + 48)) PROXY_METRICS_PORT=$((B + 49)) KUBELET_PORT=$((B + 50))
DNS_PORT=$((B + 53)) DNS_HEALTH_PORT=$((B + 54)) DNS_READY_PORT=$((B + 55)) PROXY_HEALTHZ_PORT=$((B + 56))
CM_PORT=$((B + 57)) SCHED_PORT=$((B + 59)) NODEPORT_RANGE="$((B + 60))-$((B + 99))"
NODE_NAME="${MELDTOWN_NODE_NAME:-meldtown-node}"
BRIDGE="${MELDTOWN_NODE_BRIDGE:-mtnode0}"
POD_NET="${MELDTOWN_NODE_POD_NET:-10.222.0}"        # pods: $POD_NET.0/24, node (bridge) address $POD_NET.1
SVC_NET="${MELDTOWN_NODE_SERVICE_NET:-10.223.0}"    # services: $SVC_NET.0/24, API $SVC_NET.1, DNS $SVC_NET.10
NODE_IP="$POD_NET.1" DNS_IP="$SVC_NET.10"
PAUSE_IMAGE="localhost/meldtown/pause:0.1.0"
SOCK="$S/containerd/containerd.sock"
KUBECONFIG_ADMIN="$S/pki/admin.kubeconfig"
SERVICES=(etcd kube-apiserver containerd kube-controller-manager kube-scheduler kubelet kube-proxy coredns)

ctr_() { ctr --address "$SOCK" -n k8s.io "$@"; }
k() { kubectl --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }
pid_of() { local f="$S/run/$1.pid"; [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && cat "$f"; }
running() { pid_of "$1" >/dev/null; }
import_image() { ctr_ images import --snapshotter "${MELDTOWN_NODE_SNAPSHOTTER:-overlayfs}" "$1"; }

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND until it succeeds.
wait_for() {
  local t=$1 what=$2; shift 2
  local end=$((SECONDS + t))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $end ] || die "timed out after ${t}s waiting for $what (logs: $S/logs)"
    sleep 0.5
  done
}

# start NAME BINARY ARGS...: runs a daemon in its own session, logging to $S/logs/NAME.log.
start() {
  local name=$1; shift
  if running "$name"; then return 0; fi
  log "starting $name"
  setsid "$@" >>"$S/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$S/run/$name.pid"
  sleep 0.2
  running "$name" || die "$name exited at once: $(tail -5 "$S/logs/$name.log")"
}

stop() {
  local name=$1 pid
  pid=$(pid_of "$name") || { rm -f "$S/run/$name.pid"; return 0; }
  log "stopping $name ($pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$S/run/$name.pid"
}

# ---------------------------------------------------------------------------------------------------- preparation
pki() {
  local d="$S/pki"
  [ -f "$d/.done" ] && return 0
  log "creating the node's PKI in $d"
  rm -rf "$d"; mkdir -p "$d"; chmod 700 "$d"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$d/ca.key" -out "$d/ca.crt" \
    -subj "/CN=meldtown-node-ca" -days 3650 2>/dev/null
  openssl genrsa -out "$d/sa.key" 2048 2>/dev/null
  openssl rsa -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null
  # cert NAME SUBJECT [SAN]
  cert() {
    local ext="$d/$1.ext"
    printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n' > "$ext"
    [ -n "${3:-}" ] && printf 'subjectAltName=%s\n' "$3" >> "$ext"
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$d/$1.key" -subj "$2" \
      2>/dev/null | openssl x509 -req -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 365 \
      -extfile "$ext" -out "$d/$1.crt" 2>/dev/null
  }
  cert apiserver "/CN=kube-apiserver" \
    "IP:127.0.0.1,IP:$SVC_NET.1,IP:$NODE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"
  cert admin "/O=system:masters/CN=meldtown-node-admin"
  cert kubelet "/O=system:nodes/CN=system:node:$NODE_NAME"
  cert kubelet-serving "/CN=$NODE_NAME" "IP:$NODE_IP,DNS:$NODE_NAME"
  cert kube-scheduler "/CN=system:kube-scheduler"
  cert kube-controller-manager "/CN=system:kube-controller-manager"
  cert kube-proxy "/CN=system:kube-proxy"
  cert coredns "/CN=meldtown:coredns"
  for u in admin kubelet kube-scheduler kube-controller-manager kube-proxy coredns; do
    cat > "$d/$u.kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: meldtown-node
  cluster: {server: "https://127.0.0.1:$APISERVER_PORT", certificate-authority: "$d/ca.crt"}
users:
- name: $u
  user: {client-certificate: "$d/$u.crt", client-key: "$d/$u.key"}
contexts:
- name: meldtown-node
  context: {cluster: meldtown-node, user: $u}
current-context: meldtown-node
YAML
  done
  touch "$d/.done"
}

# The sandbox ("pause") image and the smoke-test image, both packed by the project (no registry).
images() {
  local d="$S/images"; mkdir -p "$d"
  if [ ! -f "$d/pause.tar" ]; then
    log "building the sandbox image $PAUSE_IMAGE (scripts/k8s/pause.c, static)"
    rm -rf "$d/pause-root"; mkdir -p "$d/pause-root"
    gcc -static -Os -s -Wall -Wextra -Werror -o "$d/pause-root/pause" "$MELDTOWN_ROOT/scripts/k8s/pause.c"
    "$MELDTOWN_ROOT/scripts/k8s/pack-image.sh" "$d/pause-root" "$PAUSE_IMAGE" "$d/pause.tar" 65535:65535 /pause
  fi
  if [ ! -f "$d/busybox.tar" ]; then
    log "building the smoke-test image localhost/meldtown/busybox:0.1.0 (Debian's busybox-static)"
    local r="$d/busybox-root"; rm -rf "$r"; mkdir -p "$r/bin" "$r/etc" "$r/tmp" "$r/www"
    cp /bin/busybox "$r/bin/busybox"
    for a in sh cat echo env hostname httpd id ls nc nslookup sleep test wget; do ln -s busybox "$r/bin/$a"; done
    printf 'root:x:0:0:root:/:/bin/sh\nuser:x:65532:65532:user:/tmp:/bin/sh\n' > "$r/etc/passwd"
    printf 'root:x:0:\nuser:x:65532:\n' > "$r/etc/group"
    printf 'hello from meldtown-node\n' > "$r/www/index.html"
    chmod 1777 "$r/tmp"
    "$MELDTOWN_ROOT/scripts/k8s/pack-image.sh" "$r" localhost/meldtown/busybox:0.1.0 "$d/busybox.tar" 65532:65532 /bin/sh
  fi
}

# put FILE: writes stdin to FILE only when the content differs (kube-proxy exits when its config file changes).
put() { local tmp; tmp=$(mktemp "$1.XXXX"); cat > "$tmp"; if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1"; fi; }

configs() {
  mkdir -p "$S/containerd" "$S/cni/net.d" "$S/cni/ipam" "$S/kubelet" "$S/pod-logs" "$S/coredns"
  put "$S/containerd/config.toml" <<TOML
version = 2
root = "$S/containerd/root"
state = "$S/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
                    "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[debug]
  level = "info"
[plugins."io.containerd.internal.v1.opt"]
  path = "$S/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  stream_server_address = "127.0.0.1"
  stream_server_port = "$CONTAINERD_STREAM_PORT"
  enable_selinux = false
  enable_unprivileged_ports = false
  # This VM's root lacks CAP_SYS_RESOURCE: runc cannot lower oom_score_adj below containerd's own (the sandbox asks
  # for -998: "nsexec: failed to update /proc/self/oom_score_adj: Permission denied"). Clamp instead.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "${MELDTOWN_NODE_SNAPSHOTTER:-overlayfs}"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$(command -v runc)"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$S/cni/net.d"
    max_conf_num = 1
TOML
  put "$S/cni/net.d/10-meldtown.conflist" <<JSON
{
  "cniVersion": "0.4.0",
  "name": "meldtown-node",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$S/cni/ipam",
        "ranges": [[{"subnet": "$POD_NET.0/24", "gateway": "$NODE_IP"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    }
  ]
}
JSON
  local cgroup_driver=cgroupfs   # no systemd on this machine (PID 1 is not systemd): the systemd driver cannot work
  local fail_cgroupv1=true
  [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] || fail_cgroupv1=false   # cgroup v1 (hybrid) here: opt in
  put "$S/kubelet/config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: "$NODE_IP"
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: "127.0.0.1"
healthzPort: $KUBELET_HEALTHZ_PORT
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: "$S/pki/ca.crt"}
authorization: {mode: Webhook}
tlsCertFile: "$S/pki/kubelet-serving.crt"
tlsPrivateKeyFile: "$S/pki/kubelet-serving.key"
cgroupDriver: $cgroup_driver
failCgroupV1: $fail_cgroupv1
containerRuntimeEndpoint: "unix://$SOCK"
clusterDNS: ["$DNS_IP"]
clusterDomain: cluster.local
resolvConf: /etc/resolv.conf
podLogsDir: "$S/pod-logs"
failSwapOn: false
maxPods: 60
serializeImagePulls: false
registerNode: true
rotateCertificates: false
serverTLSBootstrap: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "200Mi", nodefs.available: "2%", imagefs.available: "2%", nodefs.inodesFree: "2%"}
YAML
  put "$S/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: "$S/pki/kube-proxy.kubeconfig"}
hostnameOverride: "$NODE_NAME"
mode: iptables
clusterCIDR: "$POD_NET.0/24"
bindAddress: "127.0.0.1"
healthzBindAddress: "127.0.0.1:$PROXY_HEALTHZ_PORT"
metricsBindAddress: "127.0.0.1:$PROXY_METRICS_PORT"
nodePortAddresses: ["$NODE_IP/32"]
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
YAML
  put "$S/coredns/Corefile" <<COREFILE
.:$DNS_PORT {
    bind $NODE_IP
    errors
    health 127.0.0.1:$DNS_HEALTH_PORT
    ready 127.0.0.1:$DNS_READY_PORT
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $S/pki/coredns.kubeconfig meldtown-node
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    forward . /etc/resolv.conf
    cache 30
}
COREFILE
}

# Host settings the node needs; their previous values are kept for `down`.
# Kept outside the state dir so that deleting the state dir of a running node cannot lose the original values.
SYSCTL_SAVED="/run/meldtown-node-$(printf '%s' "$S" | md5sum | cut -c1-8).sysctl"
SYSCTLS=(net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables vm.overcommit_memory vm.panic_on_oom kernel.panic
         kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes)
host_setup() {
  if [ ! -f "$SYSCTL_SAVED" ]; then
    for k in "${SYSCTLS[@]}"; do printf '%s=%s\n' "$k" "$(sysctl -n "$k")"; done > "$SYSCTL_SAVED"
  fi
  sysctl -q -w net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    log "creating bridge $BRIDGE ($NODE_IP/24)"
    ip link add "$BRIDGE" type bridge
  fi
  [[ "$(ip -o -4 addr show dev "$BRIDGE")" == *" $NODE_IP/"* ]] || ip addr add "$NODE_IP/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)"
}

# kube-dns: a selector-less Service whose EndpointSlice points at CoreDNS on the node's bridge address.
cluster_addons() {
  k apply --server-side --force-conflicts -f - >/dev/null <<YAML
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "meldtown:coredns"}
rules:
- apiGroups: [""]
  resources: [endpoints, services, pods, namespaces]
  verbs: [list, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "meldtown:coredns"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "meldtown:coredns"}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: "meldtown:coredns"}]
---
apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels: {k8s-app: kube-dns, kubernetes.io/name: CoreDNS}
spec:
  clusterIP: $DNS_IP
  ports:
  - {name: dns, port: 53, protocol: UDP, targetPort: $DNS_PORT}
  - {name: dns-tcp, port: 53, protocol: TCP, targetPort: $DNS_PORT}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: kube-dns-host
  namespace: kube-system
  labels: {kubernetes.io/service-name: kube-dns, endpointslice.kubernetes.io/managed-by: meldtown-node}
addressType: IPv4
endpoints:
- addresses: ["$NODE_IP"]
  conditions: {ready: true}
  nodeName: "$NODE_NAME"
ports:
- {name: dns, port: $DNS_PORT, protocol: UDP}
- {name: dns-tcp, port: $DNS_PORT, protocol: TCP}
YAML
}

# Storage: no dynamic provisioner on this node, so `local` PersistentVolumes (no storage class, like the PVCs of a
# chart whose storageClass is "") over directories in the state dir. fsGroup applies to local volumes.
volumes() {
  local n="${MELDTOWN_NODE_PVS:-8}" i pv
  # A volume whose claim was deleted (Retain) is wiped and offered again.
  for pv in $(k get pv -l meldtown.dev/node-volume=true \
               -o jsonpath='{range .items[?(@.status.phase=="Released")]}{.metadata.name}{"\n"}{end}'); do
    i=${pv#meldtown-node-pv}
    log "recycling released volume $pv"
    find "$S/pv/pv$i" -mindepth 1 -delete
    k patch pv "$pv" --type json -p '[{"op":"remove","path":"/spec/claimRef"}]' >/dev/null
  done
  for i in $(seq 1 "$n"); do
    mkdir -p "$S/pv/pv$i"
    k apply --server-side --force-conflicts -f - >/dev/null <<YAML
apiVersion: v1
kind: PersistentVolume
metadata: {name: meldtown-node-pv$i, labels: {meldtown.dev/node-volume: "true"}}
spec:
  capacity: {storage: 20Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: ""
  volumeMode: Filesystem
  local: {path: "$S/pv/pv$i"}
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: ["$NODE_NAME"]}]
YAML
  done
}

up() {
  [ "$(id -u)" = 0 ] || die "node.sh needs root (containerd, kubelet, iptables)"
  for b in etcd kube-apiserver kube-scheduler kube-controller-manager kubelet kube-proxy coredns; do
    [ -x "$KUBE_BIN/$b" ] || die "$KUBE_BIN/$b missing: run scripts/install/node-tools.sh"
  done
  command -v containerd >/dev/null || die "containerd missing: run scripts/install/node-tools.sh"
  local t0=$SECONDS
  mkdir -p "$S/run" "$S/logs" "$S/etcd"
  pki; images; configs; host_setup
  local d="$S/pki"

  start etcd "$KUBE_BIN/etcd" --name meldtown-node --data-dir "$S/etcd" --unsafe-no-fsync \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "meldtown-node=http://127.0.0.1:$ETCD_PEER_PORT" --listen-metrics-urls "" --log-level warn
  start kube-apiserver "$KUBE_BIN/kube-apiserver" --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$APISERVER_PORT" \
    --tls-cert-file "$d/apiserver.crt" --tls-private-key-file "$d/apiserver.key" --client-ca-file "$d/ca.crt" \
    --kubelet-client-certificate "$d/apiserver-kubelet-client.crt" --kubelet-client-key "$d/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority "$d/ca.crt" --kubelet-preferred-address-types InternalIP \
    --service-account-issuer https://kubernetes.default.svc.cluster.local --service-account-key-file "$d/sa.pub" \
    --service-account-signing-key-file "$d/sa.key" --service-cluster-ip-range "$SVC_NET.0/24" \
    --service-node-port-range "$NODEPORT_RANGE" --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --endpoint-reconciler-type none --allow-privileged=false --profiling=false
  wait_for 90 "kube-apiserver /readyz" k get --raw /readyz

  start containerd containerd --config "$S/containerd/config.toml"
  wait_for 30 "containerd" ctr_ version
  for img in "$S/images/pause.tar" "$S/images/busybox.tar"; do
    import_image "$img" >/dev/null
  done

  start kube-controller-manager "$KUBE_BIN/kube-controller-manager" --kubeconfig "$d/kube-controller-manager.kubeconfig" \
    --authentication-kubeconfig "$d/kube-controller-manager.kubeconfig" \
    --authorization-kubeconfig "$d/kube-controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$CM_PORT" --leader-elect=false --use-service-account-credentials \
    --service-account-private-key-file "$d/sa.key" --root-ca-file "$d/ca.crt" \
    --cluster-signing-cert-file "$d/ca.crt" --cluster-signing-key-file "$d/ca.key" \
    --service-cluster-ip-range "$SVC_NET.0/24" --allocate-node-cidrs=false --profiling=false
  start kube-scheduler "$KUBE_BIN/kube-scheduler" --kubeconfig "$d/kube-scheduler.kubeconfig" \
    --authentication-kubeconfig "$d/kube-scheduler.kubeconfig" --authorization-kubeconfig "$d/kube-scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$SCHED_PORT" --leader-elect=false --profiling=false
  start kubelet "$KUBE_BIN/kubelet" --config "$S/kubelet/config.yaml" --kubeconfig "$d/kubelet.kubeconfig" \
    --root-dir "$S/kubelet/root" --hostname-override "$NODE_NAME" --node-ip "$NODE_IP" \
    --cert-dir "$S/kubelet/pki"
  start kube-proxy "$KUBE_BIN/kube-proxy" --config "$S/kube-proxy.yaml"
  cluster_addons
  volumes
  start coredns "$KUBE_BIN/coredns" -conf "$S/coredns/Corefile"
  wait_for 120 "node $NODE_NAME Ready" sh -c "kubectl --kubeconfig '$KUBECONFIG_ADMIN' get node '$NODE_NAME' \
    -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' | grep -qx True"
  wait_for 60 "CoreDNS ready" curl -sf "http://127.0.0.1:$DNS_READY_PORT/ready"
  log "node $NODE_NAME up in $((SECONDS - t0)) s; export KUBECONFIG=$KUBECONFIG_ADMIN"
}

# The KUBE-* chains left after `kube-proxy --cleanup` (the kubelet's KUBE-FIREWALL, KUBE-KUBELET-CANARY, hints):
# only this node's kubelet and kube-proxy make KUBE-* chains on this machine.
iptables_cleanup() {
  local tool table rule chain
  for tool in iptables ip6tables; do
    command -v "$tool" >/dev/null || continue
    for table in filter nat mangle raw; do
      "$tool" -t "$table" -S 2>/dev/null | grep -E '^-A [A-Z]+ .*-j KUBE-' | grep -vE '^-A KUBE-' | while read -r rule; do
        eval "\"$tool\" -t $table -D ${rule#-A }" 2>/dev/null || true
      done || true
      for chain in $("$tool" -t "$table" -S 2>/dev/null | awk '/^-N KUBE-/{print $2}'); do
        "$tool" -t "$table" -F "$chain" 2>/dev/null || true
      done
      for chain in $("$tool" -t "$table" -S 2>/dev/null | awk '/^-N KUBE-/{print $2}'); do
        "$tool" -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
}

down() {
  [ -d "$S/run" ] || { log "no node state in $S"; return 0; }
  # No controller may recreate or schedule pods while the kubelet tears them down through CRI (CNI DEL, netns).
  stop kube-controller-manager; stop kube-scheduler
  if running kube-apiserver && running kubelet; then
    log "deleting all pods (their sandboxes go through CNI DEL)"
    k delete pods --all-namespaces --all --grace-period=5 --wait=false >/dev/null 2>&1 || true
    local end=$((SECONDS + 90))
    while [ $SECONDS -lt $end ] && [ -n "$(k get pods -A -o name 2>/dev/null)" ]; do sleep 1; done
  fi
  for s in coredns kube-proxy kubelet; do stop "$s"; done
  if running containerd; then
    for t in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks kill -s SIGKILL "$t" >/dev/null 2>&1 || true; done
    sleep 1
    for t in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks delete -f "$t" >/dev/null 2>&1 || true; done
    for c in $(ctr_ containers ls -q 2>/dev/null); do ctr_ containers delete "$c" >/dev/null 2>&1 || true; done
  fi
  stop containerd
  # runc shims of this node's containerd (matched by their -address argument, which names our socket), by pid.
  local p
  for p in /proc/[0-9]*; do
    if tr '\0' ' ' 2>/dev/null < "$p/cmdline" | grep -q -- "containerd-shim.* -address $SOCK "; then
      kill -KILL "${p#/proc/}" 2>/dev/null || true
    fi
  done
  stop kube-apiserver; stop etcd
  [ -x "$KUBE_BIN/kube-proxy" ] && "$KUBE_BIN/kube-proxy" --cleanup >/dev/null 2>&1 || true
  iptables_cleanup
  # Network namespaces of sandboxes that never got CNI DEL (killed above): those holding an address of our pod net.
  local ns
  for ns in $(ip netns list 2>/dev/null | awk '/^cni-/{print $1}'); do
    if [[ "$(ip netns exec "$ns" ip -o -4 addr 2>/dev/null)" == *" $POD_NET."* ]]; then ip netns delete "$ns" || true; fi
  done
  # The kubelet bind-mounts its root dir onto itself (sometimes more than once), pods add tmpfs and overlay mounts.
  local pass m
  for pass in 1 2 3 4 5; do
    m=$(findmnt -rn -o TARGET | grep "^$S/" | sort -r || true)
    [ -n "$m" ] || break
    while read -r t; do umount -l "$t" 2>/dev/null || true; done <<<"$m"
  done
  ip link show "$BRIDGE" >/dev/null 2>&1 && ip link delete "$BRIDGE"
  if [ -f "$SYSCTL_SAVED" ]; then
    while IFS== read -r key val; do sysctl -q -w "$key=$val" 2>/dev/null || true; done < "$SYSCTL_SAVED"
    rm -f "$SYSCTL_SAVED"
  fi
  log "node down (state kept in $S; rm -rf it for a fresh cluster)"
}

status() {
  for s in "${SERVICES[@]}"; do
    if p=$(pid_of "$s"); then printf '%-24s running (pid %s)\n' "$s" "$p"; else printf '%-24s stopped\n' "$s"; fi
  done
  running kube-apiserver && k get nodes -o wide 2>/dev/null || true
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  import) [ -n "${2:-}" ] || die "usage: $0 import IMAGE.tar..."; shift; for f in "$@"; do import_image "$f"; done ;;
  env) echo "export KUBECONFIG=$KUBECONFIG_ADMIN" ;;
  volumes) volumes ;;
  *) die "usage: $0 up|down|status|import TAR...|env|volumes" ;;
esac
