#!/usr/bin/env bash
# The project's CPU image (make image-cpu, in the Docker engine) as a tarball the node imports,
# named localkfp/digitstudy-cpu:<its tag> (the name pipelines compiled for the local cluster use:
# DIGITSTUDY_IMAGE). Skipped when the tarball of that tag is there.
set -euo pipefail
# shellcheck source=../node/lib.sh
. "$(dirname "$0")/../node/lib.sh"
repo=$(cd "$LOCALKFP_DIR/.." && pwd)
tag=$(DIGITSTUDY_IMAGE_TAG='' make -s -C "$repo" --no-print-directory print-image-tag)
source_image=$(make -s -C "$repo" --no-print-directory print-cpu-image)
target=localkfp/digitstudy-cpu:$tag
out=$LOCALKFP_IMAGES/localkfp_digitstudy-cpu.tar
if [ -s "$out" ] && [ "$(cat "$out.ref" 2>/dev/null)" = "$target" ]; then
  log "$target present"
  exit 0
fi
docker image inspect "$source_image" >/dev/null 2>&1 || die "no $source_image in the Docker engine: make image-cpu (docs/cluster.md, 'Images')"
docker tag "$source_image" "$target"
mkdir -p "$LOCALKFP_IMAGES"
docker save -o "$out.tmp" "$target"
mv "$out.tmp" "$out"
echo "$target" > "$out.ref"
log "$target saved to $out ($(du -h "$out" | cut -f1))"
