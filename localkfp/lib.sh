# shellcheck shell=bash disable=SC2034  # the variables are for the scripts that source it
# Shared by every localkfp script (sourced, never run): versions, the build cache's paths, KFP's
# checkout, timed steps, the CPU lock for heavy builds, and a docker-archive image writer that
# needs no Docker engine.
#
# Build cache: ${DIGITSTUDY_CACHE:-$HOME/.cache/digitstudy}/localkfp/bin/<component>-<version>/,
# each folder stamped with the Go version that built it (a different Go rebuilds it).
# Runtime state: ${LOCALKFP_STATE:-/var/lib/localkfp} (logs/, pki/, etcd/, kubeconfig, ...).
# LOCALKFP_LOCK=<file>: every heavy build command (`heavy`) runs under flock(1) on that file,
# where several builds share the machine's cores.

# The folder localkfp/ (this file is localkfp/lib.sh)
LOCALKFP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# KFP_TAG, KFP_COMMIT, KFP_GIT_DEFAULT
# shellcheck source=versions.env
. "$LOCALKFP_DIR/versions.env"

KUBE_VERSION=v1.34.4
ETCD_VERSION=v3.6.16
CRICTL_VERSION=v1.34.0
ARGO_VERSION=v4.0.5

LOCALKFP_CACHE=${DIGITSTUDY_CACHE:-$HOME/.cache/digitstudy}/localkfp
LOCALKFP_BIN=$LOCALKFP_CACHE/bin
LOCALKFP_IMAGES=$LOCALKFP_CACHE/images
LOCALKFP_STATE=${LOCALKFP_STATE:-/var/lib/localkfp}
# KFP's checkout at its release tag (make kfp-src); the Go version keys every build
KFP_SRC=$LOCALKFP_CACHE/kfp-src/$KFP_TAG-${KFP_COMMIT:0:8}
GO_VERSION=$(go env GOVERSION 2>/dev/null || echo nogo)
export KFP_SRC GO_VERSION
# KFP's backend programs, built from the checkout (localkfp/scripts/build_kfp.sh)
KFP_BIN=$LOCALKFP_BIN/kfp-$KFP_TAG-${KFP_COMMIT:0:8}-$GO_VERSION
# KFP's UI, built from the checkout's frontend/ (localkfp/ui/build.sh)
KFP_UI_DIR=$LOCALKFP_CACHE/ui-$KFP_TAG-${KFP_COMMIT:0:8}

KUBE_BIN=$LOCALKFP_BIN/kube-$KUBE_VERSION
ETCD_BIN=$LOCALKFP_BIN/etcd-$ETCD_VERSION
CRICTL_BIN=$LOCALKFP_BIN/crictl-$CRICTL_VERSION
ARGO_BIN=$LOCALKFP_BIN/argo-$ARGO_VERSION

# Images imported into the node's containerd (never pulled: imagePullPolicy Never/IfNotPresent).
# containerd names them docker.io/<name>.
PAUSE_IMAGE=localkfp/pause:1
ARGOEXEC_IMAGE=localkfp/argoexec:$ARGO_VERSION
TOOLS_IMAGE=localkfp/busybox:1

# Network of the node (inside its own network namespace; see localkfp/README.md, "The node")
NODE_NETNS=${LOCALKFP_NETNS:-localkfp}
NODE_NAME=localkfp-node
# A veth pair in a private /30, host <-> node only: the node's end is the node IP, which the
# host reaches directly (connected /30) and pods reach through their ptp route.
HOST_VETH=lkfp-host
NODE_VETH=lkfp-node
HOST_VETH_IP=10.255.255.1
NODE_IP=10.255.255.2
# The default/kubernetes service's ClusterIP: an address on the node's lo, where the API server
# listens on 443, so in-pod clients (KUBERNETES_SERVICE_HOST) reach it with no kube-proxy.
SERVICE_CIDR=10.96.0.0/24
KUBE_SVC_IP=10.96.0.1
POD_SUBNET=10.244.0.0/24
POD_ROUTE=10.244.0.0/16

log() { echo "localkfp: $(date +%T) $*"; }
die() { echo "localkfp: $*" >&2; exit 1; }

# step NAME COMMAND...: runs COMMAND, prints its name, then its wall time and exit status.
step() {
  local name=$1 start rc=0
  shift
  echo "== $name"
  start=$(date +%s.%N)
  "$@" || rc=$?
  awk -v n="$name" -v s="$start" -v e="$(date +%s.%N)" -v r=$rc \
    'BEGIN{printf "== %s: %.1f s (rc %d)\n", n, e-s, r}'
  return "$rc"
}

# heavy COMMAND...: COMMAND under flock(1) on $LOCALKFP_LOCK when that is set (one heavy build
# at a time); a wait for the lock is said on stderr. Only around leaf commands (go build, npm,
# pip): a heavy command that ran another `heavy` would wait for itself.
heavy() {
  [ -n "${LOCALKFP_LOCK:-}" ] || { "$@"; return; }
  # shellcheck disable=SC2016  # expanded by the inner bash
  flock "$LOCALKFP_LOCK" bash -c 'waited=$(( $(date +%s) - $1 ))
    [ "$waited" -eq 0 ] || echo "localkfp: waited $waited s for the lock $2" >&2
    shift 2; exec "$@"' _ "$(date +%s)" "$LOCALKFP_LOCK" "$@"
}

need_kfp_src() {
  if [ ! -f "$KFP_SRC/go.mod" ]; then
    echo "localkfp: no KFP $KFP_TAG checkout at $KFP_SRC; make it with:" >&2
    echo "  make kfp-src KFP_GIT=<KFP's git URL or a local mirror of it>" >&2
    return 1
  fi
}

# fresh DIR FILE...: true when every FILE is in DIR and DIR was built by this Go version
fresh() {
  local dir=$1 f
  shift
  [ "$(cat "$dir/.go-version" 2>/dev/null)" = "$GO_VERSION" ] || return 1
  for f in "$@"; do [ -x "$dir/$f" ] || [ -s "$dir/$f" ] || return 1; done
}

stamp() { mkdir -p "$1" && echo "$GO_VERSION" > "$1/.go-version"; }

# image_tar NAME:TAG ROOTFS OUT.tar ENTRYPOINT_JSON [USER]: a one-layer docker-archive tarball
# (what `docker save` writes) of the folder ROOTFS, for `ctr -n k8s.io images import`. USER: a
# numeric user the image runs as (a pod with runAsNonRoot needs one: kubelet's check).
image_tar() {
  local ref=$1 rootfs=$2 out=$3 entrypoint=$4 user=${5:-} work layer_sha config config_sha
  work=$(mktemp -d)
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$rootfs" -cf "$work/layer.tar" .
  layer_sha=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
  mkdir "$work/$layer_sha"
  mv "$work/layer.tar" "$work/$layer_sha/layer.tar"
  config=$(printf '{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z",%s,%s}' \
    "\"config\":{\"Entrypoint\":$entrypoint,${user:+\"User\":\"$user\",}\"Env\":[\"PATH=/usr/local/bin:/usr/bin:/bin\"]}" \
    "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:$layer_sha\"]}")
  config_sha=$(printf '%s' "$config" | sha256sum | cut -d' ' -f1)
  printf '%s' "$config" > "$work/$config_sha.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' \
    "$config_sha" "$ref" "$layer_sha" > "$work/manifest.json"
  mkdir -p "$(dirname "$out")"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$work" -cf "$out.tmp" \
    manifest.json "$config_sha.json" "$layer_sha"
  mv "$out.tmp" "$out"
  rm -rf "$work"
}
