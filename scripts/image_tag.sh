#!/usr/bin/env bash
# Print the image tag for the current source: the git commit (12 hex digits).
# KFP caches step results by image tag, so a tag must never name two different contents:
# uncommitted changes to what goes into the image add "-dirty-<hash of those changes>".
set -euo pipefail
cd "$(dirname "$0")/.."
# requirements-dev.lock: its jax pin goes into the JAX GPU image (make image-gpu-jax).
paths=(src pyproject.toml README.md requirements.lock requirements-dev.lock images .dockerignore)
commit=$(git rev-parse --short=12 HEAD)
if [ -z "$(git status --porcelain -- "${paths[@]}")" ]; then
  echo "$commit"
  exit 0
fi
changes=$({
  git diff HEAD --binary -- "${paths[@]}"
  git ls-files --others --exclude-standard -z -- "${paths[@]}" | xargs -0 -r sha256sum
} | sha256sum | cut -c1-8)
echo "${commit}-dirty-${changes}"
