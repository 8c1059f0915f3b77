# Shared by localkfp/scripts/*.sh: the versions, the build cache, timed steps.
# shellcheck shell=bash
LOCALKFP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../versions.env
. "$LOCALKFP_DIR/versions.env"
CACHE_ROOT=${DIGITSTUDY_CACHE:-$HOME/.cache/digitstudy}/localkfp
KFP_SRC=$CACHE_ROOT/kfp-src/$KFP_TAG-${KFP_COMMIT:0:8}
export GO_VERSION KFP_SRC CACHE_ROOT
GO_VERSION=$(go env GOVERSION 2>/dev/null || echo nogo)

# step <name> <command...>: run a build step, print its name and wall time.
step() {
  local name=$1 start=$SECONDS
  shift
  echo "localkfp: $name ..."
  "$@" || { echo "localkfp: $name FAILED after $((SECONDS - start)) s" >&2; return 1; }
  echo "localkfp: $name done in $((SECONDS - start)) s"
}

need_kfp_src() {
  if [ ! -f "$KFP_SRC/go.mod" ]; then
    echo "localkfp: no KFP $KFP_TAG checkout at $KFP_SRC; make it with:" >&2
    echo "  make kfp-src KFP_GIT=<KFP's git URL or a local mirror of it>" >&2
    return 1
  fi
}
