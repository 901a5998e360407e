#!/usr/bin/env bash
# Starts Debian's Apache ZooKeeper 3.8 in the foreground with a given zoo.cfg, the way zkServer.sh
# would (same classpath, same default heap), plus the netty-codec jar Debian's package omits.
# Usage: hack/apache-zk.sh <zoo.cfg> [extra java args...]
set -euo pipefail
cfg=$1; shift
cp=/etc/zookeeper/conf:/usr/share/java/zookeeper.jar:/usr/share/java/netty-codec.jar
exec java -Xmx1000m -cp "$cp" -Dzookeeper.log.dir="$(dirname "$cfg")" \
  -Dzookeeper.extendedTypesEnabled=true "$@" \
  org.apache.zookeeper.server.ZooKeeperServerMain "$cfg"
