#!/usr/bin/env bash
# KFP 2.17.0's driver and launcher images, without a Docker engine: each static binary (built
# by localkfp/scripts/build_kfp.sh with the flags of KFP's Dockerfile.driver/.launcher) in a
# one-layer image as upstream's (a distroless-like root: CA bundle, /tmp, nonroot 65532), as
# docker-archive tarballs in the images folder that the node imports at bring-up.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=env.sh
. "$(dirname "$0")/env.sh"
kfp_bin=$("$LOCALKFP_DIR/scripts/build_kfp.sh" driver launcher-v2 | tail -n 1)
for program in driver launcher-v2; do
  image=${KFP_IMAGES[$program]}
  out=$LOCALKFP_IMAGES/${image//[:\/]/_}.tar
  if [ -s "$out" ] && [ "$out" -nt "$kfp_bin/$program" ]; then
    log "$image present"
    continue
  fi
  root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/etc/ssl/certs" "$root/tmp"
  chmod 1777 "$root/tmp"
  cp "$kfp_bin/$program" "$root/bin/$program"
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' \
    > "$root/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' > "$root/etc/group"
  # the Workflow's pods run with runAsNonRoot (argocompiler/argo.go ~186): a numeric user
  step "image $image" image_tar "$image" "$root" "$out" "[\"/bin/$program\"]" 65532
  rm -rf "$root"
done
