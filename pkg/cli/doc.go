// Package cli is `zkensemble cli`: a ZooKeeper shell that accepts the commands, flags and output
// formats of Apache ZooKeeper's zkCli.sh (ZooKeeperMain and the org.apache.zookeeper.cli package,
// 3.8/3.9), so scripts and habits written for zkCli keep working against any ZooKeeper-protocol
// server.
//
// It is split the way the rest of the tree is:
//   - tokenize.go and parse.go turn a command line into a typed Command (pure, table-tested);
//   - acl.go, path.go, format.go and errors.go are the pure printers and checks that reproduce
//     zkCli's text byte for byte (golden files in testdata/ were captured from zkCli.sh 3.8);
//   - exec.go runs a Command against the Conn interface (which *zk.Conn from go-zookeeper
//     satisfies) and, for the opcodes go-zookeeper lacks, the Ext interface;
//   - extops.go implements Ext by sharing go-zookeeper's TCP connection (see SideChannel);
//   - shell.go is the shell: connecting, the one-shot and interactive loops, watch printing.
//
// The caller (pkg/cmd/cli.go) parses the process flags into a Config and calls Run; Run owns the
// connection and returns the process exit code (0 ok, 1 on a failed command like zkCli).
package cli
