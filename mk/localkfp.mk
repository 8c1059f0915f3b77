# The local Kubeflow Pipelines (localkfp/, localkfp/README.md): `make cluster-build`,
# `make cluster-up`, `make cluster-down`. Included by the Makefile. Each piece keeps its own
# block below; builds go to ${DIGITSTUDY_CACHE:-~/.cache/digitstudy}/localkfp/, keyed by version.

LOCALKFP_STATE ?= /var/lib/localkfp

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
