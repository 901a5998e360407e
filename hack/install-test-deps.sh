#!/usr/bin/env bash
# Installs the reference peers the compatibility tests talk to, from Debian's packages:
# Apache ZooKeeper 3.8 (server, zkCli.sh), its C client (cli_mt), kazoo for python3.
# Idempotent and quiet when everything is present.
set -euo pipefail
need=()
[ -x /usr/share/zookeeper/bin/zkCli.sh ] || need+=(zookeeper)
[ -x /usr/lib/zookeeper/bin/cli_mt ] || need+=(zookeeper-bin)
/usr/bin/python3 -c 'import kazoo' 2>/dev/null || need+=(python3-kazoo)
command -v java >/dev/null || need+=(default-jre-headless)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "hack/install-test-deps.sh: installing ${need[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${need[@]}" >/dev/null
