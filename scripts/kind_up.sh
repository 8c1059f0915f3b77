#!/usr/bin/env bash
# `make kind-up`: a kind cluster running KFP 2.17 standalone with digitstudy's MinIO.
#
#  1. kind cluster from kind-config.yaml (kept if it exists)
#  2. KFP standalone at a pinned release, platform-agnostic manifests (upstream kustomize)
#  3. Secret digitstudy-minio with credentials generated here (kept if it exists: MinIO's
#     volume already holds the root credentials)
#  4. k8s/overlays/kind: MinIO (PVC, Deployment, Service, NetworkPolicy), bucket Job; then
#     KFP's own kfp-launcher ConfigMap is *patched* with our bucket's override
#     (k8s/launcher/kfp-launcher-patch.yaml): KFP's defaultPipelineRoot and default store stay;
#     Argo's templateDefaults.retryStrategy set so that set_retry retries failed steps
#  5. waits for MinIO, the buckets and every KFP deployment
#  6. writes .cache/minio.env (mode 600, git-ignored) for make data-upload / report-runs
# Safe to re-run: each step converges to the same state.
set -euo pipefail
cd "$(dirname "$0")/.."

CLUSTER=${KIND_CLUSTER:-digitstudy}
# a backend release tag of kubeflow/pipelines (SDK-only patch releases have no manifests
# tag); one place for it: k8s/KFP_VERSION
KFP_VERSION=${KFP_VERSION:-$(cat k8s/KFP_VERSION)}
NAMESPACE=kubeflow
OVERLAY=${OVERLAY:-k8s/overlays/kind}
ENV_FILE=${MINIO_ENV_FILE:-.cache/minio.env}
SECRET=digitstudy-minio
ENDPOINT_IN_CLUSTER=digitstudy-minio.${NAMESPACE}.svc.cluster.local:9000
ENDPOINT_ON_HOST=localhost:9000  # kind-config.yaml maps NodePort 30900 to 127.0.0.1:9000
KFP_MANIFESTS=github.com/kubeflow/pipelines/manifests/kustomize

log() { printf '\n==> %s\n' "$*"; }
die() { printf 'kind-up: %s\n' "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null || die "'$1' not found on PATH: $2"; }

retry() {  # retry <attempts> <command...>: for applies that race CRDs and webhooks
  local attempts=$1 n=1 delay=10
  shift
  until "$@"; do
    [ "$n" -ge "$attempts" ] && return 1
    echo "  attempt $n/$attempts failed; retrying in ${delay}s"
    sleep "$delay"
    n=$((n + 1))
    delay=$((delay * 2))
  done
}

need git "kubectl fetches the remote KFP kustomize refs (github.com/...?ref=) with git"
need docker "kind runs its nodes as Docker containers"
need kind "install kind v0.33.0 (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)"
need kubectl "run scripts/install_tools.sh"
need openssl "used to generate the MinIO credentials"
docker info >/dev/null 2>&1 || die "no Docker engine answers (docker info failed); kind needs one"

log "1/6 kind cluster '$CLUSTER'"
if kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
  echo "  exists; reusing it"
else
  kind create cluster --name "$CLUSTER" --config kind-config.yaml --wait 180s
fi
K=(kubectl --context "kind-$CLUSTER")

log "2/6 KFP $KFP_VERSION standalone (platform-agnostic)"
retry 3 "${K[@]}" apply -k "$KFP_MANIFESTS/cluster-scoped-resources?ref=$KFP_VERSION"
"${K[@]}" wait --for condition=established --timeout=120s crd --all
retry 3 "${K[@]}" apply -k "$KFP_MANIFESTS/env/platform-agnostic?ref=$KFP_VERSION"

log "3/6 Secret $SECRET"
if "${K[@]}" -n "$NAMESPACE" get secret "$SECRET" >/dev/null 2>&1; then
  echo "  exists; keeping its credentials"
else
  secret_file=$(mktemp)
  trap 'rm -f "$secret_file"' EXIT
  chmod 600 "$secret_file"
  {
    echo "accesskey=digitstudy-$(openssl rand -hex 6)"
    echo "secretkey=$(openssl rand -hex 24)"
    echo "endpoint=$ENDPOINT_IN_CLUSTER"
  } >"$secret_file"
  "${K[@]}" -n "$NAMESPACE" create secret generic "$SECRET" --from-env-file="$secret_file"
  rm -f "$secret_file"
fi

log "4/6 digitstudy overlay ($OVERLAY)"
# a Job's pod template is immutable: replace the bucket Job (it is idempotent)
"${K[@]}" -n "$NAMESPACE" delete job digitstudy-minio-buckets --ignore-not-found
"${K[@]}" apply -k "$OVERLAY"
# KFP's kfp-launcher: add our `providers` key, keep its defaultPipelineRoot (a strategic
# merge patch of `data`). A different `providers` already there is someone else's config:
# stop rather than overwrite it.
LAUNCHER_PATCH=k8s/launcher/kfp-launcher-patch.yaml
existing=$("${K[@]}" -n "$NAMESPACE" get configmap kfp-launcher -o 'jsonpath={.data.providers}' 2>/dev/null || true)
if [ -n "$existing" ] && ! grep -q "digitstudy-minio" <<<"$existing"; then
  die "kfp-launcher in $NAMESPACE already has a providers section that is not ours; add the \
Overrides entry of $LAUNCHER_PATCH to it by hand (docs/cluster.md, Artifact store)"
fi
"${K[@]}" -n "$NAMESPACE" patch configmap kfp-launcher --patch-file "$LAUNCHER_PATCH"
# Argo's templateDefaults: set_retry retries failed steps too, not only lost pods
# (src/digitstudy/cluster/argo_retries.py; KFP's own default retries lost pods only)
"${PYTHON:-.venv/bin/python}" -m digitstudy.cluster argo-retries --context "kind-$CLUSTER" \
  --namespace "$NAMESPACE"

log "5/6 waiting for MinIO, the buckets and KFP (first start pulls ~3 GB of images)"
"${K[@]}" -n "$NAMESPACE" rollout status deployment/digitstudy-minio --timeout=10m
"${K[@]}" -n "$NAMESPACE" wait --for=condition=complete job/digitstudy-minio-buckets --timeout=10m
"${K[@]}" -n "$NAMESPACE" wait --for=condition=Available deployment --all --timeout=30m

log "6/6 $ENV_FILE (host-side MinIO settings)"
field() { "${K[@]}" -n "$NAMESPACE" get secret "$SECRET" -o "jsonpath={.data.$1}" | base64 -d; }
mkdir -p "$(dirname "$ENV_FILE")"
(
  umask 077
  {
    echo "# written by scripts/kind_up.sh for cluster $CLUSTER; do not commit"
    echo "MINIO_ENDPOINT=$ENDPOINT_ON_HOST"
    echo "MINIO_ACCESS_KEY=$(field accesskey)"
    echo "MINIO_SECRET_KEY=$(field secretkey)"
  } >"$ENV_FILE"
)

cat <<DONE

kind cluster '$CLUSTER' is ready:
  KFP UI and API   http://localhost:8080   (make pipeline-submit PROFILE=tiny KFP_HOST=http://localhost:8080)
  MinIO S3 API     http://localhost:9000   (credentials in $ENV_FILE)
  MinIO console    http://localhost:9001
Next: make image-cpu kind-load && make data-upload DATA_DIR=... && make pipeline-submit PROFILE=tiny DATA_DIR=s3://datasets WAIT=1
DONE
