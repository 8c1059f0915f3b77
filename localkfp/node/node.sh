#!/usr/bin/env bash
# The node itself: run by up.sh inside the node's network namespace through ONE
# `ip netns exec` (which also gives it a private mount namespace with a fresh /sys):
#
#   ip netns exec localkfp localkfp/node/node.sh STATE_DIR
#
# Mounts what the kubelet and containerd need in that private mount namespace (nothing of it
# is seen by, or left on, the host), then starts containerd, etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler and the kubelet, in that order, each detached with
# its log in STATE_DIR/logs/<name>.log and its pid in STATE_DIR/pids/<n>-<name>.pid, and waits
# for each to answer. A component that does not answer: its name and its log's last lines,
# exit 1 (up.sh then tears the node down).
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

state=${1:?usage: node.sh STATE_DIR}
logs=$state/logs
pids=$state/pids
pki=$state/pki
run=$state/run
sock=$run/containerd/containerd.sock
mkdir -p "$logs" "$pids" "$state/images" "$run/containerd" "$run/runc" "$state/cni/net.d" "$state/cni/lib" \
  "$state/kubelet" "$state/kubelet-plugins" "$state/sysctl" "$state/etcd"

# --- the private mount namespace: cgroups, sysctls, paths the programs hard-code ---
mount --make-rslave /
# `ip netns exec` mounted a fresh /sys (this network namespace's), which has no cgroups
mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup
for c in cpu cpuacct cpuset memory devices freezer blkio pids; do
  mkdir -p "/sys/fs/cgroup/$c"
  mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c"
done
mkdir -p /sys/fs/cgroup/systemd /sys/fs/cgroup/unified
mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd
mount -t cgroup2 cgroup2 /sys/fs/cgroup/unified
# The kubelet checks these host-wide sysctls (protectKernelDefaults: it only checks): show it the
# values it expects here, leave the host's alone
for kv in vm/overcommit_memory=1 kernel/panic=10 kernel/panic_on_oops=1; do
  f=${kv%%=*}
  echo "${kv#*=}" > "$state/sysctl/${f//\//.}"
  mount --bind "$state/sysctl/${f//\//.}" "/proc/sys/$f"
done
# Paths containerd 1.6, the CNI plugins and the kubelet use whatever their configuration says
for d in /run/containerd:"$run/containerd" /var/lib/cni:"$state/cni/lib" /var/lib/kubelet:"$state/kubelet"; do
  mkdir -p "${d%%:*}"
  mount --bind "${d#*:}" "${d%%:*}"
done
sysctl -qw net.ipv4.ip_forward=1   # this network namespace's own: pod <-> pod through the node

# start NAME COMMAND...: detached, log and pid in the state folder
n=0
start() {
  local name=$1
  shift
  n=$((n + 1))
  setsid "$@" > "$logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$pids/$(printf %02d $n)-$name.pid"
}

