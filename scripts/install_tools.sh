#!/usr/bin/env bash
# Install the command-line tools the cluster tests and targets use, the same way CI does.
#
#   kubectl with kustomize >= v4 (`kubectl kustomize` builds k8s/ offline)
#     Debian's own `kubernetes-client` package is v1.20 (kustomize v2.0.3: it cannot read
#     `labels:` or `patches:`), so when no recent kubectl or kustomize is on PATH this adds
#     the Kubernetes project's apt repository (pkgs.k8s.io, minor version $KUBECTL_MINOR)
#     and installs `kubectl` from it with apt.
#   ShellCheck (Debian package `shellcheck`) lints scripts/*.sh in the tests.
#   kubernetes-validate (offline JSON-schema validator for Kubernetes objects) is a Python
#     package pinned in requirements.lock / the dev extra: the venv already has it.
#
# Idempotent; needs root (or sudo) only when something is missing. Tests that need a
# missing tool are skipped with a message naming this script.
set -euo pipefail
cd "$(dirname "$0")/.."

KUBECTL_MINOR=${KUBECTL_MINOR:-v1.34}

log() { printf 'install-tools: %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root to run: $*"; return 1
  fi
}

kustomize_ok() {
  if command -v kustomize >/dev/null 2>&1; then return 0; fi
  command -v kubectl >/dev/null 2>&1 || return 1
  # "Kustomize Version: v5.5.0" -> 5
  local major
  major=$(kubectl version --client 2>/dev/null | sed -n 's/^Kustomize Version: v\([0-9]*\).*/\1/p')
  [ -n "$major" ] && [ "$major" -ge 4 ]
}

apt_install() {
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
}

if kustomize_ok; then
  log "kustomize: ok ($(kubectl version --client 2>/dev/null | grep -i kustomize || kustomize version))"
elif command -v apt-get >/dev/null; then
  log "installing kubectl ${KUBECTL_MINOR}.x from pkgs.k8s.io (apt)"
  as_root apt-get update -q
  apt_install ca-certificates curl gnupg
  as_root install -d -m 0755 /etc/apt/keyrings
  curl -fsSL "https://pkgs.k8s.io/core:/stable:/${KUBECTL_MINOR}/deb/Release.key" \
    | as_root gpg --batch --yes --dearmor -o /etc/apt/keyrings/kubernetes-apt-keyring.gpg
  echo "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/${KUBECTL_MINOR}/deb/ /" \
    | as_root tee /etc/apt/sources.list.d/kubernetes.list >/dev/null
  as_root apt-get update -q
  apt_install kubectl
  kustomize_ok || { log "kubectl installed but kustomize still unusable"; exit 1; }
else
  log "no kubectl with kustomize >= v4 and no apt-get: install kubectl (https://kubernetes.io/docs/tasks/tools/)"
  exit 1
fi

if command -v shellcheck >/dev/null; then
  log "shellcheck: ok ($(shellcheck --version | sed -n 's/^version: //p'))"
elif command -v apt-get >/dev/null; then
  as_root apt-get update -q
  apt_install shellcheck
else
  log "shellcheck missing and no apt-get: the script lint test will be skipped"
fi

if [ -x .venv/bin/python ] && ! .venv/bin/python -c "import kubernetes_validate" 2>/dev/null; then
  log "kubernetes-validate missing from .venv: installing the pinned version from requirements-dev.lock"
  .venv/bin/pip install -q "$(grep '^kubernetes-validate==' requirements-dev.lock)" \
    "$(grep '^importlib_resources==' requirements-dev.lock)"
fi
log "done"
