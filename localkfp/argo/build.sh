#!/usr/bin/env bash
# Builds Argo Workflows v4.0.5's workflow-controller and argoexec, and the argoexec image, into the
# build cache (make cluster-build-argo; part of make cluster-build-node's caller, make cluster-build):
#
#   localkfp/argo/build.sh
#
# From the Go module github.com/argoproj/argo-workflows/v4@v4.0.5 (the version KFP 2.17 pins):
# the module is copied out of the module cache into the build cache, the symlink that module zips
# drop is restored (in git, workflow/executor/osspecific/signal_linux.go -> signal_darwin.go:
# without it argoexec does not compile, "undefined: Setpgid"), and both programs are built as
# Argo's Makefile builds them (static, CGO_ENABLED=0, version -X flags). The argoexec image is
# one layer (argoexec in /bin, a /tmp, CA certificates, passwd/nsswitch as distroless has them),
# written as a docker-archive tarball that the node imports into containerd (no Docker engine).
# No Argo code is kept in this repository. LOCALKFP_LOCK as in localkfp/lib.sh (`heavy`).
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

module=github.com/argoproj/argo-workflows/v4
bins=(workflow-controller argoexec)
image_tar=$LOCALKFP_IMAGES/argoexec-$ARGO_VERSION.tar

if fresh "$ARGO_BIN" "${bins[@]}" && [ -s "$image_tar" ]; then
  log "argo $ARGO_VERSION: cached in $ARGO_BIN and $image_tar"
  exit 0
fi

info=$(GOFLAGS=-mod=mod go mod download -json "$module@$ARGO_VERSION")
dir=$(sed -n 's/^\t"Dir": "\(.*\)",$/\1/p' <<< "$info")
infofile=$(sed -n 's/^\t"Info": "\(.*\)",$/\1/p' <<< "$info")
[ -d "$dir" ] || die "go mod download $module@$ARGO_VERSION gave no folder"
date=$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$infofile")

src=$LOCALKFP_CACHE/src/argo-$ARGO_VERSION
if [ ! -e "$src/workflow/executor/osspecific/signal_linux.go" ]; then
  rm -rf "$src"
  mkdir -p "$(dirname "$src")"
  step "argo: copy $module@$ARGO_VERSION from the module cache" cp -r "$dir" "$src"
  chmod -R u+w "$src"
  # the one symlink of the module's tree in git that the module zip dropped
  ln -s signal_darwin.go "$src/workflow/executor/osspecific/signal_linux.go"
fi

ldflags="-s -w -X $module.version=$ARGO_VERSION -X $module.buildDate=$date"
ldflags+=" -X $module.gitTreeState=clean -X $module.gitTag=$ARGO_VERSION"
step "argo: go mod download" heavy bash -c "cd '$src' && GOWORK=off go mod download"
mkdir -p "$ARGO_BIN"
for b in "${bins[@]}"; do
  [ -x "$ARGO_BIN/$b" ] && [ "$(cat "$ARGO_BIN/.go-version" 2>/dev/null)" = "$GO_VERSION" ] && continue
  step "argo: $b" heavy bash -c "cd '$src' && CGO_ENABLED=0 GOWORK=off go build -trimpath \
    -ldflags '$ldflags -extldflags -static' -o '$ARGO_BIN/$b.tmp' ./cmd/$b && mv '$ARGO_BIN/$b.tmp' '$ARGO_BIN/$b'"
  stamp "$ARGO_BIN"
done

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/tmp" "$root/etc/ssl/certs"
chmod 1777 "$root/tmp"
install -m 0755 "$ARGO_BIN/argoexec" "$root/bin/argoexec"
[ ! -s /etc/ssl/certs/ca-certificates.crt ] || cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
[ ! -s /etc/mime.types ] || cp /etc/mime.types "$root/etc/mime.types"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' \
  > "$root/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' > "$root/etc/group"
echo 'hosts: files dns' > "$root/etc/nsswitch.conf"
step "argo: image $ARGOEXEC_IMAGE" image_tar "$ARGOEXEC_IMAGE" "$root" "$image_tar" '["argoexec"]'
