#!/usr/bin/env bash
# Installs the reference peers the compatibility tests talk to, from Debian's packages:
# Apache ZooKeeper 3.8 (server, zkCli.sh), its C client (cli_mt), kazoo for python3, Apache
# Curator 5.4 with a JDK to compile its scenario program.
# Idempotent and quiet when everything is present.
set -euo pipefail
need=()
[ -x /usr/share/zookeeper/bin/zkCli.sh ] || need+=(zookeeper)
[ -x /usr/lib/zookeeper/bin/cli_mt ] || need+=(zookeeper-bin)
/usr/bin/python3 -c 'import kazoo' 2>/dev/null || need+=(python3-kazoo)
command -v java >/dev/null || need+=(default-jre-headless)
# Apache Curator (framework + recipes) and a JDK to compile test/compat/testdata/curator.
[ -f /usr/share/java/curator-recipes.jar ] || need+=(libcurator-recipes-java libcurator-framework-java libcurator-client-java)
command -v javac >/dev/null || need+=(openjdk-17-jdk-headless)
[ -f /usr/share/java/slf4j-nop.jar ] || need+=(libslf4j-java)
# test/harness starts ZooKeeper with java directly and adds these jars to Debian's classpath:
# netty-codec (missing from zookeeper.jar's manifest) and log4j with its slf4j binding (server log).
[ -f /usr/share/java/netty-codec.jar ] || need+=(libnetty-java)
[ -f /usr/share/java/log4j-1.2.jar ] || need+=(liblog4j1.2-java)
[ -f /usr/share/java/slf4j-log4j12.jar ] || need+=(libslf4j-java)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "hack/install-test-deps.sh: installing ${need[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${need[@]}" >/dev/null
