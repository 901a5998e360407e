#!/usr/bin/env bash
# Ensemble counterpart of hack/bench-compare.sh: a 3-member ensemble of zkensemble and one of
# Apache ZooKeeper 3.8 (Debian, java -Xmx512m per member) on this machine, same bench, same run.
# Prints a Markdown table to paste into docs/benchmarks.md.
#
# Sessions are spread over the members: `zkensemble bench`'s raw client opens every session on
# the first server of -servers that accepts (pkg/bench dialRaw), so each run is three bench
# processes started together, one per member with a third of the sessions each. The table's
# ops/s is their sum; its latency columns are the largest of the three members' figures, an
# upper bound of the pooled percentile (no third of the sessions had more than 1% of its
# requests above its own p99, so the pooled run has no more than 1% above the largest).
# Env: DURATION (default 10s), SESSIONS (33), VALUE_SIZE (128), MIXES ("create set get mixed"),
#      FORCE_SYNC (yes), TICK_MS (2000),
#      CEILING (unset; "1": also three `zkensemble bench null-server` listeners that answer from
#      fixed replies and do no work, labelled "ceiling": what the bench client and loopback alone
#      allow on this machine, an upper bound for any ensemble's reads; see hack/bench-compare.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}; SESSIONS=${SESSIONS:-33}; VALUE_SIZE=${VALUE_SIZE:-128}
MIXES=${MIXES:-"create set get mixed"}; FORCE_SYNC=${FORCE_SYNC:-yes}; TICK_MS=${TICK_MS:-2000}
CEILING=${CEILING:-}
hack/install-test-deps.sh >&2
go build -o bin/zkensemble .
work=$(mktemp -d /tmp/zke-bench-ens.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
freeport() { python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "$1"; }
mode() { ( (exec 3<>/dev/tcp/$1/$2; printf srvr >&3; cat <&3) 2>/dev/null | sed -n 's/^Mode: //p' ) || true; }
rss() { awk '/VmRSS/{print $2}' /proc/$1/status; }
cp_apache=/etc/zookeeper/conf:/usr/share/java/zookeeper.jar:/usr/share/java/netty-codec.jar

# ensemble TARGET PREFIX: writes configs for members on PREFIX1..PREFIX3 (127.0.0.21..23) and starts them; sets addrs_TARGET.
declare -A addrs mpids
ensemble() {
  local target=$1 net=$2 lines="" i host
  declare -A cport
  for i in 1 2 3; do
    host=$net$i; cport[$i]=$(freeport "$host")
    lines+="server.$i=$host:$(freeport "$host"):$(freeport "$host");$host:${cport[$i]}"$'\n'
  done
  addrs[$target]=""
  for i in 1 2 3; do
    local d=$work/$target/m$i; mkdir -p "$d/data"; echo "$i" > "$d/data/myid"
    printf 'tickTime=%s\ninitLimit=10\nsyncLimit=5\ndataDir=%s\nmaxClientCnxns=0\n4lw.commands.whitelist=*\nadmin.enableServer=false\nforceSync=%s\n%s' \
      "$TICK_MS" "$d/data" "$FORCE_SYNC" "$lines" > "$d/zoo.cfg"
    if [ "$target" = ceiling ]; then
      bin/zkensemble bench null-server -listen "$net$i:${cport[$i]}" -value-size "$VALUE_SIZE" > "$d/log" 2>&1 &
    elif [ "$target" = zookeeper ]; then
      java -Xmx512m -cp "$cp_apache" -Dzookeeper.log.dir="$d" \
        org.apache.zookeeper.server.quorum.QuorumPeerMain "$d/zoo.cfg" > "$d/log" 2>&1 &
    else
      bin/zkensemble server --config "$d/zoo.cfg" > "$d/log" 2>&1 &
    fi
    pids+=($!); mpids[$target.$i]=$!
    addrs[$target]+="${addrs[$target]:+,}$net$i:${cport[$i]}"
  done
}
# settled TARGET: waits until all three members serve with one leader.
settled() {
  local target=$1 a m leaders serving
  for _ in $(seq 1 600); do
    leaders=0; serving=0
    for a in ${addrs[$target]//,/ }; do
      m=$(mode "${a%:*}" "${a##*:}")
      [ "$m" = leader ] && leaders=$((leaders+1))
      case $m in leader|follower) serving=$((serving+1));; esac
    done
    if [ $leaders = 1 ] && [ $serving = 3 ]; then return 0; fi
    sleep 0.2
  done
  echo "$target ensemble did not settle" >&2; return 1
}

ensemble zookeeper 127.0.0.3; ensemble zkensemble 127.0.0.2
settled zookeeper; settled zkensemble
targets="zookeeper zkensemble"
if [ -n "$CEILING" ]; then
  ensemble ceiling 127.0.0.4; targets="$targets ceiling"
  for a in ${addrs[ceiling]//,/ }; do
    for _ in $(seq 1 50); do (exec 3<>/dev/tcp/${a%:*}/${a##*:}) 2>/dev/null && break; sleep 0.1; done
  done
fi
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
results=()
for mix in $MIXES; do
  for target in $targets; do
    bpids=(); parts=(); i=0
    for a in ${addrs[$target]//,/ }; do
      n=$(( (SESSIONS + 2 - i) / 3 )); i=$((i+1))
      out="$work/$target-$mix-$i.json"; parts+=("$out")
      bin/zkensemble bench -servers "$a" -sessions "$n" -value-size "$VALUE_SIZE" \
        -mix "$mix" -duration "$DURATION" -label "$target" -json "$out" >&2 & bpids+=($!)
    done
    for p in "${bpids[@]}"; do wait "$p"; done
    results+=("${parts[*]}")
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
echo "## bench-compare-ensemble $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "3 members each, tickTime=$TICK_MS, sessions=$SESSIONS spread evenly over the members (one bench process per member), value=${VALUE_SIZE}B duration=$DURATION forceSync=$FORCE_SYNC; load average $load_before → $load_after"
echo
python3 - "${results[@]}" <<'PY'
import json, sys
print("| label | mix | sessions | ops/s (sum) | errors | p50 µs (max of members) | p99 µs (max) | p99.9 µs (max) | max µs | ops/s per member |")
print("|---|---|--:|--:|--:|--:|--:|--:|--:|---|")
rows = {}
for group in sys.argv[1:]:
    rs = [json.load(open(f)) for f in group.split()]
    lat = lambda k: max(r["latencyMicros"][k] for r in rs)
    ops = sum(r["opsPerSec"] for r in rs)
    rows[(rs[0]["label"], rs[0]["mix"])] = (ops, lat("p99"))
    print("| %s | %s | %d | %.0f | %d | %d | %d | %d | %d | %s |" % (
        rs[0]["label"], rs[0]["mix"], sum(r["sessions"] for r in rs), ops, sum(r["errors"] for r in rs),
        lat("p50"), lat("p99"), lat("p999"), lat("max"), " / ".join("%.0f" % r["opsPerSec"] for r in rs)))
print()
print("| label | mix | ops/s ÷ zookeeper's (target ≥ 3) | p99 ÷ zookeeper's (target ≤ 0.33) |")
print("|---|---|--:|--:|")
for (label, mix), (ops, p99) in rows.items():
    if label == "zookeeper" or ("zookeeper", mix) not in rows: continue
    zops, zp99 = rows[("zookeeper", mix)]
    print("| %s | %s | %.2f | %.2f |" % (label, mix, ops / zops if zops else float("nan"), p99 / zp99 if zp99 else float("nan")))
PY
echo
echo "| server | RSS per member after the run (MiB) |"
echo "|---|---|"
for target in zookeeper zkensemble; do
  r=""; for i in 1 2 3; do r+="$(( $(rss ${mpids[$target.$i]}) / 1024 )) "; done
  echo "| $target | $r|"
done
