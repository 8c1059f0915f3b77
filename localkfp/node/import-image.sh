#!/usr/bin/env bash
# Imports images into the running node's containerd (root), e.g. the driver, launcher or the
# project's CPU image: docker-archive tarballs (`docker save IMAGE -o x.tar`) or OCI archives.
#
#   localkfp/node/import-image.sh TARBALL...
#
# Pods then use them by name with imagePullPolicy Never or IfNotPresent (nothing is pulled).
# Tarballs put in $DIGITSTUDY_CACHE/localkfp/images/ are imported by every bring-up instead.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
[ $# -gt 0 ] || die "usage: import-image.sh TARBALL..."
sock=$LOCALKFP_STATE/run/containerd/containerd.sock
[ -S "$sock" ] || die "no containerd socket at $sock: localkfp/node/up.sh first"
for tar in "$@"; do
  ctr --address "$sock" -n k8s.io images import "$tar" | sed 's/^/localkfp: imported /'
done
