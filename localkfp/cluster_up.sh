#!/usr/bin/env bash
# make cluster-up: the node, Argo, then KFP (building first what the cache lacks); waits until
# the node is Ready, KFP's API answers healthz and the UI serves; prints KFP_HOST, the UI's URL
# and what `make doctor` reports. A component that fails: its name and its log's last lines.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=kfp/env.sh
. "$here/kfp/env.sh"
REPO=$(cd "$here/.." && pwd)
need_kfp_src
start=$SECONDS
"$here/cluster_build.sh"
step "node up" "$here/node/up.sh"
step "database" "$here/kfp/db.sh"
# Argo as KFP installs it: KFP's own workflow-controller-configmap patch (log archive, TTL,
# templateDefaults.retryStrategy OnError), plus the node's hostAliases and node-status
# offloading into the database (kfp/argo_patch.py)
patches=$(mktemp -d)
trap 'rm -rf "$patches"' EXIT
sed "s/@NODE_IP@/$NODE_IP/" "$here/argo/workflow-controller-configmap-patch.yaml" > "$patches/local.yaml"
"$REPO/.venv/bin/python" "$here/kfp/argo_patch.py" \
  "$KFP_SRC/manifests/kustomize/third-party/argo/base/workflow-controller-configmap-patch.yaml" \
  "$patches/local.yaml" "$patches/kfp-argo-patch.yaml" "$NODE_IP" "$DB_PORT"
export ARGO_EXTRA_PATCHES="$patches/kfp-argo-patch.yaml"
step "Argo up" "$here/argo/up.sh"
step "KFP up" "$here/kfp/up.sh"
step "digitstudy on KFP" "$here/kfp/project.sh"
log "cluster-up: $((SECONDS - start)) s"
echo "KFP_HOST=http://$NODE_IP:$KFP_HTTP_PORT"
echo "UI: http://127.0.0.1:$UI_PORT/"
echo "KUBECONFIG=$LOCALKFP_STATE/kubeconfig"
