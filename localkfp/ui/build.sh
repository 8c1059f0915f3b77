#!/usr/bin/env bash
# Build the KFP UI (client bundle + its Node server) from a copy of the checkout's frontend/.
#
# The checkout (KFP_SRC) is read only: everything is built in a copy under the build cache,
#   ${DIGITSTUDY_CACHE:-~/.cache/digitstudy}/localkfp/ui-<version>-<commit>/
# which is the only change made to upstream's files: the copy's package.json and lock drop
# `fs@0.0.1-security` (an empty placeholder devDependency that the npm registry serves without
# any version, so `npm ci` refuses the whole lock).
# Node: the version frontend/.nvmrc pins, from npm's `node` package (cached under
# localkfp/node-<version>/); if that cannot be installed, the machine's node (NODE_FALLBACK=1
# forces it). Each step prints its name and wall time; a step whose stamp exists is skipped,
# so a second run takes seconds. npm's builds are `heavy` (localkfp/lib.sh: LOCALKFP_LOCK).
set -euo pipefail

# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
UI_DIR=${UI_DIR:-$KFP_UI_DIR}
NODE_FALLBACK=${NODE_FALLBACK:-0}

# stamped NAME CMD...: a timed step (lib.sh) unless NAME's stamp says it was built already
stamped() {
  local name=$1 t0=$SECONDS
  shift
  local stamp="$UI_DIR/.stamps/$name"
  if [[ -e $stamp ]]; then
    log "ui: $name: cached ($(cat "$stamp"))"
    return 0
  fi
  step "ui: $name" "$@" || return 1
  mkdir -p "$UI_DIR/.stamps"
  echo "built in $((SECONDS - t0)) s on $(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$stamp"
}

[[ -d $KFP_SRC/frontend ]] || die "no KFP checkout at $KFP_SRC (make kfp-src takes it from KFP's release tag $KFP_TAG)"
NODE_VERSION=$(tr -d 'v \n' <"$KFP_SRC/frontend/.nvmrc")
NODE_PREFIX=$LOCALKFP_CACHE/node-$NODE_VERSION

install_node() {
  command -v npm >/dev/null || die "npm not found: it installs Node $NODE_VERSION (apt-get install -y npm)"
  mkdir -p "$NODE_PREFIX"
  # npm's `node` package pulls node-linux-<arch>@<version> from the npm registry (its preinstall)
  heavy npm install --prefix "$NODE_PREFIX" --no-save --no-audit --no-fund --loglevel=error \
    "node@$NODE_VERSION"
  "$NODE_PREFIX/node_modules/node/bin/node" --version
}

copy_frontend() {
  rm -rf "$UI_DIR/frontend"
  mkdir -p "$UI_DIR"
  # the checkout has no build outputs or node_modules; copy everything else as is
  cp -a "$KFP_SRC/frontend" "$UI_DIR/frontend"
  # the one edit: drop the `fs@0.0.1-security` placeholder from package.json and the lock
  "$NODE" - "$UI_DIR/frontend" <<'EOF'
const fs = require('fs');
const dir = process.argv[2];
const edit = (file, fn) => {
  const path = `${dir}/${file}`;
  const data = JSON.parse(fs.readFileSync(path, 'utf8'));
  fn(data);
  fs.writeFileSync(path, JSON.stringify(data, null, 2) + '\n');
};
edit('package.json', (p) => { delete p.devDependencies.fs; });
edit('package-lock.json', (l) => {
  delete l.packages[''].devDependencies.fs;
  delete l.packages['node_modules/fs'];
});
console.log('dropped fs@0.0.1-security from package.json and package-lock.json');
EOF
}

client_ci() {
  # the root postinstall runs `npm ci` in server/ and mock-backend/ too
  (cd "$UI_DIR/frontend" && heavy npm ci --no-audit --no-fund --loglevel=error)
}
client_build() {
  # upstream's build = lint + typecheck + vite build; the bundle is what the server serves
  (cd "$UI_DIR/frontend" && heavy npm run build)
  du -sh "$UI_DIR/frontend/build"
}
server_build() {
  (cd "$UI_DIR/frontend/server" && heavy npm run build)
}
build_info() {
  # as the upstream Dockerfile does: COMMIT_HASH, BUILD_DATE, TAG_NAME beside the server
  local dist=$UI_DIR/frontend/server/dist commit
  commit=$(git -C "$KFP_SRC" rev-parse HEAD 2>/dev/null || echo "$KFP_COMMIT")
  echo "$commit" >"$dist/COMMIT_HASH"
  date -u >"$dist/BUILD_DATE"
  echo "$KFP_TAG" >"$dist/TAG_NAME"
  cat "$dist/COMMIT_HASH" "$dist/TAG_NAME"
}

t_all=$SECONDS
NODE=""
if [[ $NODE_FALLBACK != 1 ]]; then
  if stamped node-"$NODE_VERSION" install_node && [[ -x $NODE_PREFIX/node_modules/node/bin/node ]]; then
    NODE=$NODE_PREFIX/node_modules/node/bin/node
  else
    log "ui: Node $NODE_VERSION could not be installed from npm's node package: using the machine's node"
  fi
fi
if [[ -z $NODE ]]; then
  NODE=$(command -v node) || die "no node on PATH and Node $NODE_VERSION could not be installed"
  # frontend/.npmrc has engine-strict=true and package.json's engines names $NODE_VERSION only
  export npm_config_engine_strict=false
  log "ui: engine-strict off: building with $("$NODE" --version) instead of the pinned $NODE_VERSION"
fi
# npm and npx run under the chosen node (npm's node package also links node into .bin)
PATH=$(dirname "$NODE"):$PATH
export PATH
log "ui: node $("$NODE" --version) ($NODE), npm $(npm --version)"

stamped copy copy_frontend || die "copy"
stamped npm-ci client_ci || die "npm ci (client, server, mock-backend)"
stamped client-build client_build || die "npm run build (client)"
stamped server-build server_build || die "npm run build (server)"
stamped build-info build_info || die "build info files"
mkdir -p "$UI_DIR"
echo "$NODE" >"$UI_DIR/NODE"
log "ui: done in $((SECONDS - t_all)) s: client $UI_DIR/frontend/build, server $UI_DIR/frontend/server/dist"
