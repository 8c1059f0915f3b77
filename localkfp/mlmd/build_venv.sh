#!/usr/bin/env bash
# The MLMD shim's virtualenv, in the build cache (never the project's .venv: ml-metadata 1.17.x
# wants protobuf < 5): ${DIGITSTUDY_CACHE:-~/.cache/digitstudy}/localkfp/mlmd-venv-<version>/,
# from localkfp/mlmd/requirements.txt (every package pinned). Rebuilt only when that file
# changes (its sha256 is the stamp); a second run takes well under a second. Python 3.11:
# the wheel is cp311 (PYTHON overrides). Prints the venv's path on its last line.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
req=$here/requirements.txt
version=$(sed -n 's/^ml-metadata==//p' "$req")
# shellcheck source=../lib.sh
. "$here/../lib.sh"
VENV=${MLMD_VENV:-$LOCALKFP_CACHE/mlmd-venv-$version}
PYTHON=${PYTHON:-python3.11}

# stdout is the venv's path alone
log() { echo "mlmd-venv: $*" >&2; }
want=$(sha256sum "$req" | cut -d' ' -f1)
if [[ -f $VENV/.requirements.sha256 && $(cat "$VENV/.requirements.sha256") == "$want" ]]; then
  log "cached ($VENV)"
  echo "$VENV"
  exit 0
fi
command -v "$PYTHON" >/dev/null || { log "FAILED: $PYTHON not found (the ml-metadata wheel is cp311; set PYTHON=)"; exit 1; }
t0=$SECONDS
log "creating $VENV with $("$PYTHON" --version) from $req"
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
install=("$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --require-virtualenv -r "$req")
t=$SECONDS
heavy "${install[@]}"
log "pip install took $((SECONDS - t)) s"
"$VENV/bin/python" -c 'import ml_metadata, sonora, grpc, google.protobuf as p; print("mlmd-venv: ml-metadata", ml_metadata.__version__, "protobuf", p.__version__, "grpcio", grpc.__version__)' >&2
echo "$want" >"$VENV/.requirements.sha256"
log "done in $((SECONDS - t0)) s"
echo "$VENV"
