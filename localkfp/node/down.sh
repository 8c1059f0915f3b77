#!/usr/bin/env bash
# Tears the node down (make node-down; run as root) and checks that nothing is left:
#
#   localkfp/node/down.sh
#
# Order: the daemons started with daemon.sh, the kubelet, scheduler and
# controller-manager; then every pod (crictl, through the node's containerd), then the API
# server, etcd and containerd, then any process still in the node's network namespace or in the
# kubelet's cgroups; then the namespace (its veth pair goes with it), the kubelet's cgroups and
# /run/netns if up.sh mounted it. Processes are stopped by their ids (TERM, then KILL
# after $LOCALKFP_STOP_GRACE s, default 5; each group at once).
# The mounts node.sh made live in the private mount namespace, which ends with its last process.
# Prints what remains, if anything, and then exits 1. Logs stay in $LOCALKFP_STATE/logs.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
[ "$(id -u)" = 0 ] || die "tearing the node down needs root"

pids=$LOCALKFP_STATE/pids
sock=$LOCALKFP_STATE/run/containerd/containerd.sock
t0=$SECONDS

grace=${LOCALKFP_STOP_GRACE:-5}

# stop PID...: TERM, then KILL whatever still runs after $grace s
stop() {
  local p alive
  [ $# -gt 0 ] || return 0
  kill -TERM "$@" 2>/dev/null || true
  for _ in $(seq $((grace * 4))); do
    alive=()
    for p in "$@"; do ! kill -0 "$p" 2>/dev/null || alive+=("$p"); done
    [ ${#alive[@]} -gt 0 ] || return 0
    sleep 0.25
  done
  log "still running after $grace s, killing: ${alive[*]}"
  kill -KILL "${alive[@]}" 2>/dev/null || true
  sleep 0.5
}

# stop_group GLOB: the processes the pid files $pids/GLOB.pid name, together; then the files
stop_group() {
  local f p names=() ids=()
  # shellcheck disable=SC2231  # GLOB is a pattern
  for f in "$pids"/$1.pid; do
    [ -e "$f" ] || continue
    p=$(cat "$f" 2>/dev/null || true)
    if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
      names+=("$(basename "$f" .pid | cut -d- -f2-)")
      ids+=("$p")
    fi
  done
  if [ ${#ids[@]} -gt 0 ]; then
    log "stopping ${names[*]}"
    stop "${ids[@]}"
  fi
  # shellcheck disable=SC2086  # GLOB is a pattern
  rm -f "$pids"/$1.pid
}

# The processes whose command line names this node's containerd socket (containerd's shims)
shims() {
  local f
  for f in /proc/[0-9]*/cmdline; do
    tr '\0' ' ' 2>/dev/null < "$f" | grep -qF -- "-address $sock" && { f=${f#/proc/}; echo "${f%/cmdline}"; }
  done
  return 0
}

# The processes in the kubelet's cgroups (the pods' containers)
pod_tasks() {
  [ -d /sys/fs/cgroup/pids/kubepods ] || return 0
  find /sys/fs/cgroup/pids/kubepods -name tasks -exec cat {} + 2>/dev/null | sort -u
}

if [ -d "$pids" ]; then
  stop_group '[5-9]*'   # the services daemon.sh started (workflow-controller, KFP's...)
  stop_group '0[4-9]-*' # kubelet, scheduler, controller-manager
  if [ -S "$sock" ] && [ -x "$CRICTL_BIN/crictl" ]; then
    log "removing every pod"
    timeout 60 "$CRICTL_BIN/crictl" -r "unix://$sock" rmp -fa > /dev/null 2>&1 || true
  fi
  stop_group '03-*'     # kube-apiserver
  stop_group '02-*'     # etcd
  stop_group '0[01]-*'  # containerd
fi
# Left over: shims of the node's containerd, pods' processes, anything in the namespace
mapfile -t rest < <(shims; pod_tasks; ip netns pids "$NODE_NETNS" 2>/dev/null || true)
if [ ${#rest[@]} -gt 0 ]; then
  log "stopping what is left: ${rest[*]}"
  stop "${rest[@]}"
fi

if ip netns list | grep -qw "$NODE_NETNS"; then
  log "deleting network namespace $NODE_NETNS (and its veth pair)"
  ip netns del "$NODE_NETNS"
fi
# Deleting the namespace destroys the pair's node end and with it the host end, but in the
# kernel's namespace cleanup (net/core/net_namespace.c, cleanup_net on a workqueue), after
# `ip netns del` has returned: wait for that, then delete the host end if it is still there
# (it may vanish between the check and the delete; observed in CI: "Cannot find device").
for _ in $(seq 50); do ip link show "$HOST_VETH" > /dev/null 2>&1 || break; sleep 0.1; done
ip link del "$HOST_VETH" 2> /dev/null || true
# The kubelet's cgroups (on the host's hierarchies: node.sh mounted the same ones)
for c in /sys/fs/cgroup/*/kubepods; do
  if [ -d "$c" ]; then find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null || true; fi
done
if [ -e "$LOCALKFP_STATE/netns-mount-ours" ] && [ -z "$(ls -A /run/netns 2>/dev/null)" ]; then
  umount /run/netns 2>/dev/null || true
  rm -f "$LOCALKFP_STATE/netns-mount-ours"
fi

# What remains?
left=()
mapfile -t rest < <(shims; pod_tasks)
[ ${#rest[@]} -eq 0 ] || left+=("processes: ${rest[*]}")
for f in "$pids"/*.pid; do
  if [ -e "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; then left+=("process $(cat "$f") ($f)"); fi
done
! ip netns list | grep -qw "$NODE_NETNS" || left+=("network namespace $NODE_NETNS")
! ip link show "$HOST_VETH" > /dev/null 2>&1 || left+=("veth $HOST_VETH")
m=$(grep -E " ($LOCALKFP_STATE|/run/netns/$NODE_NETNS)[/ ]" /proc/self/mountinfo | awk '{print $5}' | tr '\n' ' ' || true)
[ -z "$m" ] || left+=("mounts: $m")
for c in /sys/fs/cgroup/*/kubepods; do [ ! -d "$c" ] || left+=("cgroup $c"); done
if [ ${#left[@]} -gt 0 ]; then
  echo "localkfp: node-down left behind:" >&2
  printf '  %s\n' "${left[@]}" >&2
  exit 1
fi
log "node down in $((SECONDS - t0)) s: no process, mount, namespace, veth or cgroup of it left (logs in $LOCALKFP_STATE/logs)"
