#!/usr/bin/env bash
# Brings the single-node Kubernetes up (make node-up; run as root, after make cluster-build-node):
#
#   localkfp/node/up.sh
#
# 1. a network namespace "localkfp" for the node, joined to the host by one veth pair in a private
#    /30 (host 10.255.255.1, node 10.255.255.2 = the node IP); the kubernetes service's ClusterIP
#    10.96.0.1 on the node's lo. No bridge, no default route, no iptables, nothing on the host
#    but the host's end of the pair;
# 2. fresh state in $LOCALKFP_STATE (default /var/lib/localkfp): certificates (openssl), etcd data;
#    everything else in it is removed but logs.prev (the last run's logs), images (containerd's
#    image store) and the folders named in $LOCALKFP_KEEP_DIRS;
# 3. node.sh, inside the namespace: containerd, etcd, kube-apiserver, controller-manager,
#    scheduler, kubelet; the images from the build cache imported into containerd;
# 4. waits until the node is Ready and the default service account exists.
#
# Then: kubectl --kubeconfig $LOCALKFP_STATE/kubeconfig ... (from the host), and
# localkfp/node/exec.sh / daemon.sh to run programs inside the node's network namespace.
# A component that fails: its name and its log's last lines, and the node is torn down
# (LOCALKFP_KEEP=1 keeps it for a look). Stop: localkfp/node/down.sh (make node-down).
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || die "the node needs root (network namespace, mounts, containerd)"
for b in "$KUBE_BIN/kube-apiserver" "$KUBE_BIN/kubelet" "$KUBE_BIN/kube-controller-manager" \
         "$KUBE_BIN/kube-scheduler" "$KUBE_BIN/kubectl" "$ETCD_BIN/etcd"; do
  [ -x "$b" ] || die "$b missing: build it with make cluster-build-node (localkfp/node/build.sh)"
done
ls "$LOCALKFP_IMAGES"/pause-*.tar > /dev/null 2>&1 \
  || die "no pause image in $LOCALKFP_IMAGES: make cluster-build-node"
for b in containerd ctr runc /usr/lib/cni/ptp /usr/lib/cni/host-local /usr/lib/cni/loopback openssl curl; do
  command -v "$b" > /dev/null \
    || die "$b missing: apt-get install -y containerd runc containernetworking-plugins openssl curl"
done
if ip netns list | grep -qw "$NODE_NETNS"; then
  die "network namespace $NODE_NETNS exists: the node is up (or left over): localkfp/node/down.sh first"
fi

t0=$SECONDS
failed() {
  echo "localkfp: bring-up failed after $((SECONDS - t0)) s" >&2
  if [ "${LOCALKFP_KEEP:-}" = 1 ]; then
    echo "localkfp: LOCALKFP_KEEP=1: left as it is; localkfp/node/down.sh stops it" >&2
  else
    "$LOCALKFP_DIR/node/down.sh" >&2 || true
  fi
  exit 1
}

# Fresh state: the previous run's logs kept in logs.prev; containerd's image store ("images",
# its root) kept unless LOCALKFP_FRESH_IMAGES=1, so a warm bring-up imports only changed tarballs
if [ -d "$LOCALKFP_STATE" ]; then
  rm -rf "$LOCALKFP_STATE/logs.prev"
  [ ! -d "$LOCALKFP_STATE/logs" ] || mv "$LOCALKFP_STATE/logs" "$LOCALKFP_STATE/logs.prev"
  [ "${LOCALKFP_FRESH_IMAGES:-}" != 1 ] || rm -rf "$LOCALKFP_STATE/images"
  # LOCALKFP_KEEP_DIRS: more top-level folders of the state to keep (space-separated names)
  keep=(! -name logs.prev ! -name images)
  for k in ${LOCALKFP_KEEP_DIRS:-}; do keep+=(! -name "$k"); done
  find "$LOCALKFP_STATE" -mindepth 1 -maxdepth 1 "${keep[@]}" -exec rm -rf {} +
fi
mkdir -p "$LOCALKFP_STATE/logs" "$LOCALKFP_STATE/pids"
# Was /run/netns a mount point before (ip netns add makes it one)? down.sh undoes only its own
mountpoint -q /run/netns 2>/dev/null || touch "$LOCALKFP_STATE/netns-mount-ours"

log "network namespace $NODE_NETNS, veth $HOST_VETH ($HOST_VETH_IP) <-> $NODE_VETH ($NODE_IP)"
ip netns add "$NODE_NETNS"
ip link add "$HOST_VETH" type veth peer name "$NODE_VETH" netns "$NODE_NETNS"
ip addr add "$HOST_VETH_IP/30" dev "$HOST_VETH"
ip link set "$HOST_VETH" up
ip -n "$NODE_NETNS" link set lo up
ip -n "$NODE_NETNS" addr add "$KUBE_SVC_IP/32" dev lo
ip -n "$NODE_NETNS" addr add "$NODE_IP/30" dev "$NODE_VETH"
ip -n "$NODE_NETNS" link set "$NODE_VETH" up

log "certificates and kubeconfigs (openssl) in $LOCALKFP_STATE/pki"
"$LOCALKFP_DIR/node/pki.sh" "$LOCALKFP_STATE" || failed

ip netns exec "$NODE_NETNS" "$LOCALKFP_DIR/node/node.sh" "$LOCALKFP_STATE" || failed

kubectl=("$KUBE_BIN/kubectl" --kubeconfig "$LOCALKFP_STATE/kubeconfig")
node_ready() {
  [ "$("${kubectl[@]}" get node "$NODE_NAME" \
       -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}
# await WHAT SECONDS COMPONENT COMMAND...: until COMMAND succeeds, else COMPONENT's log's tail
await() {
  local what=$1 limit=$2 component=$3 t1=$SECONDS
  shift 3
  until "$@" > /dev/null 2>&1; do
    if [ $((SECONDS - t1)) -ge "$limit" ]; then
      echo "localkfp: $what after $limit s; last lines of $component's log:" >&2
      tail -n 25 "$LOCALKFP_STATE/logs/$component.log" >&2
      failed
    fi
    sleep 1
  done
}
await "node $NODE_NAME not Ready" 90 kubelet node_ready
await "no default service account" 60 kube-controller-manager \
  "${kubectl[@]}" -n default get serviceaccount default
log "node $NODE_NAME Ready, $((SECONDS - t0)) s after start"
log "kubectl: $KUBE_BIN/kubectl --kubeconfig $LOCALKFP_STATE/kubeconfig (API server https://$NODE_IP:443)"
log "services for pods: bind $NODE_IP (or 0.0.0.0) inside the namespace: localkfp/node/daemon.sh NAME -- CMD..."
