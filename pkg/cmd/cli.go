package cmd

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/zkensemble/zkensemble/pkg/cli"
)

func init() {
	Register(Command{Name: "cli", Summary: "ZooKeeper shell compatible with zkCli.sh", Run: runCLI})
}

// runCLI accepts zkCli.sh's flags: -server host:port[,...] and -timeout <ms>, then an optional
// command to run once.
func runCLI(args []string) int {
	fs := flag.NewFlagSet("cli", flag.ContinueOnError)
	server := fs.String("server", "localhost:2181", "connect string host:port[,host:port...]")
	timeoutMillis := fs.Int("timeout", 30000, "session timeout in milliseconds")
	waitMillis := fs.Int("connect-wait", 10000, "how long to wait for a session, in milliseconds")
	prompt := fs.String("prompt", "auto", "print the prompt: auto (when stdin is a terminal), on, off")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: zkensemble cli [-server host:port] [-timeout ms] [cmd args...]")
		fs.PrintDefaults()
		fmt.Fprint(os.Stderr, cli.Usage())
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	showPrompt := *prompt == "on"
	if *prompt == "auto" {
		if st, err := os.Stdin.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			showPrompt = true
		}
	}
	return cli.Run(cli.Config{
		Server:         *server,
		SessionTimeout: time.Duration(*timeoutMillis) * time.Millisecond,
		ConnectWait:    time.Duration(*waitMillis) * time.Millisecond,
		Command:        fs.Args(),
		In:             os.Stdin,
		Out:            os.Stdout,
		Err:            os.Stderr,
		Prompt:         showPrompt,
	})
}
