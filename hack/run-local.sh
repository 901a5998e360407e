#!/usr/bin/env bash
# `make run`: the whole local loop on one machine. Brings up the local Kubernetes cluster
# (hack/local-cluster.sh: control plane + node agent running pods as local processes), installs
# the ZKEnsemble CRD, starts `zkensemble operator` in the background, applies the sample
# 3-member ZKEnsemble and waits until it is Ready with exactly one leader. Then prints how to
# reach it and stays until Ctrl-C, which stops the operator and the cluster.
#
# Environment:
#   RUN_LOCAL_ONESHOT=1      exit after printing (the cluster and operator keep running; stop
#                            them with RUN_LOCAL_ONESHOT=down hack/run-local.sh or the test's teardown)
#   RUN_LOCAL_ONESHOT=down   stop the operator and the cluster, then exit
#   RUN_LOCAL_READY_SECONDS  bound on the wait for the ensemble (default 180)
#   LOCAL_CLUSTER_DIR, ZKE_BINARY, LOCAL_CLUSTER_POD_CIDR, ...   passed to hack/local-cluster.sh
#
# Needs root (the node agent uses mount namespaces) and the tools of hack/kube-tools.sh.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
dir=${LOCAL_CLUSTER_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/zkensemble/local-cluster}
export LOCAL_CLUSTER_DIR=$dir
bin=${ZKE_BINARY:-$repo/bin/zkensemble}
export ZKE_BINARY=$bin
ready_seconds=${RUN_LOCAL_READY_SECONDS:-180}
oneshot=${RUN_LOCAL_ONESHOT:-}
name=zk
namespace=default
# Any image name containing "zkensemble" runs the node agent's binary (docs/local-cluster.md).
image=zkensemble:dev

log() { echo "run-local: $*" >&2; }

operator_pidfile=$dir/run/operator.pid
operator_log=$dir/logs/operator.log

stop_operator() {
  local p
  p=$(cat "$operator_pidfile" 2>/dev/null) || return 0
  if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
    kill -TERM "$p" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  fi
  rm -f "$operator_pidfile"
}

sleeper=
teardown() {
  # The idle sleep below ignores SIGINT (an asynchronous child of a non-interactive shell).
  [ -z "$sleeper" ] || kill "$sleeper" 2>/dev/null || true
  log "stopping the operator and the local cluster"
  stop_operator
  setsid -w "$here/local-cluster.sh" down </dev/null || true
}

# A second Ctrl-C (users press it twice) must not cut the teardown short: the script ignores
# further signals, and `down` runs in its own session, out of reach of the terminal's Ctrl-C.
on_signal() {
  trap '' INT TERM
  exit 130 # the EXIT trap tears down
}

if [ "$oneshot" = down ]; then
  teardown
  exit 0
fi

start=$(date +%s.%N)
if [ ! -x "$bin" ]; then
  log "building $bin"
  (cd "$repo" && go build -o "$bin" .)
fi
tools=$("$here/kube-tools.sh" install | tail -n 1)
export PATH=$tools:$PATH

if [ -z "$oneshot" ]; then
  # Interactive: whatever ends the script (Ctrl-C, a failure) stops what it started.
  trap on_signal INT TERM
  trap teardown EXIT
fi
"$here/local-cluster.sh" up >/dev/null
eval "$("$here/local-cluster.sh" env)"
fail() {
  log "$*"
  if [ -f "$operator_log" ]; then
    echo "---- last lines of $operator_log" >&2
    tail -n 30 "$operator_log" >&2
  fi
  kubectl get zke,sts,pods -o wide >&2 || true
  exit 1
}

kubectl apply -f "$repo/config/crd/bases/" >/dev/null
# kubectl wait fails at once ("accessor error") while the new CRD has no status.conditions yet,
# so poll (bounded) instead.
for i in $(seq 1 120); do
  est=$(kubectl get crd zkensembles.zkensemble.io -o jsonpath='{.status.conditions[?(@.type=="Established")].status}' 2>/dev/null || true)
  [ "$est" = True ] && break
  [ "$i" -lt 120 ] || fail "CRD zkensembles.zkensemble.io not Established after 60s"
  sleep 0.5
done

mkdir -p "$dir/run" "$dir/logs"
stop_operator
"$bin" operator --kubeconfig "$KUBECONFIG" --image "$image" --leader-elect=false \
  --metrics-bind-address 127.0.0.1:0 --health-probe-bind-address 127.0.0.1:0 \
  >>"$operator_log" 2>&1 </dev/null &
echo $! >"$operator_pidfile"

# The sample with the image named for the node agent; everything else as shipped.
sed -e "s/^  replicas: .*/  replicas: 3\n  image: $image/" \
  "$repo/config/samples/zkensemble_v1alpha1_zkensemble.yaml" | kubectl apply -n "$namespace" -f - >/dev/null

# Ready: the Ready condition is True, 3 ready members, exactly one leader both in status.leader
# and in the roles the members report (status.members[].role, from srvr), and 3 Ready pods.
deadline=$(( $(date +%s) + ready_seconds ))
while :; do
  p=$(cat "$operator_pidfile")
  kill -0 "$p" 2>/dev/null || fail "the operator exited"
  state=$(kubectl get zke "$name" -n "$namespace" -o \
    jsonpath='{.status.conditions[?(@.type=="Ready")].status} {.status.readyReplicas} {.status.leader} {range .status.members[*]}{.role},{end}' 2>/dev/null || true)
  read -r ready readyn leader modes <<<"$state" || true
  leaders=$(tr ',' '\n' <<<"${modes:-}" | grep -cx leader || true)
  # The operator counts members that serve (srvr); the pods' Ready also needs the readiness
  # probe to have run, so Services and PDBs see them too.
  podsready=$(kubectl get pods -n "$namespace" -l app.kubernetes.io/instance="$name" -o \
    jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status},{end}' 2>/dev/null | tr ',' '\n' | grep -cx True || true)
  if [ "${ready:-}" = True ] && [ "${readyn:-0}" = 3 ] && [ -n "${leader:-}" ] && [ "$leaders" = 1 ] && [ "$podsready" = 3 ]; then
    break
  fi
  [ "$(date +%s)" -lt "$deadline" ] || fail "ZKEnsemble $name not Ready with 3 members and one leader after ${ready_seconds}s (last: $state; pods ready: $podsready)"
  sleep 1
done
elapsed=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}')

ips=$(kubectl get pods -n "$namespace" -l app.kubernetes.io/instance="$name" \
  -o jsonpath='{range .items[*]}{.status.podIP}:2181,{end}')
ips=${ips%,}
echo "export KUBECONFIG=$KUBECONFIG"
kubectl get zke,pods -n "$namespace" -o wide
echo "connect string (from this host): $ips"
echo "connect string (inside pods):    ${name}-0.${name}-headless.${namespace}.svc.cluster.local:2181,${name}-1.${name}-headless.${namespace}.svc.cluster.local:2181,${name}-2.${name}-headless.${namespace}.svc.cluster.local:2181"
echo "operator log: $operator_log; pod logs: $dir/node/logs/"
echo "ready in ${elapsed}s"

if [ -n "$oneshot" ]; then
  exit 0
fi
echo "Ctrl-C stops the operator and the cluster."
while :; do
  sleep 3600 &
  sleeper=$!
  wait "$sleeper" || true
done
