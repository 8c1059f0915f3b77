# Cluster targets: kind, MinIO data and results, submit to KFP (docs/cluster.md).
# Included by the Makefile, which defines PY, VENV_STAMP, PROFILE, DATA_DIR and TARGET;
# mk/images.mk defines CPU_IMAGE.

KFP_HOST ?= http://localhost:8080
WAIT ?=
KIND_CLUSTER ?= digitstudy
# KFP backend release whose manifests kind-up installs (a tag that exists; see k8s/KFP_VERSION)
KFP_VERSION ?= $(shell cat k8s/KFP_VERSION)
MINIO_ENV ?= .cache/minio.env
CLUSTER_CLI = $(PY) -m digitstudy.cluster --minio-env $(MINIO_ENV)

.PHONY: kind-load kind-up kind-down tools argo-retries doctor data-upload report-runs \
        pipeline-submit test-live

kind-load: ## load the CPU image into the kind cluster (after make image-cpu)
	kind load docker-image $(CPU_IMAGE) --name $(KIND_CLUSTER)

kind-up: $(VENV_STAMP) ## kind cluster + KFP standalone (k8s/KFP_VERSION) + MinIO, buckets, launcher override, Argo retries; waits until ready
	KIND_CLUSTER=$(KIND_CLUSTER) KFP_VERSION=$(KFP_VERSION) MINIO_ENV_FILE=$(MINIO_ENV) PYTHON=$(PY) scripts/kind_up.sh

kind-down: ## delete the kind cluster and .cache/minio.env
	KIND_CLUSTER=$(KIND_CLUSTER) MINIO_ENV_FILE=$(MINIO_ENV) scripts/kind_down.sh

tools: ## install kubectl (kustomize) and shellcheck the way CI does
	scripts/install_tools.sh

argo-retries: $(VENV_STAMP) ## set Argo's templateDefaults so that set_retry retries failed steps, not only lost pods (current kube context)
	$(CLUSTER_CLI) argo-retries

doctor: $(VENV_STAMP) ## check KFP, MinIO, the Secret, GPU nodes of the current kube context (TARGET, PROFILE)
	$(CLUSTER_CLI) doctor --target $(TARGET) --profile $(PROFILE) --kfp-host $(KFP_HOST)

data-upload: $(VENV_STAMP) ## upload DATA_DIR/fsdd and DATA_DIR/mnist to the MinIO datasets bucket
	@test -n "$(DATA_DIR)" || { echo "make data-upload needs DATA_DIR=<folder holding fsdd/ and mnist/>"; exit 2; }
	$(CLUSTER_CLI) data-upload $(DATA_DIR)

report-runs: $(VENV_STAMP) ## pull every run's results.csv from MinIO into one cross-run table (report/cross-run/)
	$(CLUSTER_CLI) report-runs --runs-dir report/cluster-runs --out report/cross-run

pipeline-submit: $(VENV_STAMP) ## compile and submit PROFILE to KFP_HOST (PARTS, TARGET, DATA_DIR=s3://..., WAIT=1 waits, downloads the report; CACHE=0 runs every task again)
	$(PY) -m pipelines.submit --profile $(PROFILE) --target $(TARGET) --host $(KFP_HOST) \
	  $(if $(PARTS),--parts $(PARTS)) $(if $(DATA_DIR),--data-dir $(DATA_DIR)) $(if $(WAIT),--wait) \
	  $(if $(filter 0,$(CACHE)),--no-cache)

LIVE_PARTS ?= p1
test-live: $(VENV_STAMP) ## the study on KFP_HOST (LIVE_PARTS=p1, LIVE_DATA_SOURCE, LIVE_RESUME=1; KUBECONFIG): runs, retries, cache, GPU placement, secrets (tests/cluster/test_live.py)
	DIGITSTUDY_LIVE=1 KFP_HOST=$(KFP_HOST) LIVE_PARTS=$(LIVE_PARTS) \
	  $(PY) -m pytest -m live -rs -v -s tests/cluster/test_live.py
