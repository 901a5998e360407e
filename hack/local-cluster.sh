#!/usr/bin/env bash
# A local Kubernetes cluster without a container engine: the pinned control plane that
# hack/kube-tools.sh builds (etcd, kube-apiserver, kube-controller-manager, kube-scheduler) plus
# `zkensemble nodeagent`, a node that runs pods as local processes of the zkensemble binary
# (pkg/nodeagent; docs/local-cluster.md says what it supports).
#
# Usage: hack/local-cluster.sh up|down|env|status [--wipe]
#   up      start everything (or nothing, if it already runs), wait until each part is ready,
#           print `export KUBECONFIG=...`. Data in the state dir is reused.
#   down    stop everything (node agent first, so pods stop gracefully); --wipe also deletes
#           the state dir (etcd data, PV data, logs, certificates).
#   env     print the export line.
#   status  say what runs.
#
# Environment:
#   LOCAL_CLUSTER_DIR    state dir (default ${XDG_STATE_HOME:-$HOME/.local/state}/zkensemble/local-cluster)
#   ZKE_BINARY           zkensemble binary for the node agent and the pods (default: bin/zkensemble
#                        of this repo, built if missing)
#   LOCAL_CLUSTER_POD_CIDR   loopback range for pod IPs (default 127.1.0.0/16); two clusters on
#                        one machine need different ranges
#   LOCAL_CLUSTER_READY_SECONDS  bound on each readiness wait (default 180)
#   LOCAL_CLUSTER_AGENT_ARGS     extra flags for `zkensemble nodeagent` (e.g. --backoff-initial 1s)
#
# Everything binds 127.0.0.1 on ports picked free at `up`; pids, logs (*.log), certificates and
# kubeconfigs live in the state dir. Needs root (the node agent uses mount namespaces).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
dir=${LOCAL_CLUSTER_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/zkensemble/local-cluster}
ready_seconds=${LOCAL_CLUSTER_READY_SECONDS:-180}
pod_cidr=${LOCAL_CLUSTER_POD_CIDR:-127.1.0.0/16}
node_name=local
# Start order; `down` stops in reverse.
readonly COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler nodeagent)

die() { echo "local-cluster: $*" >&2; exit 1; }
log() { echo "local-cluster: $*" >&2; }

