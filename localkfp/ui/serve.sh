#!/usr/bin/env bash
# Serve the KFP UI built by localkfp/ui/build.sh (make cluster-build-ui) in the foreground:
#   node --require bind-host.cjs dist/server.js <client build> <port>
# bound to UI_HOST only (default 127.0.0.1; upstream's server binds every interface).
# The server's backends, with this local cluster's defaults (each overridable from the env):
#   ML_PIPELINE_SERVICE_HOST/PORT               KFP API server, HTTP (127.0.0.1:8888)
#   METADATA_ENVOY_SERVICE_SERVICE_HOST/PORT    MLMD gRPC-Web: the shim's web port (127.0.0.1:9090)
#   MINIO_HOST/PORT, MINIO_NAMESPACE=""         the object store (127.0.0.1:9000; empty namespace,
#                                                 else the host becomes <host>.<namespace>)
#   MINIO_ACCESS_KEY/MINIO_SECRET_KEY, MINIO_SSL  its credentials (read from the environment;
#                                                 upstream's defaults minio/minio123 otherwise)
#   AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_REGION/AWS_S3_ENDPOINT  for s3:// artifacts
#   KUBECONFIG, FRONTEND_SERVER_NAMESPACE       pod logs and info, the Secrets an artifact's store
#                                                 session names (client-node loadFromDefault)
#   UI_HOST_ALIASES="ip=name,..."               names that resolve to ip (bind-host.cjs)
# Logs go to stdout/stderr; the caller redirects them ($LOCALKFP_STATE/logs/ui.log).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
. "$here/../lib.sh"
UI_DIR=${UI_DIR:-$KFP_UI_DIR}
UI_HOST=${UI_HOST:-127.0.0.1}
UI_PORT=${UI_PORT:-3000}

server=$UI_DIR/frontend/server
if [[ ! -f $server/dist/server.js || ! -f $UI_DIR/frontend/build/index.html || ! -f $UI_DIR/NODE ]]; then
  echo "ui-serve: no UI build in $UI_DIR: run make cluster-build-ui (localkfp/ui/build.sh)" >&2
  exit 1
fi
NODE=$(cat "$UI_DIR/NODE")

export UI_HOST
export ML_PIPELINE_SERVICE_HOST=${ML_PIPELINE_SERVICE_HOST:-127.0.0.1}
export ML_PIPELINE_SERVICE_PORT=${ML_PIPELINE_SERVICE_PORT:-8888}
export METADATA_ENVOY_SERVICE_SERVICE_HOST=${METADATA_ENVOY_SERVICE_SERVICE_HOST:-127.0.0.1}
export METADATA_ENVOY_SERVICE_SERVICE_PORT=${METADATA_ENVOY_SERVICE_SERVICE_PORT:-9090}
export MINIO_HOST=${MINIO_HOST:-127.0.0.1}
export MINIO_PORT=${MINIO_PORT:-9000}
export MINIO_NAMESPACE=${MINIO_NAMESPACE:-}
# no GKE metadata server here (upstream's default too)
export DISABLE_GKE_METADATA=${DISABLE_GKE_METADATA:-true}
# upstream signs TensorBoard proxy paths with MINIO_SECRET_KEY unless told otherwise, and
# prints that secret in its startup config dump: give it a random one of its own
if [[ -z ${TENSORBOARD_PROXY_SIGNING_SECRET:-} ]]; then
  TENSORBOARD_PROXY_SIGNING_SECRET=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
  export TENSORBOARD_PROXY_SIGNING_SECRET
fi

echo "ui-serve: KFP UI $KFP_TAG on http://$UI_HOST:$UI_PORT (node $("$NODE" --version));" \
  "API $ML_PIPELINE_SERVICE_HOST:$ML_PIPELINE_SERVICE_PORT," \
  "MLMD gRPC-Web $METADATA_ENVOY_SERVICE_SERVICE_HOST:$METADATA_ENVOY_SERVICE_SERVICE_PORT," \
  "object store $MINIO_HOST:$MINIO_PORT"
cd "$server"
exec "$NODE" --require "$here/bind-host.cjs" dist/server.js "$UI_DIR/frontend/build" "$UI_PORT"
