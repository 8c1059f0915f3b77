#!/usr/bin/env bash
# Makes the node's certificates and kubeconfigs with openssl (called by up.sh; run as root):
#
#   localkfp/node/pki.sh STATE_DIR
#
# STATE_DIR/pki: a CA, the API server's serving certificate (its names: the kubernetes
# service's names and ClusterIP, the node IP, 127.0.0.1), client certificates for the admin,
# the controller-manager, the scheduler, the kubelet (system:node:<name>) and the API server's
# calls to the kubelet, and the service-account signing key pair. STATE_DIR/*.kubeconfig: one
# per client; STATE_DIR/kubeconfig is the admin's (kubectl from the host).
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

state=${1:?usage: pki.sh STATE_DIR}
pki=$state/pki
mkdir -p "$pki"
cd "$pki"
days=3650
server=https://$NODE_IP:443

openssl_quiet() { openssl "$@" 2>/dev/null; }

openssl_quiet req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days "$days" \
  -subj "/CN=localkfp-ca" -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"

# cert NAME SUBJECT EXTKEYUSAGE [SUBJECTALTNAMES]
cert() {
  local name=$1 subj=$2 usage=$3 san=${4:-} ext
  ext=$(mktemp)
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$usage"
    [ -z "$san" ] || echo "subjectAltName=$san"
  } > "$ext"
  openssl_quiet req -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" -subj "$subj"
  openssl_quiet x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days "$days" \
    -extfile "$ext" -out "$name.crt"
  rm -f "$name.csr" "$ext"
}

cert apiserver "/CN=kube-apiserver" serverAuth \
  "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,IP:$KUBE_SVC_IP,IP:$NODE_IP,IP:127.0.0.1"
cert admin "/O=system:masters/CN=localkfp-admin" clientAuth
cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
cert controller-manager "/CN=system:kube-controller-manager" clientAuth
cert scheduler "/CN=system:kube-scheduler" clientAuth
cert kubelet "/O=system:nodes/CN=system:node:$NODE_NAME" clientAuth
cert kubelet-serving "/CN=$NODE_NAME" serverAuth "DNS:$NODE_NAME,IP:$NODE_IP,IP:127.0.0.1"
openssl_quiet genrsa -out sa.key 2048
openssl_quiet rsa -in sa.key -pubout -out sa.pub
chmod 600 ./*.key

# kubeconfig FILE USER: a kubeconfig for USER's certificate, the CA embedded
kubeconfig() {
  local file=$1 user=$2
  cat > "$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: localkfp
  cluster:
    server: $server
    certificate-authority-data: $(base64 -w0 < ca.crt)
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 < "$user.crt")
    client-key-data: $(base64 -w0 < "$user.key")
contexts:
- name: localkfp
  context: {cluster: localkfp, user: $user}
current-context: localkfp
EOF
  chmod 600 "$file"
}
kubeconfig "$state/kubeconfig" admin
kubeconfig "$state/controller-manager.kubeconfig" controller-manager
kubeconfig "$state/scheduler.kubeconfig" scheduler
kubeconfig "$state/kubelet.kubeconfig" kubelet
