# shellcheck shell=bash disable=SC2034  # for the scripts that source it
# KFP's part of the local cluster (sourced after localkfp/lib.sh): images, ports, state.

# The images KFP's compiler names (V2_DRIVER_IMAGE / V2_LAUNCHER_IMAGE, argocompiler/container.go
# ~44-53); containerd knows them as docker.io/<name>
declare -A KFP_IMAGES=([driver]=localkfp/kfp-driver:$KFP_TAG [launcher-v2]=localkfp/kfp-launcher:$KFP_TAG)
KFP_NAMESPACE=kubeflow
# Ports on the node IP (KFP's Services' ports: manifests/kustomize/base/pipeline,
# third-party/seaweedfs, metadata): pods reach them through hostAliases (localkfp/argo)
KFP_GRPC_PORT=8887
KFP_HTTP_PORT=8888
MLMD_GRPC_PORT=8080
MLMD_GRPC_WEB_PORT=9091
S3_PORT=9000
DB_PORT=3306
UI_PORT=${UI_PORT:-3000}
KFP_STATE=$LOCALKFP_STATE/kfp
# made at bring-up, never committed: the object store's and the database's credentials
KFP_CREDENTIALS=$KFP_STATE/credentials.env
