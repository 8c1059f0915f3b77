#!/usr/bin/env bash
# The local node's database server (after localkfp/node/up.sh, before Argo and KFP; root):
# MariaDB (Debian) on the node IP, for KFP's API server (database mlpipeline) and for Argo's
# node-status offloading (database argo, see kfp/argo_patch.py); the credentials of the whole
# local KFP (kfp/credentials.env in the state folder, made once); the Secret argo-db-config
# (kubeflow) that the workflow-controller reads Argo's database user from.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
. "$here/../lib.sh"
# shellcheck source=env.sh
. "$here/env.sh"
KUBECTL=("$KUBE_BIN/kubectl" --kubeconfig "$LOCALKFP_STATE/kubeconfig")
[ -s "$LOCALKFP_STATE/kubeconfig" ] || die "no node: localkfp/node/up.sh first"
command -v mariadbd >/dev/null || die "no MariaDB server: apt-get install -y mariadb-server"
daemon() { "$LOCALKFP_DIR/node/daemon.sh" "$@"; }

mkdir -p "$KFP_STATE"
if [ ! -s "$KFP_CREDENTIALS" ]; then
  umask 077
  cat > "$KFP_CREDENTIALS" <<EOC
S3_ACCESS_KEY=kfp$(openssl rand -hex 6)
S3_SECRET_KEY=$(openssl rand -hex 20)
DIGITSTUDY_ACCESS_KEY=digitstudy-$(openssl rand -hex 6)
DIGITSTUDY_SECRET_KEY=$(openssl rand -hex 24)
DB_USER=kfp
DB_PASSWORD=$(openssl rand -hex 16)
EOC
  umask 022
fi
# shellcheck disable=SC1090
. "$KFP_CREDENTIALS"
if [ -z "${DIGITSTUDY_ACCESS_KEY:-}" ]; then  # a state kept from before digitstudy's identity
  printf 'DIGITSTUDY_ACCESS_KEY=digitstudy-%s\nDIGITSTUDY_SECRET_KEY=%s\n' "$(openssl rand -hex 6)" \
    "$(openssl rand -hex 24)" >> "$KFP_CREDENTIALS"
  # shellcheck disable=SC1090
  . "$KFP_CREDENTIALS"
fi

# --- the database: MariaDB (Debian), KFP's MySQL driver ---------------------------------------
# KFP 2.17.0's API server cannot run on PostgreSQL: its stores query mixed-case columns
# unquoted (storage/db_status_store.go ~23-31, the default experiment's DefaultExperimentId),
# which PostgreSQL folds to lower case, while gorm created them quoted: start-up fails with
# `column "defaultexperimentid" does not exist` (observed here). MySQL is KFP's default.
dbdata=$KFP_STATE/mariadb
if [ ! -d "$dbdata/mysql" ]; then
  install -d -o mysql -g mysql "$KFP_STATE/mariadb-run"
  step "mariadb-install-db" mariadb-install-db --datadir="$dbdata" --user=mysql \
    --auth-root-authentication-method=socket --skip-test-db > "$LOCALKFP_STATE/logs/mariadb-install.log"
  fresh_db=1
fi
install -d -o mysql -g mysql "$KFP_STATE/mariadb-run"
daemon mariadb --wait "mariadb-admin --socket=$KFP_STATE/mariadb-run/sock ping" 60 -- \
  runuser -u mysql -- mariadbd --datadir="$dbdata" --bind-address="$NODE_IP" --port="$DB_PORT" \
  --socket="$KFP_STATE/mariadb-run/sock" --pid-file="$KFP_STATE/mariadb-run/pid" --skip-log-bin \
  --skip-name-resolve
if [ -n "${fresh_db:-}" ]; then
  # the anonymous users mariadb-install-db makes would shadow kfp@% for local connections
  mariadb --socket="$KFP_STATE/mariadb-run/sock" -u root -e "
    DELETE FROM mysql.global_priv WHERE User=''; FLUSH PRIVILEGES;
    CREATE USER '$DB_USER'@'%' IDENTIFIED BY '$DB_PASSWORD';
    GRANT ALL ON mlpipeline.* TO '$DB_USER'@'%'; CREATE DATABASE IF NOT EXISTS mlpipeline;"
fi

# Argo's own database (its migrations make the tables when the workflow-controller starts)
mariadb --socket="$KFP_STATE/mariadb-run/sock" -u root -e "
  CREATE DATABASE IF NOT EXISTS argo; GRANT ALL ON argo.* TO '$DB_USER'@'%';"
"${KUBECTL[@]}" create namespace "$KFP_NAMESPACE" --dry-run=client -o yaml \
  | "${KUBECTL[@]}" apply -f - >/dev/null
"${KUBECTL[@]}" create secret generic argo-db-config -n "$KFP_NAMESPACE" \
  --from-literal=username="$DB_USER" --from-literal=password="$DB_PASSWORD" \
  --dry-run=client -o yaml | "${KUBECTL[@]}" apply -f - >/dev/null
log "MariaDB: databases mlpipeline (KFP) and argo (Argo's node status), Secret argo-db-config"
