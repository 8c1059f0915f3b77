#!/usr/bin/env bash
# build_go.sh <program>: build localkfp/cmd/<program> (the project's own Go module, which
# reaches KFP's checkout through the .kfp-src link made here) into the build cache, keyed by
# the KFP commit, the Go version and the module's sources; prints the binary's path last.
# A second run with nothing changed finds the binary and takes well under a second.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
program=${1:?usage: build_go.sh <program under localkfp/cmd>}
need_kfp_src
command -v go >/dev/null || { echo "localkfp: no Go toolchain (go) on PATH" >&2; exit 1; }
ln -sfn "$KFP_SRC" "$LOCALKFP_DIR/.kfp-src"
src_hash=$(cd "$LOCALKFP_DIR" && find go.mod go.sum "cmd/$program" -type f -name 'go.*' -o \
  -type f -name '*.go' | sort | xargs cat | sha256sum | cut -c1-12)
out=$LOCALKFP_BIN/$program-kfp${KFP_COMMIT:0:8}-$GO_VERSION-$src_hash/$program
if [ -x "$out" ]; then
  echo "localkfp: $program up to date"
  echo "$out"
  exit 0
fi
mkdir -p "$(dirname "$out")"
# static, as KFP builds its driver and launcher (backend/Dockerfile.driver ~30)
(cd "$LOCALKFP_DIR" && step "go build $program (KFP $KFP_TAG, $GO_VERSION)" \
  heavy env CGO_ENABLED=0 go build -trimpath -o "$out.partial" "./cmd/$program")
mv "$out.partial" "$out"
echo "$out"
