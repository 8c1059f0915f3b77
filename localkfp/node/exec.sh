#!/usr/bin/env bash
# Runs a program inside the node's network namespace (root): it sees the node's addresses
# (the node IP 10.255.255.2, 127.0.0.1 of the node, the kubernetes ClusterIP 10.96.0.1), binds
# where pods can reach it, and keeps the host's mounts and files (network namespace only).
#
#   localkfp/node/exec.sh COMMAND [ARG...]
#
# A long-running service: localkfp/node/daemon.sh (logged, and stopped by down.sh).
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
[ $# -gt 0 ] || die "usage: exec.sh COMMAND [ARG...]"
[ -e "/run/netns/$NODE_NETNS" ] || die "no network namespace $NODE_NETNS: localkfp/node/up.sh first"
exec nsenter --net="/run/netns/$NODE_NETNS" -- "$@"
