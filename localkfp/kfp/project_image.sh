#!/usr/bin/env bash
# The project's CPU image (make image-cpu, in the Docker engine) as a tarball the node imports
# under its own name (make print-cpu-image: the name `make pipeline-submit` compiles in; the
# kubelet never pulls it: a tagged image that is present, imagePullPolicy IfNotPresent).
# Skipped when the tarball of that name and tag is there.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
repo=$(cd "$LOCALKFP_DIR/.." && pwd)
target=$(make -s -C "$repo" --no-print-directory print-cpu-image)
out=$LOCALKFP_IMAGES/localkfp_digitstudy-cpu.tar
if [ -s "$out" ] && [ "$(cat "$out.ref" 2>/dev/null)" = "$target" ]; then
  log "$target present"
  exit 0
fi
docker image inspect "$target" >/dev/null 2>&1 || die "no $target in the Docker engine: make image-cpu (docs/cluster.md, 'Images')"
mkdir -p "$LOCALKFP_IMAGES"
docker save -o "$out.tmp" "$target"
mv "$out.tmp" "$out"
echo "$target" > "$out.ref"
log "$target saved to $out ($(du -h "$out" | cut -f1))"
