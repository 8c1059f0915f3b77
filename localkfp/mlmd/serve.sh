#!/usr/bin/env bash
# Start the MLMD shim in the foreground: gRPC (KFP's metadata-grpc-service) and gRPC-Web (the
# UI's METADATA_ENVOY_SERVICE_SERVICE_HOST/PORT). Flags and env (MLMD_HOST, MLMD_GRPC_PORT,
# MLMD_GRPC_WEB_PORT, MLMD_DB, MLMD_READY_FILE, LOCALKFP_STATE): `serve.sh --help`.
# The virtualenv comes from `make cluster-build-mlmd` (localkfp/mlmd/build_venv.sh).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
version=$(sed -n 's/^ml-metadata==//p' "$here/requirements.txt")
VENV=${MLMD_VENV:-${DIGITSTUDY_CACHE:-$HOME/.cache/digitstudy}/localkfp/mlmd-venv-$version}
if [[ ! -x $VENV/bin/python ]]; then
  echo "mlmd-shim: no virtualenv at $VENV: run make cluster-build-mlmd (localkfp/mlmd/build_venv.sh)" >&2
  exit 1
fi
exec "$VENV/bin/python" "$here/shim.py" "$@"
