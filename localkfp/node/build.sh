#!/usr/bin/env bash
# Builds the local node's programs and images into the build cache (outside the repository):
#
#   localkfp/node/build.sh [packages|kube|etcd|crictl|pause|tools]...   (no argument: all of
#                                                             them; make cluster-build-node)
#
#   packages  the Debian packages the node runs (containerd, runc, CNI plugins, openssl, curl,
#           busybox-static for the tools image): apt-get installs those missing (root)
#   kube    kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kubectl v1.34.4 from
#           the k8s.io/kubernetes module through the wrapper module localkfp/kube (~8 min cold)
#   etcd    etcd v3.6.16 from go.etcd.io/etcd/server/v3 (wrapper module localkfp/etcd)
#   crictl  crictl v1.34.0 (go install sigs.k8s.io/cri-tools/cmd/crictl)
#   pause   the pod sandbox image (localkfp/node/pause, static Go) as a docker-archive tarball
#   tools   a busybox image (Debian's busybox-static) for the node's own checks (the Argo test)
#
# Each step prints its name and wall time; a step whose outputs exist (built by this Go
# version) is skipped, so a second run takes seconds. LOCALKFP_LOCK=<file>: each Go build runs
# under flock(1) on that file (localkfp/lib.sh, `heavy`), where several builds share the cores.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

command -v go >/dev/null || die "go missing: the builds need Go >= 1.24 on PATH"

# Upstream's release flags (hack/lib/golang.sh, hack/lib/version.sh): static, trimmed, the
# version stamped where `kubectl version` and the API server's /version read it.
kube_ldflags() {
  local date pkg flags="-s -w"
  date=$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/.*"Info": "\(.*\)",/\1/p' \
         | xargs sed -n 's/.*"Time":"\([^"]*\)".*/\1/p')
  for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    flags+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=34"
    flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=${date:-1970-01-01T00:00:00Z}"
  done
  echo "$flags"
}

DEBIAN_PACKAGES=(containerd runc containernetworking-plugins openssl curl busybox-static)

build_packages() {
  local missing=() p
  for p in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then log "Debian packages: installed (${DEBIAN_PACKAGES[*]})"; return; fi
  if [ "$(id -u)" != 0 ] || ! command -v apt-get > /dev/null; then
    die "Debian packages missing: ${missing[*]}: apt-get install -y ${missing[*]} (as root)"
  fi
  step "packages: apt-get install ${missing[*]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
}

build_kube() {
  local bins=(kubelet kube-scheduler kube-controller-manager kubectl kube-apiserver) b ldflags
  if fresh "$KUBE_BIN" "${bins[@]}"; then log "kube $KUBE_VERSION: cached in $KUBE_BIN"; return; fi
  step "kube: go mod download" heavy bash -c "cd '$LOCALKFP_DIR/kube' && go mod download"
  ldflags=$(cd "$LOCALKFP_DIR/kube" && kube_ldflags)
  for b in "${bins[@]}"; do
    [ -x "$KUBE_BIN/$b" ] && [ "$(cat "$KUBE_BIN/.go-version" 2>/dev/null)" = "$GO_VERSION" ] && continue
    step "kube: $b" heavy env CGO_ENABLED=0 GOWORK=off bash -c "cd '$LOCALKFP_DIR/kube' && go build -trimpath \
      -tags selinux,notest,grpcnotrace -ldflags '$ldflags' -o '$KUBE_BIN/$b.tmp' k8s.io/kubernetes/cmd/$b && \
      mv '$KUBE_BIN/$b.tmp' '$KUBE_BIN/$b'"
    stamp "$KUBE_BIN"
  done
}

build_etcd() {
  if fresh "$ETCD_BIN" etcd; then log "etcd $ETCD_VERSION: cached in $ETCD_BIN"; return; fi
  step "etcd: etcd" heavy env CGO_ENABLED=0 GOWORK=off bash -c "cd '$LOCALKFP_DIR/etcd' && go mod download && \
    go build -trimpath -ldflags '-s -w' -o '$ETCD_BIN/etcd' go.etcd.io/etcd/server/v3"
  stamp "$ETCD_BIN"
}

build_crictl() {
  if fresh "$CRICTL_BIN" crictl; then log "crictl $CRICTL_VERSION: cached in $CRICTL_BIN"; return; fi
  mkdir -p "$CRICTL_BIN"
  step "crictl: crictl" heavy env CGO_ENABLED=0 GOWORK=off GOBIN="$CRICTL_BIN" \
    go install -trimpath -ldflags '-s -w' "sigs.k8s.io/cri-tools/cmd/crictl@$CRICTL_VERSION"
  stamp "$CRICTL_BIN"
}

# The pause image's key: its source, so a change to it makes a new image
pause_key() { cat "$LOCALKFP_DIR/node/pause/main.go" "$LOCALKFP_DIR/node/pause/go.mod" | sha256sum | cut -c1-12; }
pause_tar() { echo "$LOCALKFP_IMAGES/pause-$(pause_key).tar"; }

build_pause() {
  local tar root
  tar=$(pause_tar)
  if [ -s "$tar" ]; then log "pause image: cached in $tar"; return; fi
  root=$(mktemp -d)
  # a few seconds of CPU: not worth the lock
  step "pause: go build" env CGO_ENABLED=0 GOWORK=off bash -c "cd '$LOCALKFP_DIR/node/pause' && \
    go build -trimpath -ldflags '-s -w' -o '$root/pause' ."
  step "pause: image $PAUSE_IMAGE" image_tar "$PAUSE_IMAGE" "$root" "$tar" '["/pause"]'
  rm -rf "$root"
}

tools_tar() { echo "$LOCALKFP_IMAGES/busybox-1.tar"; }

build_tools() {
  local tar root b
  tar=$(tools_tar)
  if [ -s "$tar" ]; then log "tools image: cached in $tar"; return; fi
  [ -x /bin/busybox ] || die "busybox missing: apt-get install -y busybox-static (the tools image is Debian's static busybox)"
  file -L /bin/busybox 2>/dev/null | grep -q 'statically linked' \
    || die "/bin/busybox is not static: apt-get install -y busybox-static"
  root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/tmp" "$root/etc"
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  for b in $(/bin/busybox --list); do [ "$b" = busybox ] || ln -s busybox "$root/bin/$b"; done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$root/etc/passwd"
  step "tools: image $TOOLS_IMAGE" image_tar "$TOOLS_IMAGE" "$root" "$tar" '["/bin/sh"]'
  rm -rf "$root"
}

main() {
  local what=("$@") c
  [ ${#what[@]} -gt 0 ] || what=(packages kube etcd crictl pause tools)
  for c in "${what[@]}"; do
    case $c in
      packages|kube|etcd|crictl|pause|tools) "build_$c" ;;
      *) die "unknown component $c (packages kube etcd crictl pause tools)" ;;
    esac
  done
}

# `build.sh --paths`: where the images are (used by up.sh)
if [ "${1:-}" = --paths ]; then
  echo "PAUSE_TAR=$(pause_tar)"
  echo "TOOLS_TAR=$(tools_tar)"
  exit 0
fi
main "$@"
