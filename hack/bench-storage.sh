#!/usr/bin/env bash
# `make bench-storage`: the storage benchmarks of docs/benchmarks.md, Apache ZooKeeper 3.8 (Debian)
# and `zkensemble server` in the same run, one server at a time, both with forceSync=yes.
#
#  restart: populate NODES leaves of VALUE_SIZE bytes (`bench populate`, multi batches), then
#           run a set load until a snapshot covering the whole tree has been written, SIGKILL,
#           and RESTARTS times: exec the server, time until srvr says "Mode:" AND getData of the
#           node written last (<root>/done) succeeds (`bench ready`), record VmRSS 3 s later,
#           SIGKILL. Reports every run, the median, and the on-disk size of dataDir.
#  p99:     on the same tree, `bench -mix set` (SESSIONS sessions, P99_DURATION) twice: with
#           snapCount=P99_SNAP_COUNT (several snapshots during the run) and with a snapCount so
#           large that none is taken; reports p50/p99/p99.9 and the snapshots seen.
# Prints Markdown to stdout (progress on stderr) to paste into docs/benchmarks.md.
# Env: NODES (1000000) VALUE_SIZE (100) FANOUT (1000) SNAP_COUNT (100000) RESTARTS (3)
#      P99_SNAP_COUNT (20000) P99_DURATION (20s) P99_ROUNDS (2) SESSIONS (32) PHASES ("restart p99")
#      TARGETS ("zookeeper zkensemble") ZK_JAVA_ARGS (extra java args, e.g. -Xmx2g; default: none,
#      so ZooKeeper runs with zkServer.sh's -Xmx1000m) KEEP (yes: keep the work dir)
#      SNAP_WAIT (600: seconds to wait for the covering snapshot) ZKE_BIN (use this binary
#      instead of building bin/zkensemble).
set -euo pipefail
cd "$(dirname "$0")/.."
NODES=${NODES:-1000000}; VALUE_SIZE=${VALUE_SIZE:-100}; FANOUT=${FANOUT:-1000}
SNAP_COUNT=${SNAP_COUNT:-100000}; RESTARTS=${RESTARTS:-3}
P99_SNAP_COUNT=${P99_SNAP_COUNT:-20000}; P99_DURATION=${P99_DURATION:-20s}; P99_ROUNDS=${P99_ROUNDS:-2}; SESSIONS=${SESSIONS:-32}
PHASES=${PHASES:-"restart p99"}; TARGETS=${TARGETS:-"zookeeper zkensemble"}
ZK_JAVA_ARGS=${ZK_JAVA_ARGS:-}; KEEP=${KEEP:-no}; SNAP_WAIT=${SNAP_WAIT:-600}
NO_SNAP_COUNT=1000000000 # half of it is more txns than any run here writes
ROOT=/zkbench-pop
hack/install-test-deps.sh >&2
if [ -n "${ZKE_BIN:-}" ]; then ZKE=$ZKE_BIN; else go build -o bin/zkensemble .; ZKE=bin/zkensemble; fi
work=$(mktemp -d /tmp/zke-storage.XXXXXX)
srvpid=""; loadpid=""
cleanup() {
  for p in $loadpid $srvpid; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$KEEP" = yes ]; then echo "work dir kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# cpu_ms <pid>: user+system CPU the process has used, in ms. Less sensitive than wall time to
# other work on a shared machine, so reported beside it.
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{print int(($14+$15)*1000/hz)}' "/proc/$1/stat"; }
rss_kib() { awk '/VmRSS/{print $2}' "/proc/$1/status"; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
median() { sort -n | awk '{a[NR]=$1} END{print (NR%2)? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
srvr_zxid() { (exec 3<>"/dev/tcp/127.0.0.1/$1"; printf srvr >&3; cat <&3) 2>/dev/null | awk '/^Zxid:/{print $2}'; }

# write_cfg <target> <snapCount>
write_cfg() {
  cat > "$work/$1/zoo.cfg" <<EOF
tickTime=2000
dataDir=$work/$1/data
clientPort=${port[$1]}
clientPortAddress=127.0.0.1
maxClientCnxns=0
4lw.commands.whitelist=*
admin.enableServer=false
forceSync=yes
snapCount=$2
EOF
}

# start <target>: exec the server in the background; sets srvpid and t0 (ns, just before exec).
start() {
  zk_files_at_start=$(zk_snap_files)
  t0=$(date +%s%N)
  if [ "$1" = zookeeper ]; then
    # shellcheck disable=SC2086 # ZK_JAVA_ARGS is a list of words
    hack/apache-zk.sh "$work/$1/zoo.cfg" $ZK_JAVA_ARGS >> "$work/$1/log" 2>&1 &
  else
    $ZKE server --config "$work/$1/zoo.cfg" >> "$work/$1/log" 2>&1 &
  fi
  srvpid=$!
}
stop9() { kill -9 "$srvpid"; wait "$srvpid" 2>/dev/null || true; srvpid=""; }
ready() { $ZKE bench ready -server "127.0.0.1:${port[$1]}" -path "$ROOT/done" -since-unix-nanos "$t0" -timeout 10m; }

fourlw() { (exec 3<>"/dev/tcp/127.0.0.1/${port[$1]}"; printf '%s' "$2" >&3; cat <&3) 2>/dev/null || true; }
zk_snap_files() { ls "$work/zookeeper/data/version-2" 2>/dev/null | grep -cE '^snapshot\.[0-9a-f]+$' || true; }

# snaps_done <target>: snapshots this server process has finished writing. ZooKeeper's own log is
# silent here (Debian's classpath has no SLF4J binding), but mntr's zk_cnt_snapshottime counts
# them (ServerMetrics.SNAPSHOT_TIME, the startup snapshot included); ours logs "snapshot written".
snaps_done() {
  if [ "$1" = zookeeper ]; then fourlw "$1" mntr | awk '$1=="zk_cnt_snapshottime"{n=$2} END{print n+0}'
  else grep -c 'snapshot written' "$work/$1/log" || true; fi
}

# newest_snap <target>: zxid (decimal) of the newest snapshot known to be complete, 0 if none.
# Ours are written as .tmp and renamed, so a final name is complete. ZooKeeper writes
# version-2/snapshot.<hex> in place, one at a time; the newest is complete once every file made
# since this process started is counted by snaps_done.
newest_snap() {
  local zx n
  if [ "$1" = zookeeper ]; then
    zx=$(ls "$work/$1/data/version-2" 2>/dev/null | sed -nE 's/^snapshot\.([0-9a-f]+)$/\1/p' |
      while read -r h; do echo $((16#$h)); done | sort -n)
    n=$(printf '%s' "$zx" | grep -c . || true)
    if [ "$n" -gt 0 ] && [ $(( n - zk_files_at_start )) -gt "$(snaps_done "$1")" ]; then
      zx=$(printf '%s\n' "$zx" | head -n $((n - 1)))
    fi
  else
    zx=$(ls "$work/$1/data/snapshot" 2>/dev/null | sed -nE 's/^snapshot\.([0-9a-f]{16})$/\1/p' |
      while read -r h; do echo $((16#$h)); done | sort -n)
  fi
  printf '%s\n' "$zx" | awk 'NF{z=$1} END{print z+0}'
}
newest_snap_file() {
  if [ "$1" = zookeeper ]; then ls -t "$work/$1/data/version-2"/snapshot.* | head -1
  else ls "$work/$1/data/snapshot"/snapshot.* | grep -E '\.[0-9a-f]{16}$' | sort | tail -1; fi
}

declare -A port
restart_rows=(); p99_results=(); p99_rows=()
echo "# storage bench $(date -u +%Y-%m-%dT%H:%MZ): $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
echo "nodes=$NODES value=${VALUE_SIZE}B fanout=$FANOUT snapCount=$SNAP_COUNT forceSync=yes; load average at start: $(loadavg)"
echo
for t in $TARGETS; do
  port[$t]=$(freeport); mkdir -p "$work/$t/data"
  write_cfg "$t" "$SNAP_COUNT"
  log "$t: start, populate $NODES nodes"
  start "$t"
  for _ in $(seq 1 300); do $ZKE probe -addr "127.0.0.1:${port[$t]}" -timeout 1s ready 2>/dev/null && break; sleep 0.2; done
  la0=$(loadavg)
  $ZKE bench populate -servers "127.0.0.1:${port[$t]}" -nodes "$NODES" -value-size "$VALUE_SIZE" \
    -fanout "$FANOUT" -root "$ROOT" -json "$work/$t-populate.json" >&2
  popzxid=$(( $(srvr_zxid "${port[$t]}") ))
  pop_rate=$(python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["nodesPerSec"]))' "$work/$t-populate.json")
  # A set load until a snapshot taken after the populate is complete on disk, so the restart
  # reads (nearly) the whole tree from one snapshot, as after any long run.
  log "$t: populated to zxid 0x$(printf %x "$popzxid"); set load until a snapshot covers it"
  $ZKE bench -servers "127.0.0.1:${port[$t]}" -mix set -sessions 8 -value-size "$VALUE_SIZE" \
    -duration 30m -warmup 0s -label "$t-fill" > "$work/$t-fill.out" 2>&1 & loadpid=$!
  for _ in $(seq 1 $((SNAP_WAIT * 5))); do [ "$(newest_snap "$t")" -ge "$popzxid" ] && break; sleep 0.2; done
  kill -INT "$loadpid"; wait "$loadpid" || true; loadpid=""
  snapz=$(newest_snap "$t")
  if [ "$snapz" -lt "$popzxid" ]; then log "$t: no snapshot after the populate within ${SNAP_WAIT}s: the restart replays the log"; fi
  stop9
  if [[ " $PHASES " == *" restart "* ]]; then
    ms=(); rss=(); cpu=()
    for i in $(seq 1 "$RESTARTS"); do
      start "$t"
      out=$(ready "$t") || { log "$t: restart $i never served $ROOT/done"; tail -20 "$work/$t/log" >&2; exit 1; }
      c=$(cpu_ms "$srvpid"); sleep 3; r=$(( $(rss_kib "$srvpid") / 1024 ))
      log "$t restart $i: $out cpu_ms=$c rss=${r}MiB"
      ms+=("$(sed -E 's/^ready_ms=([0-9]+).*/\1/' <<<"$out")"); rss+=("$r"); cpu+=("$c")
      stop9
    done
    disk=$(( $(du -sk "$work/$t/data" | cut -f1) / 1024 ))
    snapmib=$(newest_snap_file "$t" | xargs stat -c %s | awk '{printf "%.0f", $1/1048576}')
    restart_rows+=("| $t | $NODES | $pop_rate | 0x$(printf %x "$snapz") | $snapmib | $disk | ${ms[*]} | $(printf '%s\n' "${ms[@]}" | median) | $(printf '%s\n' "${cpu[@]}" | median) | ${rss[*]} | $(printf '%s\n' "${rss[@]}" | median) | $la0 → $(loadavg) |")
  fi
  if [[ " $PHASES " == *" p99 "* ]]; then
    # Alternating rounds (no snapshot, snapshots, no snapshot, …) so that a change in the
    # machine's load shows as a difference between rounds rather than posing as the snapshot's.
    for round in $(seq 1 "$P99_ROUNDS"); do for sc in "$NO_SNAP_COUNT" "$P99_SNAP_COUNT"; do
      write_cfg "$t" "$sc"; start "$t"; ready "$t" >/dev/null
      label="$t snapCount=$sc #$round"; [ "$sc" = "$NO_SNAP_COUNT" ] && label="$t no snapshot #$round"
      f0=$(snaps_done "$t"); la0=$(loadavg)
      log "$t: bench -mix set, $label"
      $ZKE bench -servers "127.0.0.1:${port[$t]}" -mix set -sessions "$SESSIONS" -value-size "$VALUE_SIZE" \
        -duration "$P99_DURATION" -label "$label" -json "$work/$t-$sc-$round.json" >&2
      p99_results+=("$work/$t-$sc-$round.json")
      # The server's RSS and CPU after the run: steady-state memory under writes (the collector's
      # headroom), and CPU spent by the server incl. snapshots, both beside the restart figures.
      p99_rows+=("| $label | $(( $(snaps_done "$t") - f0 )) | $(( $(rss_kib "$srvpid") / 1024 )) | $(cpu_ms "$srvpid") | $la0 → $(loadavg) |")
      stop9
    done; done
  fi
done
if [ ${#restart_rows[@]} -gt 0 ]; then
  echo "### Restart with $NODES znodes of ${VALUE_SIZE} B (SIGKILL, then exec → srvr Mode + getData $ROOT/done)"
  echo
  echo "| server | leaves | populate nodes/s | snapshot zxid | newest snapshot MiB | dataDir MiB (all snapshots + logs) | restart ms (each) | restart ms (median) | server CPU ms until served (median) | RSS MiB 3 s after (each) | RSS MiB (median) | load average |"
  echo "|---|--:|--:|---|--:|--:|---|--:|--:|---|--:|---|"
  printf '%s\n' "${restart_rows[@]}"
  echo
fi
if [ ${#p99_results[@]} -gt 0 ]; then
  echo "### Set latency during snapshots ($SESSIONS sessions, $P99_DURATION, tree of $NODES znodes)"
  echo
  $ZKE bench table "${p99_results[@]}"
  echo
  echo "| run | snapshots finished during the run (incl. warm-up and set-up) | server RSS MiB at the end | server CPU ms (start-up + run) | load average |"
  echo "|---|--:|--:|--:|---|"
  printf '%s\n' "${p99_rows[@]}"
  echo
fi
echo "load average at end: $(loadavg)"