# wait_for NAME SECONDS COMMAND...: until COMMAND succeeds; else the log's tail, exit 1
wait_for() {
  local name=$1 limit=$2 t0=$SECONDS pidfile
  shift 2
  pidfile=$(ls "$pids"/*-"$name".pid)
  until "$@" > /dev/null 2>&1; do
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null || [ $((SECONDS - t0)) -ge "$limit" ]; then
      echo "localkfp: $name did not come up (waited $((SECONDS - t0)) s); last lines of $logs/$name.log:" >&2
      tail -n 25 "$logs/$name.log" >&2
      exit 1
    fi
    sleep 0.5
  done
  log "$name up ($((SECONDS - t0)) s)"
}

# --- containerd (Debian's), CRI with a local pause image, CNI ptp ---
cat > "$state/containerd.toml" <<EOF
version = 2
root = "$state/images/containerd"
state = "$run/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$sock"
[ttrpc]
  address = "$sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$state/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "docker.io/$PAUSE_IMAGE"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  disable_apparmor = true
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$run/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$state/cni/net.d"
EOF
# Pods: host-local addresses in POD_SUBNET, one ptp veth each into this namespace; their routes
# reach the other pods, the kubernetes service's ClusterIP and the node IP (all in here)
cat > "$state/cni/net.d/10-localkfp.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "localkfp",
  "plugins": [
    {
      "type": "ptp",
      "ipMasq": false,
      "ipam": {
        "type": "host-local",
        "subnet": "$POD_SUBNET",
        "dataDir": "$state/cni/lib/networks",
        "routes": [{"dst": "$POD_ROUTE"}, {"dst": "$SERVICE_CIDR"}, {"dst": "$NODE_IP/32"}]
      }
    }
  ]
}
EOF
start containerd containerd --config "$state/containerd.toml"
# its CRI plugin, not only its API: `ctr version` answers before the CRI is initialized, and a
# kubelet started then exits ("server is not initialized yet", observed here)
wait_for containerd 60 "$CRICTL_BIN/crictl" --runtime-endpoint "unix://$sock" info
# Every tarball of the build cache's images folder, unless this image store has it already (same
# name, size and time)
mkdir -p "$state/images/imported"
t0=$SECONDS
for tar in "$LOCALKFP_IMAGES"/*.tar; do
  [ -e "$tar" ] || continue
  seen=$state/images/imported/$(basename "$tar")
  [ "$(stat -c '%s %Y' "$tar")" != "$(cat "$seen" 2>/dev/null)" ] || continue
  ctr --address "$sock" -n k8s.io images import "$tar" > /dev/null \
    || { echo "localkfp: containerd: importing $tar failed" >&2; exit 1; }
  stat -c '%s %Y' "$tar" > "$seen"
  log "imported $(basename "$tar")"
done
log "images: $(ctr --address "$sock" -n k8s.io images ls -q | grep -vc '^sha256:') in containerd ($((SECONDS - t0)) s)"

# --- etcd ---
start etcd "$ETCD_BIN/etcd" --name localkfp --data-dir "$state/etcd" \
  --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
  --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
  --initial-cluster localkfp=http://127.0.0.1:2380 --log-level warn
wait_for etcd 30 curl -sf http://127.0.0.1:2379/health

# --- kube-apiserver: on 443 on every address of this namespace (the node IP, the kubernetes
# service's ClusterIP on lo, 127.0.0.1), so pods reach it at KUBERNETES_SERVICE_HOST:443 ---
start kube-apiserver "$KUBE_BIN/kube-apiserver" \
  --etcd-servers=http://127.0.0.1:2379 \
  --bind-address=0.0.0.0 --secure-port=443 --advertise-address="$NODE_IP" \
  --service-cluster-ip-range="$SERVICE_CIDR" \
  --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
  --client-ca-file="$pki/ca.crt" \
  --kubelet-client-certificate="$pki/apiserver-kubelet-client.crt" \
  --kubelet-client-key="$pki/apiserver-kubelet-client.key" \
  --kubelet-preferred-address-types=InternalIP \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
  --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
  --allow-privileged=true --profiling=false --v=1
wait_for kube-apiserver 90 curl -sf --cacert "$pki/ca.crt" "https://127.0.0.1:443/readyz"

# --- controller-manager (service accounts and their tokens, namespaces, garbage collection,
# the kube-root-ca.crt ConfigMap, ...) and scheduler ---
start kube-controller-manager "$KUBE_BIN/kube-controller-manager" \
  --kubeconfig="$state/controller-manager.kubeconfig" \
  --authentication-kubeconfig="$state/controller-manager.kubeconfig" \
  --authorization-kubeconfig="$state/controller-manager.kubeconfig" \
  --service-account-private-key-file="$pki/sa.key" --root-ca-file="$pki/ca.crt" \
  --use-service-account-credentials=true \
  --cluster-signing-cert-file="$pki/ca.crt" --cluster-signing-key-file="$pki/ca.key" \
  --bind-address=127.0.0.1 --leader-elect=false --profiling=false --v=1
wait_for kube-controller-manager 60 curl -skf https://127.0.0.1:10257/healthz
start kube-scheduler "$KUBE_BIN/kube-scheduler" --kubeconfig="$state/scheduler.kubeconfig" \
  --authentication-kubeconfig="$state/scheduler.kubeconfig" \
  --authorization-kubeconfig="$state/scheduler.kubeconfig" \
  --bind-address=127.0.0.1 --leader-elect=false --profiling=false --v=1
wait_for kube-scheduler 60 curl -skf https://127.0.0.1:10259/healthz

# --- kubelet: cgroupfs (cgroup v1), containerd's CRI, nothing host-wide changed ---
cat > "$state/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
healthzBindAddress: 127.0.0.1
readOnlyPort: 0
tlsCertFile: $pki/kubelet-serving.crt
tlsPrivateKeyFile: $pki/kubelet-serving.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $pki/ca.crt}
authorization: {mode: Webhook}
containerRuntimeEndpoint: unix://$sock
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
protectKernelDefaults: true
oomScoreAdj: 0
volumePluginDir: $state/kubelet-plugins
resolvConf: /etc/resolv.conf
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 100Mi, nodefs.available: 2%, imagefs.available: 2%}
EOF
start kubelet "$KUBE_BIN/kubelet" --config="$state/kubelet.yaml" \
  --kubeconfig="$state/kubelet.kubeconfig" --root-dir=/var/lib/kubelet \
  --hostname-override="$NODE_NAME" --node-ip="$NODE_IP" --v=1
wait_for kubelet 60 curl -sf http://127.0.0.1:10248/healthz
