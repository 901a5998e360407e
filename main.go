// Command zkensemble is the single binary of the project: the Kubernetes operator, the
// ZooKeeper-compatible server it runs, and the tools around them (cli, bench, probe, ...).
// Run `zkensemble help` for the list of subcommands.
package main

import (
	"os"

	"github.com/zkensemble/zkensemble/pkg/cmd"
)

func main() {
	os.Exit(cmd.Main(os.Args[1:]))
}
