#!/usr/bin/env bash
# A headless-Chromium screenshot of a page of the KFP UI (or any loopback URL):
#   localkfp/ui/screenshot.sh URL OUT.png [WIDTH,HEIGHT]   (default 1400,900)
# A fresh profile each time; no GPU, QUIC, sync, component updates or background traffic.
# WAIT_MS (default 8000): virtual time the single-page app gets to fetch and render.
set -euo pipefail

url=${1:?usage: screenshot.sh URL OUT.png [WIDTH,HEIGHT]}
out=${2:?usage: screenshot.sh URL OUT.png [WIDTH,HEIGHT]}
size=${3:-1400,900}
browser=$(command -v chromium || command -v chromium-browser || true)
[[ -n $browser ]] || { echo "screenshot: chromium not found (apt-get install -y chromium)" >&2; exit 1; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
mkdir -p "$(dirname "$out")"
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --disable-dev-shm-usage --hide-scrollbars --user-data-dir="$profile" \
  --window-size="$size" --virtual-time-budget="${WAIT_MS:-8000}" \
  --screenshot="$(realpath -m "$out")" "$url" 2>"$profile/chromium.log" || {
  echo "screenshot: chromium failed:" >&2; tail -n 20 "$profile/chromium.log" >&2; exit 1; }
[[ -s $out ]] || { echo "screenshot: no image written" >&2; tail -n 20 "$profile/chromium.log" >&2; exit 1; }
echo "screenshot: $url -> $out"
