#!/usr/bin/env bash
# `make bench-compare`: our standalone server and Apache ZooKeeper 3.8 standalone on this machine,
# same bench, same run. Prints a Markdown table (and RSS) to paste into docs/benchmarks.md.
# Env: DURATION (default 10s), SESSIONS (32), VALUE_SIZE (128), MIXES ("create set get mixed"),
#      FORCE_SYNC (yes: both servers fsync every write batch, as shipped),
#      PIPELINE ("1": requests in flight per session; e.g. "1 8" runs every mix at both depths;
#      1 is the documented closed-loop benchmark of issue #2),
#      PIN (unset: everything shares all cores; "1": each server pinned to core 0 and the bench
#      client to core 1 with taskset, so the client and a server never preempt each other; run 6
#      of docs/benchmarks.md found that contention to be most of the get p99),
#      CEILING (unset; "1": also bench `zkensemble bench null-server`, a listener that answers
#      from fixed replies and does no work — what the bench client and loopback alone allow on
#      this machine, an upper bound for any server; its rows are labelled "ceiling").
# Each row also reports the CPU time per op of the bench client (getrusage) and of the server
# (/proc/<pid>/stat via -server-pid): on a shared machine these are steadier than ops/s.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}; SESSIONS=${SESSIONS:-32}; VALUE_SIZE=${VALUE_SIZE:-128}
MIXES=${MIXES:-"create set get mixed"}; FORCE_SYNC=${FORCE_SYNC:-yes}; PIPELINE=${PIPELINE:-1}
PIN=${PIN:-}; CEILING=${CEILING:-}
srvpin=(); clipin=()
if [ -n "$PIN" ]; then srvpin=(taskset -c 0); clipin=(taskset -c 1); fi
hack/install-test-deps.sh
go build -o bin/zkensemble .
work=$(mktemp -d /tmp/zke-bench.XXXXXX)
pids=()
# The servers' data dirs (hundreds of MiB of txn log) go; logs and JSON results stay in $work.
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
  rm -rf "$work/zk/data" "$work/zke/data"; }
trap cleanup EXIT
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
waitsrvr() { for _ in $(seq 1 150); do
    if [ "$( (exec 3<>/dev/tcp/127.0.0.1/$1; printf srvr >&3; cat <&3) 2>/dev/null | grep -c Mode)" = 1 ]; then return 0; fi
    sleep 0.2; done; echo "server on port $1 did not come up" >&2; return 1; }
rss() { awk '/VmRSS/{print $2}' /proc/$1/status; }

zkport=$(freeport); zkeport=$(freeport)
mkdir -p "$work/zk/data" "$work/zke/data"
common="tickTime=2000
clientPortAddress=127.0.0.1
maxClientCnxns=0
4lw.commands.whitelist=*
admin.enableServer=false
forceSync=$FORCE_SYNC"
printf '%s\ndataDir=%s\nclientPort=%s\n' "$common" "$work/zk/data" "$zkport" > "$work/zk/zoo.cfg"
printf '%s\ndataDir=%s\nclientPort=%s\n' "$common" "$work/zke/data" "$zkeport" > "$work/zke/zoo.cfg"
"${srvpin[@]}" hack/apache-zk.sh "$work/zk/zoo.cfg" > "$work/zk/log" 2>&1 & pids+=($!); zkpid=$!
"${srvpin[@]}" bin/zkensemble server --config "$work/zke/zoo.cfg" > "$work/zke/log" 2>&1 & pids+=($!); zkepid=$!
waitsrvr "$zkport"; waitsrvr "$zkeport"
targets="zookeeper zkensemble"
if [ -n "$CEILING" ]; then
  nullport=$(freeport)
  "${srvpin[@]}" bin/zkensemble bench null-server -listen 127.0.0.1:$nullport -value-size "$VALUE_SIZE" \
    > "$work/null.log" 2>&1 & pids+=($!); nullpid=$!
  for _ in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/$nullport) 2>/dev/null && break; sleep 0.1; done
  targets="$targets ceiling"
fi
results=()
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for depth in $PIPELINE; do
  for mix in $MIXES; do
    for target in $targets; do
      case $target in
        zookeeper) port=$zkport; pid=$zkpid ;;
        zkensemble) port=$zkeport; pid=$zkepid ;;
        ceiling) port=$nullport; pid=$nullpid ;;
      esac
      out="$work/$target-$mix-p$depth.json"
      "${clipin[@]}" bin/zkensemble bench -servers 127.0.0.1:$port -sessions "$SESSIONS" -value-size "$VALUE_SIZE" \
        -mix "$mix" -duration "$DURATION" -label "$target" -pipeline "$depth" -server-pid "$pid" -json "$out" >&2
      results+=("$out")
    done
  done
done
echo "## bench-compare $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "sessions=$SESSIONS value=${VALUE_SIZE}B duration=$DURATION forceSync=$FORCE_SYNC pipeline=$PIPELINE pin=${PIN:-no} ceiling=${CEILING:-no}"
echo "load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
bin/zkensemble bench table "${results[@]}"
echo
echo "| server | RSS after the run (MiB) |"
echo "|---|---|"
echo "| Apache ZooKeeper 3.8 | $(( $(rss $zkpid) / 1024 )) |"
echo "| zkensemble | $(( $(rss $zkepid) / 1024 )) |"