pidfile() { echo "$dir/run/$1.pid"; }
alive() { local p; p=$(cat "$(pidfile "$1")" 2>/dev/null) && [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

# Prints the last lines of every component log; called when something did not come up.
log_tails() {
  local f
  for f in "$dir"/logs/*.log; do
    [ -f "$f" ] || continue
    echo "---- last lines of $f" >&2
    tail -n 25 "$f" >&2
  done
}

fail() {
  log "$*"
  log_tails
  stop_all
  exit 1
}

# Prints n distinct free TCP ports on 127.0.0.1.
free_ports() {
  python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

# Polls a command until it succeeds or $1 seconds pass; fails if component $2 died.
wait_for() {
  local seconds=$1 comp=$2 deadline
  shift 2
  deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    alive "$comp" || fail "$comp exited while waiting for: $*"
    [ $SECONDS -lt $deadline ] || fail "timed out after ${seconds}s waiting for: $*"
    sleep 0.5
  done
}

# Starts a component detached from this shell (its own session, so the script can exit and a
# terminal's Ctrl-C does not reach it) with output to logs/<name>.log.
start() {
  local name=$1
  shift
  setsid "$@" >>"$dir/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$(pidfile "$name")"
  log "$name started (pid $!)"
}

# Sends TERM, waits up to $2 seconds, then KILL.
stop_one() {
  local name=$1 grace=$2 pid i
  pid=$(cat "$(pidfile "$name")" 2>/dev/null) || return 0
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name did not stop in ${grace}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    log "$name stopped"
  fi
  rm -f "$(pidfile "$name")"
}

stop_all() {
  local n
  for ((n = ${#COMPONENTS[@]} - 1; n >= 0; n--)); do
    case ${COMPONENTS[n]} in
      nodeagent) stop_one nodeagent 45 ;; # pods get their grace period (agent caps it at 30 s)
      *) stop_one "${COMPONENTS[n]}" 15 ;;
    esac
  done
}

# One CA signs everything: the apiserver's serving certificate and a client certificate per
# component, each with the identity the default RBAC policy expects.
make_pki() {
  local p="$dir/pki"
  [ -f "$p/done" ] && return 0
  mkdir -p "$p"
  (
    cd "$p"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=zkensemble-local-ca" -keyout ca.key -out ca.crt
    openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" -keyout apiserver.key -out apiserver.csr
    printf 'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\nextendedKeyUsage=serverAuth\n' >apiserver.ext
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -extfile apiserver.ext -out apiserver.crt
    printf 'extendedKeyUsage=clientAuth\n' >client.ext
    local who subj
    for who in "admin:/O=system:masters/CN=zkensemble-local-admin" \
      "controller-manager:/CN=system:kube-controller-manager" \
      "scheduler:/CN=system:kube-scheduler" \
      "nodeagent:/O=system:masters/CN=zkensemble-nodeagent"; do
      subj=${who#*:}
      who=${who%%:*}
      openssl req -newkey rsa:2048 -nodes -subj "$subj" -keyout "$who.key" -out "$who.csr"
      openssl x509 -req -in "$who.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -extfile client.ext -out "$who.crt"
    done
    openssl genrsa -out sa.key 2048
    openssl rsa -in sa.key -pubout -out sa.pub
    touch "done"
  ) >"$dir/logs/openssl.log" 2>&1 || die "openssl failed; see $dir/logs/openssl.log"
}

# write_kubeconfig NAME CERT FILE: a kubeconfig for client certificate CERT.
write_kubeconfig() {
  local file=$3 p="$dir/pki"
  rm -f "$file"
  {
    "$bin/kubectl" config set-cluster zkensemble-local --kubeconfig "$file" \
      --server "https://127.0.0.1:$apiserver_port" --certificate-authority "$p/ca.crt" --embed-certs
    "$bin/kubectl" config set-credentials "$1" --kubeconfig "$file" \
      --client-certificate "$p/$2.crt" --client-key "$p/$2.key" --embed-certs
    "$bin/kubectl" config set-context zkensemble-local --kubeconfig "$file" --cluster zkensemble-local --user "$1"
    "$bin/kubectl" config use-context zkensemble-local --kubeconfig "$file"
  } >/dev/null
}

kubectl() { "$bin/kubectl" --kubeconfig "$dir/kubeconfig" --request-timeout 10s "$@"; }

node_ready() {
  [ "$(kubectl get node "$node_name" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ]
}

resolve_binary() {
  binary=${ZKE_BINARY:-$repo/bin/zkensemble}
  if [ -z "${ZKE_BINARY:-}" ] && [ ! -x "$binary" ]; then
    log "building $binary"
    (cd "$repo" && go build -o "$binary" .) || die "go build failed"
  fi
  [ -x "$binary" ] || die "no zkensemble binary at $binary"
  binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
}

up() {
  [ "$(id -u)" = 0 ] || die "needs root: the node agent uses mount namespaces and bind mounts"
  mkdir -p "$dir/run" "$dir/logs"
  if alive kube-apiserver && alive nodeagent; then
    log "already running"
    print_env
    return 0
  fi
  stop_all # whatever half of an earlier run is left
  resolve_binary
  local start=$SECONDS etcd_client_port etcd_peer_port kcm_port sched_port
  read -r etcd_client_port etcd_peer_port apiserver_port kcm_port sched_port < <(free_ports 5) || true
  [ -n "${sched_port:-}" ] || die "could not pick free ports (python3 missing?)"
  make_pki
  local p="$dir/pki"

  local etcd_url="http://127.0.0.1:$etcd_client_port" peer_url="http://127.0.0.1:$etcd_peer_port" state=new
  [ -d "$dir/etcd/member" ] && state=existing
  # --unsafe-no-fsync: a development store on a shared disk; losing it costs a re-create.
  start etcd "$bin/etcd" --name local --data-dir "$dir/etcd" \
    --listen-client-urls "$etcd_url" --advertise-client-urls "$etcd_url" \
    --listen-peer-urls "$peer_url" --initial-advertise-peer-urls "$peer_url" \
    --initial-cluster "local=$peer_url" --initial-cluster-state "$state" --force-new-cluster="$([ $state = existing ] && echo true || echo false)" \
    --unsafe-no-fsync --log-level warn
  wait_for 30 etcd curl -fsS "$etcd_url/health"

  start kube-apiserver "$bin/kube-apiserver" \
    --etcd-servers "$etcd_url" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$apiserver_port" \
    --cert-dir "$dir/apiserver-certs" \
    --tls-cert-file "$p/apiserver.crt" --tls-private-key-file "$p/apiserver.key" \
    --client-ca-file "$p/ca.crt" \
    --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$p/sa.pub" --service-account-signing-key-file "$p/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 \
    --allow-privileged=true
  write_kubeconfig admin admin "$dir/kubeconfig"
  write_kubeconfig system:kube-controller-manager controller-manager "$dir/run/controller-manager.kubeconfig"
  write_kubeconfig system:kube-scheduler scheduler "$dir/run/scheduler.kubeconfig"
  write_kubeconfig zkensemble-nodeagent nodeagent "$dir/run/nodeagent.kubeconfig"
  wait_for "$ready_seconds" kube-apiserver kubectl get --raw /readyz

  local kcm="$dir/run/controller-manager.kubeconfig"
  # The controllers a StatefulSet-based operator needs, and those that make namespaces,
  # service accounts, Services, PVCs and garbage collection behave as in a real cluster.
  local controllers=serviceaccount-controller,serviceaccount-token-controller,root-ca-certificate-publisher-controller
  controllers+=,namespace-controller,garbage-collector-controller,pod-garbage-collector-controller
  controllers+=,statefulset-controller,replicaset-controller,deployment-controller,job-controller,disruption-controller
  controllers+=,endpoints-controller,endpointslice-controller,endpointslice-mirroring-controller
  controllers+=,persistentvolume-binder-controller,persistentvolume-protection-controller,persistentvolumeclaim-protection-controller
  controllers+=,node-lifecycle-controller,clusterrole-aggregation-controller
  start kube-controller-manager "$bin/kube-controller-manager" \
    --kubeconfig "$kcm" --authentication-kubeconfig "$kcm" --authorization-kubeconfig "$kcm" \
    --bind-address 127.0.0.1 --secure-port "$kcm_port" --leader-elect=false \
    --controllers "$controllers" --use-service-account-credentials=true \
    --service-account-private-key-file "$p/sa.key" --root-ca-file "$p/ca.crt" \
    --cluster-signing-cert-file "$p/ca.crt" --cluster-signing-key-file "$p/ca.key" \
    --cluster-name zkensemble-local
  local sched="$dir/run/scheduler.kubeconfig"
  start kube-scheduler "$bin/kube-scheduler" \
    --kubeconfig "$sched" --authentication-kubeconfig "$sched" --authorization-kubeconfig "$sched" \
    --bind-address 127.0.0.1 --secure-port "$sched_port" --leader-elect=false
  wait_for "$ready_seconds" kube-controller-manager curl -fsSk "https://127.0.0.1:$kcm_port/healthz"
  wait_for "$ready_seconds" kube-scheduler curl -fsSk "https://127.0.0.1:$sched_port/healthz"

  # shellcheck disable=SC2086 # LOCAL_CLUSTER_AGENT_ARGS is a list of flags
  start nodeagent "$binary" nodeagent --kubeconfig "$dir/run/nodeagent.kubeconfig" \
    --node-name "$node_name" --state-dir "$dir/node" --binary "$binary" --pod-cidr "$pod_cidr" \
    ${LOCAL_CLUSTER_AGENT_ARGS:-}
  wait_for "$ready_seconds" nodeagent node_ready
  # Pods need their namespace's default ServiceAccount (the ServiceAccount admission plugin).
  wait_for "$ready_seconds" kube-controller-manager kubectl -n default get serviceaccount default
  log "ready after $((SECONDS - start))s; logs in $dir/logs"
  print_env
}

print_env() {
  echo "export KUBECONFIG=$dir/kubeconfig"
}

status() {
  local c rc=0
  for c in "${COMPONENTS[@]}"; do
    if alive "$c"; then echo "$c: running (pid $(cat "$(pidfile "$c")"))"; else echo "$c: stopped"; rc=1; fi
  done
  return $rc
}

main() {
  local cmd=${1:-}
  shift || true
  bin=$("$here/kube-tools.sh" path) || die "control-plane tools missing: run hack/kube-tools.sh install (make tools)"
  case $cmd in
    up) up ;;
    down)
      stop_all
      if [ "${1:-}" = --wipe ]; then
        rm -rf "$dir"
        log "wiped $dir"
      fi
      ;;
    env) print_env ;;
    status) status ;;
    *) die "usage: hack/local-cluster.sh up|down [--wipe]|env|status" ;;
  esac
}

main "$@"
