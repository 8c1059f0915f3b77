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
