# The local Kubeflow Pipelines (localkfp/README.md): KFP 2.17.0's backend from a checkout of
# its release tag, the project's own Go programs that reach it, and the checks run on them.
# Included by the Makefile, which defines PY and VENV_STAMP.

# KFP's public repository, or a local mirror of it where GitHub cannot be reached
KFP_GIT ?=
LOCALKFP_SCRIPTS := localkfp/scripts

.PHONY: kfp-src backend-check-build backend-check

kfp-src: ## a checkout of KFP 2.17.0 (KFP_GIT: its repository or a local mirror) in the build cache
	$(if $(KFP_GIT),KFP_GIT=$(KFP_GIT)) $(LOCALKFP_SCRIPTS)/kfp_src.sh

backend-check-build: ## build localkfp/cmd/backend-check against the KFP checkout (cached by version)
	@$(LOCALKFP_SCRIPTS)/build_go.sh backend-check

backend-check: $(VENV_STAMP) ## every pipeline through KFP 2.17's run creation and Argo's lint -> build/argo/
	@bin=$$($(LOCALKFP_SCRIPTS)/build_go.sh backend-check | tail -n 1) && \
	  $(PY) -m localkfp.backend_check --binary "$$bin" --out build/argo

LOCALKFP_STATE ?= /var/lib/localkfp
export LOCALKFP_STATE

# ---- the node: Kubernetes v1.34.4, etcd v3.6.16, containerd (Debian), Argo v4.0.5 ----------------
# Build cache: $(DIGITSTUDY_CACHE)/localkfp (default ~/.cache/digitstudy/localkfp); a second
# build takes seconds. LOCALKFP_LOCK=<file>: each build step under flock on that file.

.PHONY: cluster-build-node cluster-build-argo node-up node-down argo-up node-check

cluster-build-node: ## build Kubernetes v1.34.4, etcd, crictl, the pause and busybox images into the build cache
	localkfp/node/build.sh

cluster-build-argo: ## build Argo v4.0.5 workflow-controller and argoexec (+ its image) into the build cache
	localkfp/argo/build.sh

node-up: ## start the single node (network namespace, containerd, etcd, API server, kubelet...) (root)
	localkfp/node/up.sh

argo-up: ## install Argo's CRDs and configmap on the node and start its workflow-controller (root)
	localkfp/argo/up.sh

node-check: ## run a two-step Argo workflow on the node (output parameter passed), wait for Succeeded
	localkfp/argo/check.sh

node-down: ## stop the node and everything started in it; prints anything left behind (root)
	localkfp/node/down.sh
# ---- end of the node's targets -----------------------------------------------------------------

# --- the whole local cluster: node, Argo, KFP's backend, MLMD, UI --------------------------------
.PHONY: cluster-build cluster-up cluster-down

cluster-build: ## every binary and image of the local KFP into the build cache (LOCALKFP_LOCK=<file>: builds under flock)
	localkfp/cluster_build.sh

cluster-up: $(VENV_STAMP) ## start the local KFP 2.17 (root); prints KFP_HOST, the UI's URL, KUBECONFIG
	localkfp/cluster_up.sh

cluster-down: ## stop the local KFP and the node; prints anything left behind (root)
	localkfp/node/down.sh

# --- ML Metadata shim (localkfp/mlmd): gRPC + gRPC-Web over the ml-metadata wheel -----------
MLMD_HOST ?= 127.0.0.1
MLMD_GRPC_PORT ?= 8080
MLMD_GRPC_WEB_PORT ?= 9090

.PHONY: cluster-build-mlmd cluster-mlmd-serve cluster-mlmd-check

cluster-build-mlmd: ## the MLMD shim's virtualenv in the build cache (ml-metadata 1.17.1, sonora; protobuf < 5)
	localkfp/mlmd/build_venv.sh

cluster-mlmd-serve: cluster-build-mlmd ## run the MLMD shim in the foreground (MLMD_HOST, MLMD_GRPC_PORT, MLMD_GRPC_WEB_PORT; SQLite in LOCALKFP_STATE)
	LOCALKFP_STATE=$(LOCALKFP_STATE) localkfp/mlmd/serve.sh --host $(MLMD_HOST) \
	  --grpc-port $(MLMD_GRPC_PORT) --grpc-web-port $(MLMD_GRPC_WEB_PORT)

cluster-mlmd-check: cluster-build-mlmd ## KFP's MLMD calls against a running shim or server (gRPC, and gRPC-Web when MLMD_GRPC_WEB_PORT is not empty)
	"$$(localkfp/mlmd/build_venv.sh 2>/dev/null)/bin/python" localkfp/mlmd/check.py \
	  --grpc $(MLMD_HOST):$(MLMD_GRPC_PORT) $(if $(MLMD_GRPC_WEB_PORT),--grpc-web http://$(MLMD_HOST):$(MLMD_GRPC_WEB_PORT))

# --- KFP UI (localkfp/ui): client + Node server from the checkout's frontend/ --------------
UI_HOST ?= 127.0.0.1
UI_PORT ?= 3000

.PHONY: cluster-build-ui cluster-ui-serve

cluster-build-ui: ## build the KFP 2.17.0 UI (client and server) in a copy of the checkout's frontend/, in the build cache
	localkfp/ui/build.sh

cluster-ui-serve: cluster-build-ui ## serve the UI on UI_HOST:UI_PORT (127.0.0.1:3000) in the foreground (env: localkfp/ui/serve.sh)
	UI_HOST=$(UI_HOST) UI_PORT=$(UI_PORT) localkfp/ui/serve.sh
