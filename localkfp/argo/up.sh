#!/usr/bin/env bash
# Installs Argo Workflows v4.0.5 on the running node and starts its workflow-controller
# (make argo-up; root; after localkfp/node/up.sh and make cluster-build-argo):
#
#   localkfp/argo/up.sh
#
# - the namespace $ARGO_NAMESPACE (default kubeflow, where KFP runs its workflows);
# - Argo's CRDs (manifests/base/crds/minimal, as KFP 2.17 installs them) and its
#   workflow-controller-configmap, taken from the module cache (go mod download) and patched by
#   kustomize with workflow-controller-configmap-patch.yaml, then the files in
#   $ARGO_EXTRA_PATCHES (space-separated: e.g. KFP's artifactRepository); each data key is one
#   string, so a later patch that sets workflowDefaults must carry the hostAliases too (checked);
# - the upstream `executor` Role (quick-start/base/executor/emissary) for the pods' service accounts;
# - workflow-controller as a process in the node's network namespace (localkfp/node/daemon.sh,
#   log $LOCALKFP_STATE/logs/workflow-controller.log), with the admin kubeconfig, watching every
#   namespace, executor image = the local argoexec image (imported, never pulled).
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
ns=${ARGO_NAMESPACE:-kubeflow}
kubectl=("$KUBE_BIN/kubectl" --kubeconfig "$LOCALKFP_STATE/kubeconfig")
[ -x "$ARGO_BIN/workflow-controller" ] || die "$ARGO_BIN/workflow-controller missing: make cluster-build-argo"
"${kubectl[@]}" get --raw /readyz > /dev/null 2>&1 || die "the node's API server does not answer: make node-up first"

dir=$(GOFLAGS=-mod=mod go mod download -json "github.com/argoproj/argo-workflows/v4@$ARGO_VERSION" \
      | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
[ -d "$dir/manifests" ] || die "no Argo $ARGO_VERSION module in the module cache (go mod download failed)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ln -s "$dir/manifests" "$work/upstream"
sed "s/@NODE_IP@/$NODE_IP/" "$LOCALKFP_DIR/argo/workflow-controller-configmap-patch.yaml" > "$work/local-patch.yaml"
{
  echo "apiVersion: kustomize.config.k8s.io/v1beta1"
  echo "kind: Kustomization"
  echo "namespace: $ns"
  echo "resources:"
  echo "- upstream/base/crds/minimal"
  echo "- upstream/base/workflow-controller/workflow-controller-configmap.yaml"
  echo "- upstream/quick-start/base/executor/emissary/executor-role.yaml"
  echo "patches:"
  echo "- path: local-patch.yaml"
  for p in ${ARGO_EXTRA_PATCHES:-}; do cp "$p" "$work/extra-$(basename "$p")"; echo "- path: extra-$(basename "$p")"; done
} > "$work/kustomization.yaml"

t0=$SECONDS
"${kubectl[@]}" create namespace "$ns" --dry-run=client -o yaml | "${kubectl[@]}" apply -f - > /dev/null
"${kubectl[@]}" kustomize --load-restrictor LoadRestrictionsNone "$work" | "${kubectl[@]}" apply -f - > /dev/null
"${kubectl[@]}" wait --for=condition=Established --timeout=60s crd/workflows.argoproj.io \
  crd/workflowtaskresults.argoproj.io > /dev/null
# A patch in ARGO_EXTRA_PATCHES that sets workflowDefaults replaces ours whole (one string)
"${kubectl[@]}" -n "$ns" get configmap workflow-controller-configmap \
  -o jsonpath='{.data.workflowDefaults}' | grep -qF "$NODE_IP" \
  || die "workflow-controller-configmap's workflowDefaults lost the hostAliases to $NODE_IP: a patch in ARGO_EXTRA_PATCHES replaced it; put them in that patch's workflowDefaults"
log "argo: CRDs, configmap and executor Role applied in namespace $ns ($((SECONDS - t0)) s)"

pidfile=$LOCALKFP_STATE/pids/50-workflow-controller.pid
if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  log "workflow-controller running already (pid $(cat "$pidfile")): it reloads its configmap itself"
  exit 0
fi
LEADER_ELECTION_DISABLE=true "$LOCALKFP_DIR/node/daemon.sh" workflow-controller \
  --wait "curl -sf http://127.0.0.1:6060/healthz" 60 -- \
  "$ARGO_BIN/workflow-controller" --kubeconfig "$LOCALKFP_STATE/kubeconfig" --namespace "$ns" \
  --configmap workflow-controller-configmap --executor-image "docker.io/$ARGOEXEC_IMAGE" \
  --executor-image-pull-policy IfNotPresent --loglevel info
