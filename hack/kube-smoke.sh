#!/usr/bin/env bash
# Smoke test of the tools hack/kube-tools.sh built: starts etcd and kube-apiserver (RBAC, TLS with
# a throwaway CA made here with openssl, client-certificate admin), checks that the apiserver
# becomes ready and serves discovery through kubectl, then stops both and removes everything.
#
# Usage: hack/kube-smoke.sh            (exit 0 = the control plane came up and answered)
#   KEEP_SMOKE_DIR=1  keep the temp dir (certs, kubeconfig, logs) for a look afterwards
#   SMOKE_READY_SECONDS=N  how long to wait for /readyz (default 120)
#
# Everything binds 127.0.0.1 on ports picked free at start; state lives in one mktemp dir. The
# local-cluster work grows this script (controller-manager, scheduler, the operator) step by step.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=$("$here/kube-tools.sh" path) || exit 1
ready_seconds=${SMOKE_READY_SECONDS:-120}

die() { echo "kube-smoke: $*" >&2; exit 1; }
log() { echo "kube-smoke: $*" >&2; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/zke-kube-smoke.XXXXXX")
pids=()

# Stops what this script started, by pid, in reverse start order (the apiserver before the etcd it
# needs for a clean shutdown): TERM, up to 10 s grace, then KILL.
cleanup() {
  local rc=$? pid i n
  for ((n = ${#pids[@]} - 1; n >= 0; n--)); do
    pid=${pids[n]}
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ $rc -ne 0 ]; then
    local f
    for f in "$dir"/*.log; do
      [ -f "$f" ] || continue
      echo "---- last lines of $f" >&2
      tail -n 20 "$f" >&2
    done
  fi
  if [ -n "${KEEP_SMOKE_DIR:-}" ]; then
    log "kept $dir"
  else
    rm -rf "$dir"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Prints n distinct free TCP ports on 127.0.0.1 (held open together, so they differ, then released).
free_ports() {
  python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# Polls a command until it succeeds or $1 seconds pass; fails if process $2 has died.
wait_for() {
  local seconds=$1 pid=$2 deadline
  shift 2
  deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || die "process $pid exited while waiting for: $*"
    [ $SECONDS -lt $deadline ] || die "timed out after ${seconds}s waiting for: $*"
    sleep 0.5
  done
}

# A CA, a serving certificate for 127.0.0.1/localhost, an admin client certificate in
# system:masters (bound to cluster-admin by the default RBAC policy), and the service-account
# signing key pair.
make_pki() {
  local p="$dir/pki"
  mkdir -p "$p"
  (
    cd "$p"
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=zke-smoke-ca" \
      -keyout ca.key -out ca.crt
    openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" -keyout apiserver.key -out apiserver.csr
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >apiserver.ext
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 \
      -extfile apiserver.ext -out apiserver.crt
    openssl req -newkey rsa:2048 -nodes -subj "/O=system:masters/CN=zke-smoke-admin" \
      -keyout admin.key -out admin.csr
    printf 'extendedKeyUsage=clientAuth\n' >admin.ext
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 \
      -extfile admin.ext -out admin.crt
    openssl genrsa -out sa.key 2048
    openssl rsa -in sa.key -pubout -out sa.pub
  ) >"$dir/openssl.out" 2>&1 || die "openssl failed; see $dir/openssl.out"
}

start_etcd() {
  etcd_url="http://127.0.0.1:$etcd_client_port"
  local peer_url="http://127.0.0.1:$etcd_peer_port"
  # --unsafe-no-fsync: a throwaway test store; fsync on a shared disk only slows the smoke test.
  "$bin/etcd" --name smoke --data-dir "$dir/etcd" \
    --listen-client-urls "$etcd_url" --advertise-client-urls "$etcd_url" \
    --listen-peer-urls "$peer_url" --initial-advertise-peer-urls "$peer_url" \
    --initial-cluster "smoke=$peer_url" --initial-cluster-state new \
    --unsafe-no-fsync --log-level warn >"$dir/etcd.log" 2>&1 &
  etcd_pid=$!
  pids+=("$etcd_pid")
  wait_for 30 "$etcd_pid" curl -fsS "$etcd_url/health"
  log "etcd up on $etcd_url (pid $etcd_pid)"
}

start_apiserver() {
  local p="$dir/pki"
  "$bin/kube-apiserver" \
    --etcd-servers "$etcd_url" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$apiserver_port" \
    --cert-dir "$dir/apiserver-certs" \
    --tls-cert-file "$p/apiserver.crt" --tls-private-key-file "$p/apiserver.key" \
    --client-ca-file "$p/ca.crt" \
    --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$p/sa.pub" --service-account-signing-key-file "$p/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 \
    --allow-privileged=true \
    >"$dir/kube-apiserver.log" 2>&1 &
  apiserver_pid=$!
  pids+=("$apiserver_pid")
  log "kube-apiserver starting on https://127.0.0.1:$apiserver_port (pid $apiserver_pid)"
}

write_kubeconfig() {
  local p="$dir/pki"
  kubeconfig="$dir/admin.kubeconfig"
  {
    "$bin/kubectl" config set-cluster smoke --kubeconfig "$kubeconfig" \
      --server "https://127.0.0.1:$apiserver_port" --certificate-authority "$p/ca.crt" --embed-certs
    "$bin/kubectl" config set-credentials admin --kubeconfig "$kubeconfig" \
      --client-certificate "$p/admin.crt" --client-key "$p/admin.key" --embed-certs
    "$bin/kubectl" config set-context smoke --kubeconfig "$kubeconfig" --cluster smoke --user admin
    "$bin/kubectl" config use-context smoke --kubeconfig "$kubeconfig"
  } >/dev/null
}

kubectl() { "$bin/kubectl" --kubeconfig "$kubeconfig" --request-timeout 10s "$@"; }

main() {
  local start=$SECONDS
  read -r etcd_client_port etcd_peer_port apiserver_port < <(free_ports 3) || true
  [ -n "${apiserver_port:-}" ] || die "could not pick free ports (python3 missing?)"
  make_pki
  start_etcd
  start_apiserver
  write_kubeconfig
  wait_for "$ready_seconds" "$apiserver_pid" kubectl get --raw /readyz
  log "kube-apiserver ready after $((SECONDS - start))s"
  echo "\$ kubectl get --raw /readyz"
  kubectl get --raw /readyz
  echo
  echo "\$ kubectl api-resources | head"
  # Read it all before head so kubectl never sees a broken pipe under pipefail.
  local resources
  resources=$(kubectl api-resources)
  head <<<"$resources"
  [ "$(wc -l <<<"$resources")" -gt 20 ] || die "api-resources lists too few resources"
  echo
  echo "\$ kubectl auth can-i '*' '*'"
  kubectl auth can-i '*' '*'
  log "ok"
}

main
