#!/usr/bin/env bash
# Runs a program the way a pod of the node would see the cluster, for upstream programs that
# insist on in-cluster configuration (client-go's rest.InClusterConfig) though they run as
# processes (root):
#
#   localkfp/node/as-pod.sh NAMESPACE/SERVICEACCOUNT -- COMMAND [ARG...]
#   localkfp/node/daemon.sh NAME -- localkfp/node/as-pod.sh NAMESPACE/SERVICEACCOUNT -- COMMAND...
#
# Writes a token of the service account (kubectl create token, 48 h), the cluster's CA and the
# namespace into $LOCALKFP_STATE/serviceaccounts/NAMESPACE-SERVICEACCOUNT, and runs COMMAND in a
# mount namespace of its own where that folder is /var/run/secrets/kubernetes.io/serviceaccount,
# with KUBERNETES_SERVICE_HOST=10.96.0.1 and KUBERNETES_SERVICE_PORT=443 (reachable inside the
# node's network namespace, where daemon.sh and exec.sh run). Nothing is mounted on the host;
# the empty folder /var/run/secrets/kubernetes.io/serviceaccount is made there if missing (the
# mount point).
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
sa=${1:?usage: as-pod.sh NAMESPACE/SERVICEACCOUNT -- COMMAND [ARG...]}
if [ "${2:-}" != -- ] || [ $# -lt 3 ]; then
  die "usage: as-pod.sh NAMESPACE/SERVICEACCOUNT -- COMMAND [ARG...]"
fi
shift 2
ns=${sa%%/*} name=${sa#*/}
if [ -z "$ns" ] || [ -z "$name" ] || [ "$ns" = "$sa" ]; then
  die "NAMESPACE/SERVICEACCOUNT expected, got $sa"
fi
dir=$LOCALKFP_STATE/serviceaccounts/$ns-$name
mkdir -p "$dir"
"$KUBE_BIN/kubectl" --kubeconfig "$LOCALKFP_STATE/kubeconfig" -n "$ns" create token "$name" \
  --duration=48h > "$dir/token.tmp" || die "no token for service account $sa"
mv "$dir/token.tmp" "$dir/token"
cp "$LOCALKFP_STATE/pki/ca.crt" "$dir/ca.crt"
printf '%s' "$ns" > "$dir/namespace"
target=/var/run/secrets/kubernetes.io/serviceaccount
mkdir -p "$target"
export KUBERNETES_SERVICE_HOST=$KUBE_SVC_IP KUBERNETES_SERVICE_PORT=443
# shellcheck disable=SC2016  # expanded by the inner bash
exec unshare -m --propagation private bash -c 'mount --bind "$0" "$1" && shift && exec "$@"' \
  "$dir" "$target" "$@"
