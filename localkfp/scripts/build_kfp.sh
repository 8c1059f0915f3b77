#!/usr/bin/env bash
# build_kfp.sh [program...]: KFP 2.17.0's backend programs from the checkout (make kfp-src), with
# the flags of KFP's own Dockerfiles, into the build cache keyed by the KFP commit and the Go
# version. Programs: apiserver persistence_agent driver launcher-v2 (default: all). Each one
# present is skipped; each build prints its time. Prints the binaries' folder last.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
need_kfp_src
command -v go >/dev/null || { echo "localkfp: no Go toolchain (go) on PATH" >&2; exit 1; }
out=$KFP_BIN
mkdir -p "$out"

build() {
  local name=$1 pkg=$2
  shift 2
  [ -x "$out/$name" ] && { echo "localkfp: $name present"; return 0; }
  step "go build $name (KFP $KFP_TAG)" heavy env -C "$KFP_SRC" "$@" go build -o "$out/$name.partial" "$pkg"
  mv "$out/$name.partial" "$out/$name"
}

for program in "${@:-apiserver persistence_agent driver launcher-v2}"; do
  for p in $program; do
    case $p in
      # backend/Dockerfile ~27 (cgo: mattn/go-sqlite3)
      apiserver) build apiserver ./backend/src/apiserver ;;
      # backend/Dockerfile.persistenceagent ~28
      persistence_agent) build persistence_agent ./backend/src/agent/persistence ;;
      # backend/Dockerfile.driver ~30, Dockerfile.launcher ~28: static, netgo
      driver) build driver ./backend/src/v2/cmd/driver CGO_ENABLED=0 GOFLAGS=-tags=netgo ;;
      launcher-v2) build launcher-v2 ./backend/src/v2/cmd/launcher-v2 CGO_ENABLED=0 GOFLAGS=-tags=netgo ;;
      *) echo "localkfp: unknown KFP program $p" >&2; exit 2 ;;
    esac
  done
done
echo "$out"
