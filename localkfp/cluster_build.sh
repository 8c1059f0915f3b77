#!/usr/bin/env bash
# make cluster-build: every binary and image of the local cluster into the build cache (keyed by
# version; a second run takes seconds), each step with its time. LOCALKFP_LOCK=<file>: each
# heavy step under flock(1) on it, where other builds share the machine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=kfp/env.sh
. "$here/kfp/env.sh"

# --check: list what the cache lacks (exit 1 if anything), build nothing
if [ "${1:-}" = --check ]; then
  missing=()
  for f in "$KFP_SRC/go.mod" "$KUBE_BIN"/{kube-apiserver,kube-controller-manager,kube-scheduler,kubelet,kubectl} \
           "$ETCD_BIN/etcd" "$CRICTL_BIN/crictl" "$ARGO_BIN"/{workflow-controller,argoexec} \
           "$KFP_BIN"/{apiserver,persistence_agent,driver,launcher-v2} \
           "$LOCALKFP_CACHE/mlmd-venv-1.17.1/bin/python" \
           "$KFP_UI_DIR/frontend/server/dist/server.js" \
           "$LOCALKFP_IMAGES"/{argoexec-$ARGO_VERSION,localkfp_kfp-driver_$KFP_TAG,localkfp_kfp-launcher_$KFP_TAG,localkfp_digitstudy-cpu}.tar; do
    [ -e "$f" ] || missing+=("$f")
  done
  [ ${#missing[@]} -eq 0 ] && { log "build cache complete"; exit 0; }
  printf 'localkfp: not built: %s\n' "${missing[@]}"
  exit 1
fi
start=$SECONDS
step "Kubernetes $KUBE_VERSION, etcd $ETCD_VERSION, crictl, pause" "$here/node/build.sh"
step "Argo $ARGO_VERSION" "$here/argo/build.sh"
step "KFP backend (checkout)" "$here/scripts/build_kfp.sh"
step "KFP driver and launcher images" "$here/kfp/images.sh"
step "MLMD shim venv" "$here/mlmd/build_venv.sh"
step "KFP UI (checkout)" "$here/ui/build.sh"
step "the project's CPU image" "$here/kfp/project_image.sh"
log "cluster-build: $((SECONDS - start)) s"
