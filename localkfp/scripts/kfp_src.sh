#!/usr/bin/env bash
# make kfp-src: a checkout of KFP_GIT at tag $KFP_TAG (refused unless it is $KFP_COMMIT) in the
# build cache, outside the repository. KFP_GIT: KFP's public repository (default) or a local
# mirror of it where GitHub cannot be reached.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
KFP_GIT=${KFP_GIT:-$KFP_GIT_DEFAULT}
if [ -f "$KFP_SRC/go.mod" ] && [ "$(git -C "$KFP_SRC" rev-parse HEAD)" = "$KFP_COMMIT" ]; then
  echo "localkfp: KFP $KFP_TAG checkout present: $KFP_SRC"
  exit 0
fi
tmp=$KFP_SRC.partial
rm -rf "$tmp"
mkdir -p "$tmp"
fetch() {
  git -C "$tmp" init -q
  git -C "$tmp" fetch -q --depth 1 "$KFP_GIT" "refs/tags/$KFP_TAG:refs/tags/$KFP_TAG"
}
step "fetch tag $KFP_TAG from $KFP_GIT" fetch || {
  echo "localkfp: could not fetch tag $KFP_TAG from KFP_GIT=$KFP_GIT" >&2
  echo "  (no GitHub here? pass a local mirror: make kfp-src KFP_GIT=<path>)" >&2
  exit 1
}
got=$(git -C "$tmp" rev-parse "refs/tags/$KFP_TAG^{commit}")
if [ "$got" != "$KFP_COMMIT" ]; then
  echo "localkfp: refusing $KFP_GIT: its tag $KFP_TAG is commit $got, not $KFP_COMMIT" >&2
  rm -rf "$tmp"
  exit 1
fi
step "check out $KFP_TAG" git -C "$tmp" -c advice.detachedHead=false checkout -q "$KFP_COMMIT"
rm -rf "$KFP_SRC"
mv "$tmp" "$KFP_SRC"
echo "localkfp: KFP $KFP_TAG ($KFP_COMMIT) checked out at $KFP_SRC"
