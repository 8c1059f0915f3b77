# digitstudy: `make run` (the whole study DAG, tiny profile, locally) and `make test`.
# Every target sets up .venv itself (pinned requirements.lock) when needed.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.installed

PROFILE ?= tiny
PARTS ?=
COLD ?=
DATA_DIR ?=
TARGET ?= cpu
RUNNER ?=
STORE ?=
WEED_DIR ?= .cache/weed
PYTEST_ARGS ?=
# pytest-xdist workers: one per core up to 4 (each imports TensorFlow, ~0.7 GB; a DAG test runs
# two tasks at a time); a test file stays on one worker (its module fixtures are built once)
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); echo $$(( n < 4 ? n : 4 )))
# A fixed test order by default (CI reproducible); `make test-random` shuffles it (pytest-randomly,
# seed printed; SEED=<n> repeats one order): a test may depend on no other test's leftovers.
PYTEST = $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile -p no:randomly

export TF_CPP_MIN_LOG_LEVEL ?= 2
export PYTHONWARNINGS ?= ignore::FutureWarning

.DEFAULT_GOAL := help

$(VENV_STAMP): pyproject.toml requirements.lock requirements-dev.lock
	@echo "first-run setup: creating $(VENV) with the pinned dependencies (TensorFlow, KFP, librosa...);"
	@echo "  about 3 GB installed, usually 5-8 minutes (6.5 measured on 2 cores); later runs skip it"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $@

.PHONY: help setup run test test-fast test-random lint bench paper-report pipeline-compile clean

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | sort | \
	  awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}'
	@echo
	@echo "  variables: PROFILE=tiny|paper  PARTS=p1,... (bound when the DAG is built)  DATA_DIR=<folder with fsdd/ and mnist/>  TARGET=cpu|gpu  COLD=1 (a fresh interpreter per local task)"

setup: $(VENV_STAMP) ## create .venv with the pinned dependencies

RUN_LOCAL = $(PY) -m pipelines.local.run_local --profile $(PROFILE) $(if $(BACKEND),--backend $(BACKEND)) $(if $(PARTS),--parts $(PARTS)) $(if $(RUNNER),--runner $(RUNNER)) $(if $(COLD),--cold-start)

run: $(VENV_STAMP) ## run the study DAG locally through kfp.local (PROFILE, PARTS, DATA_DIR, BACKEND=jax, RUNNER=docker, STORE=s3); report in report/
ifeq ($(STORE),s3)
	@# the data and report paths through a real S3 server: a local SeaweedFS (weed-up), the
	@# DATA_DIR uploaded to s3://datasets, the steps fetching from there, the report uploaded
	$(PY) -m digitstudy.cluster weed-up --dir $(WEED_DIR) --env-file $(WEED_DIR).env
	set -a && . ./$(WEED_DIR).env && set +a && \
	  $(if $(DATA_DIR),$(PY) -m digitstudy.cluster --minio-env $(WEED_DIR).env data-upload $(DATA_DIR) &&) \
	  $(RUN_LOCAL) $(if $(DATA_DIR),--data-dir s3://datasets)
else ifneq ($(STORE),)
	@echo "STORE=$(STORE): use STORE=s3 (a local SeaweedFS S3 server) or leave it unset"; exit 2
else
	$(RUN_LOCAL) $(if $(DATA_DIR),--data-dir $(DATA_DIR))
endif

test: $(VENV_STAMP) ## run every test (cluster-only checks skip with a reason unless a cluster is reachable)
	$(PYTEST) $(PYTEST_ARGS)

test-fast: $(VENV_STAMP) ## every test but the slow ones that train models or run the DAG (about 2 minutes)
	$(PYTEST) -m "not slow" $(PYTEST_ARGS)

test-random: $(VENV_STAMP) ## every test in a random order (pytest-randomly; the seed is printed, SEED=<n> repeats it)
	@seed=$${SEED:-$$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}; echo "test order seed: $$seed (make test-random SEED=$$seed repeats it)"; \
	  $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile -p randomly --randomly-seed=$$seed $(PYTEST_ARGS)

lint: $(VENV_STAMP) ## ruff over the code
	$(PY) -m ruff check src components pipelines tests scripts localkfp

# Training benchmark: the paper's models at BENCH_SCALE x their data and epochs (synthetic data).
BENCH_SCALE ?= 0.1
BENCH_BACKENDS ?= tensorflow jax

bench: $(VENV_STAMP) ## benchmarks: MFCC extractor vs plain librosa loop, training steps and the tiny DAG per Keras backend (needs DATA_DIR)
	@test -n "$(DATA_DIR)" || { echo "make bench needs DATA_DIR=<folder holding fsdd/ and mnist/>"; exit 2; }
	$(PY) scripts/bench_mfcc.py --data-dir $(DATA_DIR)
	$(PY) scripts/bench_task_overhead.py
	@mkdir -p build
	for b in $(BENCH_BACKENDS); do \
	  KERAS_BACKEND=$$b $(PY) scripts/bench_training.py --scale $(BENCH_SCALE) --budget 3600 \
	    --out build/bench-training-$$b.json || exit 1; done
	for b in $(BENCH_BACKENDS); do \
	  $(PY) -m pipelines.local.run_local --profile tiny --backend $$b $(if $(PARTS),--parts $(PARTS)) \
	    --data-dir $(DATA_DIR) --report-dir build/bench-report-$$b || exit 1; done

paper-report: $(VENV_STAMP) ## the report over the paper-profile cells of docs/paper-runs.md (docs/paper-records/) -> build/paper-report/
	$(PY) -m digitstudy.reporting.paper_records docs/paper-records/cells.csv build/paper-report

pipeline-compile: $(VENV_STAMP) ## compile the pipeline to build/digitstudy-<profile>[-<parts>]-<target>.yaml (PROFILE, PARTS, TARGET)
	$(PY) -m pipelines.compile --profile $(PROFILE) --target $(TARGET) $(if $(PARTS),--parts $(PARTS))

clean: ## remove local run outputs and build files (keeps .venv and report/)
	rm -rf local_outputs build .pytest_cache

-include mk/*.mk

KEEP ?= 3
.PHONY: clean-runs
clean-runs: ## keep only the newest KEEP (default 3) runs in local_outputs/ and report/runs/
	$(PY) -m pipelines.local.runs --keep $(KEEP) local_outputs report/runs
