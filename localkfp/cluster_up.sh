#!/usr/bin/env bash
# make cluster-up: the node, Argo, then KFP (building first what the cache lacks); waits until
# the node is Ready, KFP's API answers healthz and the UI serves; prints KFP_HOST, the UI's URL
# and what `make doctor` reports. A component that fails: its name and its log's last lines.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=node/lib.sh
. "$here/node/lib.sh"
# shellcheck source=kfp/env.sh
. "$here/kfp/env.sh"
start=$SECONDS
"$here/cluster_build.sh"
step "node up" "$here/node/up.sh"
step "Argo up" "$here/argo/up.sh"
step "KFP up" "$here/kfp/up.sh"
log "cluster-up: $((SECONDS - start)) s"
echo "KFP_HOST=http://$NODE_IP:$KFP_HTTP_PORT"
echo "UI: http://127.0.0.1:$UI_PORT/"
echo "KUBECONFIG=$LOCALKFP_STATE/kubeconfig"
