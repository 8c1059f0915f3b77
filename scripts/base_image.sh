#!/usr/bin/env bash
# Offline / air-gapped stand-in for python:3.11-slim-bookworm, built from Debian's packages.
#
#   scripts/base_image.sh [TAG]      (make base-image; default tag digitstudy-base:bookworm-py3.11)
#
# Where a registry is reachable the images use the official python base unchanged; this is for
# machines that reach only a Debian mirror and PyPI (through their ordinary clients). It runs
# debootstrap (bookworm, minbase) + python3 python3-venv ca-certificates, makes /usr/local a venv
# so `python`/`pip` resolve as in the official image, trusts the host's CA bundle (networks that
# intercept TLS re-sign PyPI's certificate with their own CA), and `docker import`s the result.
#
# Environment: DEBIAN_MIRROR (default: the bookworm mirror this host's apt uses),
# HOST_CA_BUNDLE (default /etc/ssl/certs/ca-certificates.crt; empty: trust only Debian's CAs),
# WORK_DIR (scratch for the root filesystem, default /var/tmp). Needs root, debootstrap, docker.
set -euo pipefail
tag=${1:-digitstudy-base:bookworm-py3.11}
suite=bookworm
ca_bundle=${HOST_CA_BUNDLE-/etc/ssl/certs/ca-certificates.crt}

die() { echo "base_image: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "debootstrap needs root (run as root, or use the official python base)"
command -v debootstrap >/dev/null || die "debootstrap missing: apt-get install -y debootstrap"
docker info >/dev/null 2>&1 || die "no Docker engine answers (see docs/cluster.md, 'Images')"
if [ -z "${DEBIAN_MIRROR:-}" ]; then
  # The mirror apt already reaches here (sources.list or deb822 .sources), e.g. http://deb.debian.org/debian/
  # shellcheck disable=SC2016  # $(REPO_URI) is apt-get's own format field, not a shell expansion
  DEBIAN_MIRROR=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 'Created-By: Packages' 2>/dev/null \
                  | awk -v s="$suite" '$2 == s {print $1; exit}')
fi
[ -n "${DEBIAN_MIRROR:-}" ] || die "no $suite mirror in this host's apt sources: set DEBIAN_MIRROR=<url>"
[ -z "$ca_bundle" ] || [ -s "$ca_bundle" ] || die "HOST_CA_BUNDLE=$ca_bundle: no such file"

rootfs=$(mktemp -d "${WORK_DIR:-/var/tmp}/digitstudy-base.XXXXXX")
trap 'rm -rf "$rootfs"' EXIT
echo "base_image: debootstrap $suite (minbase) from $DEBIAN_MIRROR into $rootfs"
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
  "$suite" "$rootfs" "$DEBIAN_MIRROR"

# The same suites as the official image (updates and security), from the same host.
mirror=${DEBIAN_MIRROR%/}
cat > "$rootfs/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb ${mirror%/debian}/debian-security $suite-security main
EOF

if [ -n "$ca_bundle" ]; then
  # update-ca-certificates keeps local CAs in the system bundle whenever ca-certificates reconfigures.
  install -m 0644 "$ca_bundle" "$rootfs/usr/local/share/ca-certificates/host-ca-bundle.crt"
  chroot "$rootfs" update-ca-certificates --fresh >/dev/null 2>&1
fi
# /usr/local as a venv: /usr/local/bin/{python,python3,pip} and a site-packages pip may write to,
# like python:3.11-slim-bookworm (whose Python lives under /usr/local).
chroot "$rootfs" python3 -m venv /usr/local
chroot "$rootfs" /usr/local/bin/python -c 'import sys; assert sys.prefix == "/usr/local", sys.prefix'
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
       "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/tmp/* "$rootfs"/var/log/*.log

bundle=/etc/ssl/certs/ca-certificates.crt
tar --numeric-owner -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change "ENV PIP_CERT=$bundle" \
  --change "ENV REQUESTS_CA_BUNDLE=$bundle" \
  --change "ENV SSL_CERT_FILE=$bundle" \
  --change 'CMD ["python3"]' \
  --message "digitstudy base: debootstrap $suite minbase + python3 venv at /usr/local ($mirror)" \
  - "$tag" >/dev/null
docker run --rm --network none "$tag" python -c 'import ssl, sys, venv; print("base_image:", sys.version.split()[0])'
echo "base_image: built $tag ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}'))"
