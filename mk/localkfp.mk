# The project's own single-node Kubeflow Pipelines (localkfp/, localkfp/README.md).
# Included by the Makefile. Everything runs as root; state and logs in LOCALKFP_STATE.

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
