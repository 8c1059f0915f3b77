#!/usr/bin/env bash
# Starts a long-running program inside the node's network namespace, detached (root):
#
#   localkfp/node/daemon.sh NAME [--wait 'CHECK COMMAND' [SECONDS]] -- COMMAND [ARG...]
#
# Its output goes to $LOCALKFP_STATE/logs/NAME.log and its pid to $LOCALKFP_STATE/pids/50-NAME.pid:
# down.sh stops it before the node (daemons first, newest first). Bind the node IP
# (10.255.255.2) or 0.0.0.0: pods reach it there (their hostAliases map KFP's service names to
# it), and so does the host (directly, through the veth pair). With --wait, the CHECK command
# (run inside the namespace too) is retried until it succeeds: else NAME's log's last lines, exit 1.
# The environment is passed on as it is.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
name=${1:?usage: daemon.sh NAME [--wait CHECK [SECONDS]] -- COMMAND [ARG...]}
shift
check='' limit=60
if [ "${1:-}" = --wait ]; then
  check=${2:?--wait needs a command}
  shift 2
  if [ "${1:-}" != -- ]; then limit=$1; shift; fi
fi
[ "${1:-}" = -- ] || die "usage: daemon.sh NAME [--wait CHECK [SECONDS]] -- COMMAND [ARG...]"
shift
[ -e "/run/netns/$NODE_NETNS" ] || die "no network namespace $NODE_NETNS: localkfp/node/up.sh first"
mkdir -p "$LOCALKFP_STATE/logs" "$LOCALKFP_STATE/pids"
log=$LOCALKFP_STATE/logs/$name.log
pidfile=$LOCALKFP_STATE/pids/50-$name.pid
if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  die "$name is running already (pid $(cat "$pidfile"))"
fi
setsid nsenter --net="/run/netns/$NODE_NETNS" -- "$@" > "$log" 2>&1 < /dev/null &
pid=$!
echo "$pid" > "$pidfile"
[ -n "$check" ] || { log "$name started (pid $pid, log $log)"; exit 0; }
t0=$SECONDS
until nsenter --net="/run/netns/$NODE_NETNS" -- bash -c "$check" > /dev/null 2>&1; do
  if ! kill -0 "$pid" 2>/dev/null || [ $((SECONDS - t0)) -ge "$limit" ]; then
    echo "localkfp: $name did not come up (waited $((SECONDS - t0)) s); last lines of $log:" >&2
    tail -n 25 "$log" >&2
    exit 1
  fi
  sleep 0.5
done
log "$name up ($((SECONDS - t0)) s, pid $pid, log $log)"
