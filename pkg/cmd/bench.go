package cmd

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/zkensemble/zkensemble/pkg/bench"
)

func init() {
	Register(Command{Name: "bench", Summary: "closed-loop load generator for ZooKeeper-protocol servers", Run: runBench})
}

// runBench: `zkensemble bench -servers h:p[,h:p] ...`, or `zkensemble bench table a.json b.json`
// to print a Markdown table of earlier results.
func runBench(args []string) int {
	if len(args) > 0 && args[0] == "table" {
		results, err := bench.LoadResults(args[1:])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Print(bench.MarkdownTable(results))
		return 0
	}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	servers := fs.String("servers", "127.0.0.1:2181", "comma-separated host:port list")
	sessions := fs.Int("sessions", 32, "concurrent sessions, one request in flight each")
	valueSize := fs.Int("value-size", 128, "bytes written per create/set")
	mix := fs.String("mix", "mixed", "create | set | get | mixed (90% get, 10% set)")
	duration := fs.Duration("duration", 10*time.Second, "measured duration")
	warmup := fs.Duration("warmup", 2*time.Second, "unmeasured warm-up before the measurement")
	label := fs.String("label", "", "name of this run in reports")
	jsonOut := fs.String("json", "", "write the result as JSON to this file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	m, err := bench.ParseMix(*mix)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := bench.Run(ctx, bench.Config{
		Servers: strings.Split(*servers, ","), Sessions: *sessions, ValueSize: *valueSize, Mix: m,
		Duration: *duration, Warmup: *warmup, Label: *label,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(res.Summary())
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(res, "", "  ")
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return 0
}
