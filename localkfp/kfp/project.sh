#!/usr/bin/env bash
# digitstudy on the local KFP (after kfp/up.sh), what scripts/kind_up.sh steps 3, 4 and 6 do on
# kind, with the node's SeaweedFS as the store (root):
# - the Secret digitstudy-minio (accesskey, secretkey, endpoint) with digitstudy's own SeaweedFS
#   identity; the endpoint is the in-cluster name kind uses (digitstudy-minio.kubeflow.svc...),
#   which the node's Argo hostAliases send to the node IP;
# - KFP's kfp-launcher ConfigMap patched with k8s/launcher/kfp-launcher-patch.yaml, unchanged;
# - Argo's templateDefaults.retryStrategy, so that set_retry retries failed steps too
#   (python -m digitstudy.cluster argo-retries; KFP's own default retries lost pods only);
# - the buckets (python -m digitstudy.cluster ensure-buckets);
# - .cache/minio.env for the host (make data-upload, report-runs, pipeline-submit WAIT=1).
# The project's CPU image is imported at node-up (kfp/project_image.sh, cluster-build).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
. "$here/../lib.sh"
# shellcheck source=env.sh
. "$here/env.sh"
REPO=$(cd "$LOCALKFP_DIR/.." && pwd)
KUBECTL=("$KUBE_BIN/kubectl" --kubeconfig "$LOCALKFP_STATE/kubeconfig" -n "$KFP_NAMESPACE")
ENV_FILE=${MINIO_ENV_FILE:-$REPO/.cache/minio.env}
[ -s "$KFP_CREDENTIALS" ] || die "no $KFP_CREDENTIALS: localkfp/kfp/up.sh first"
# shellcheck disable=SC1090
. "$KFP_CREDENTIALS"

secret=$(mktemp)
trap 'rm -f "$secret"' EXIT
chmod 600 "$secret"
printf 'accesskey=%s\nsecretkey=%s\nendpoint=%s\n' "$DIGITSTUDY_ACCESS_KEY" \
  "$DIGITSTUDY_SECRET_KEY" "digitstudy-minio.$KFP_NAMESPACE.svc.cluster.local:$S3_PORT" > "$secret"
"${KUBECTL[@]}" create secret generic digitstudy-minio --from-env-file="$secret" \
  --dry-run=client -o yaml | "${KUBECTL[@]}" apply -f - >/dev/null
"${KUBECTL[@]}" patch configmap kfp-launcher --patch-file "$REPO/k8s/launcher/kfp-launcher-patch.yaml" \
  >/dev/null

mkdir -p "$(dirname "$ENV_FILE")"
(
  umask 077
  {
    echo "# written by localkfp/kfp/project.sh for the local KFP; do not commit"
    echo "MINIO_ENDPOINT=$NODE_IP:$S3_PORT"
    echo "MINIO_ACCESS_KEY=$DIGITSTUDY_ACCESS_KEY"
    echo "MINIO_SECRET_KEY=$DIGITSTUDY_SECRET_KEY"
  } > "$ENV_FILE"
)
# make runs as root here: the file belongs to whoever owns the checkout
chown --reference="$REPO" "$ENV_FILE" "$(dirname "$ENV_FILE")" 2>/dev/null || true
KUBECONFIG="$LOCALKFP_STATE/kubeconfig" "$REPO/.venv/bin/python" -m digitstudy.cluster \
  argo-retries --namespace "$KFP_NAMESPACE" >/dev/null
"$REPO/.venv/bin/python" -m digitstudy.cluster --minio-env "$ENV_FILE" ensure-buckets
log "digitstudy: Secret digitstudy-minio, kfp-launcher override, Argo retries, buckets; host settings in $ENV_FILE"
