#!/bin/sh
# Regenerates the zkCli golden files: runs each testdata/*.zk script through Apache ZooKeeper's
# zkCli.sh against a fresh standalone ZooKeeper (Debian's 3.8 package) and keeps stdout and
# stderr in <script>.stdout / <script>.stderr. Usage: sh testdata/capture.sh (from pkg/cli).
set -eu
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
for script in testdata/*.zk; do
  rm -rf "$dir/data"
  printf 'tickTime=500\ndataDir=%s/data\nclientPort=%s\nclientPortAddress=127.0.0.1\n4lw.commands.whitelist=*\nadmin.enableServer=false\nextendedTypesEnabled=true\n' "$dir" "$port" > "$dir/zoo.cfg"
  java -cp /etc/zookeeper/conf:/usr/share/java/zookeeper.jar:/usr/share/java/netty-codec.jar \
    -Dzookeeper.log.dir="$dir" org.apache.zookeeper.server.ZooKeeperServerMain "$dir/zoo.cfg" >"$dir/zk.log" 2>&1 &
  pid=$!
  i=0; until python3 -c "import socket;s=socket.create_connection(('127.0.0.1',$port));s.send(b'srvr');assert b'Mode' in s.recv(999)" 2>/dev/null; do
    i=$((i+1)); [ $i -lt 100 ] || { echo "zookeeper did not start" >&2; exit 1; }; sleep 0.3; done
  base=${script%.zk}
  # zkCli runs from a pipe here, so it prints no prompt (JLine is disabled without a terminal).
  /usr/share/zookeeper/bin/zkCli.sh -server 127.0.0.1:$port < "$script" > "$base.stdout" 2> "$base.stderr.raw" || true
  grep -v '^SLF4J' "$base.stderr.raw" | grep -v '^	at ' > "$base.stderr" || true
  rm -f "$base.stderr.raw"
  kill $pid; wait $pid 2>/dev/null || true
done
