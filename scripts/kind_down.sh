#!/usr/bin/env bash
# `make kind-down`: delete the kind cluster (MinIO's data goes with it) and the local
# MinIO settings written by kind_up.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
CLUSTER=${KIND_CLUSTER:-digitstudy}
ENV_FILE=${MINIO_ENV_FILE:-.cache/minio.env}
command -v kind >/dev/null || { echo "kind-down: 'kind' not found on PATH" >&2; exit 1; }
if kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
  kind delete cluster --name "$CLUSTER"
else
  echo "kind-down: no kind cluster named '$CLUSTER'"
fi
rm -f "$ENV_FILE"
