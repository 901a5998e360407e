package cmd

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/zkensemble/zkensemble/pkg/bench"
)

func init() {
	Register(Command{Name: "bench", Summary: "closed-loop load generator for ZooKeeper-protocol servers", Run: runBench})
}

// runBench: `zkensemble bench -servers h:p[,h:p] ...`, or `zkensemble bench table a.json b.json`
// to print a Markdown table of earlier results, or `bench populate` / `bench ready` (below).
func runBench(args []string) int {
	if len(args) > 0 && args[0] == "populate" {
		return runBenchPopulate(args[1:])
	}
	if len(args) > 0 && args[0] == "ready" {
		return runBenchReady(args[1:])
	}
	if len(args) > 0 && args[0] == "null-server" {
		return runBenchNullServer(args[1:])
	}
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
	sessions := fs.Int("sessions", 32, "concurrent sessions (each with -pipeline requests in flight)")
	valueSize := fs.Int("value-size", 128, "bytes written per create/set")
	mix := fs.String("mix", "mixed", "create | set | get | mixed (90% get, 10% set)")
	duration := fs.Duration("duration", 10*time.Second, "measured duration")
	warmup := fs.Duration("warmup", 2*time.Second, "unmeasured warm-up before the measurement")
	label := fs.String("label", "", "name of this run in reports")
	jsonOut := fs.String("json", "", "write the result as JSON to this file")
	clientName := fs.String("client", "raw", "client library: raw (lean, on pkg/jute) | gozk (go-zookeeper/zk)")
	cpuProfile := fs.String("cpuprofile", "", "write the bench client's CPU profile to this file")
	pipeline := fs.Int("pipeline", 1, "requests each session keeps in flight (>1 needs -client raw); 1 is the documented closed loop")
	serverPID := fs.Int("server-pid", 0, "pid of the server under test on this machine: report its CPU µs per op")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	m, err := bench.ParseMix(*mix)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	client, err := bench.ParseClient(*clientName)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := bench.Run(ctx, bench.Config{
		Servers: strings.Split(*servers, ","), Sessions: *sessions, ValueSize: *valueSize, Mix: m,
		Duration: *duration, Warmup: *warmup, Label: *label, Client: client,
		Pipeline: *pipeline, ServerPID: *serverPID,
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

// runBenchPopulate: `zkensemble bench populate -servers h:p -nodes N -value-size B -fanout F
// -root /path`, the large tree the storage benchmarks (hack/bench-storage.sh) restart with.
func runBenchPopulate(args []string) int {
	fs := flag.NewFlagSet("bench populate", flag.ContinueOnError)
	servers := fs.String("servers", "127.0.0.1:2181", "comma-separated host:port list")
	nodes := fs.Int("nodes", 1_000_000, "leaf znodes to create")
	valueSize := fs.Int("value-size", 100, "bytes of data per leaf")
	fanout := fs.Int("fanout", 1000, "leaves per parent znode")
	root := fs.String("root", "/zkbench-pop", "root of the tree; must not exist yet")
	sessions := fs.Int("sessions", 8, "sessions, one multi in flight each")
	batch := fs.Int("batch", 200, "creates per multi")
	timeout := fs.Duration("timeout", 30*time.Minute, "bound on the whole run")
	jsonOut := fs.String("json", "", "write the result as JSON to this file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := bench.Populate(ctx, bench.PopulateConfig{
		Servers: strings.Split(*servers, ","), ValueSize: *valueSize, Sessions: *sessions,
		Layout:    bench.Layout{Root: *root, Nodes: *nodes, Fanout: *fanout},
		BatchSize: *batch, Timeout: *timeout,
	})
	fmt.Println(res.Summary())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(res, "", "  ")
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return 0
}

// runBenchReady: `zkensemble bench ready -server h:p -path P [-since-unix-nanos T]` waits until
// the server answers srvr with a serving mode and serves getData(P), then prints
// "ready_ms=<ms since T> mode=... nodes=... data=..." (T defaults to when the command started;
// pass the time the server was exec'ed to measure a restart). Exit 1 on timeout.
func runBenchReady(args []string) int {
	fs := flag.NewFlagSet("bench ready", flag.ContinueOnError)
	server := fs.String("server", "127.0.0.1:2181", "host:port")
	path := fs.String("path", "/zkbench-pop/done", "znode that must be readable")
	since := fs.Int64("since-unix-nanos", 0, "measure from this instant (e.g. `date +%s%N` just before the exec)")
	poll := fs.Duration("poll", 10*time.Millisecond, "interval between attempts")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	from := time.Now()
	if *since > 0 {
		from = time.Unix(0, *since)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	s, err := bench.WaitServing(ctx, *server, *path, *poll)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("ready_ms=%d mode=%s nodes=%d polls=%d data=%q\n",
		time.Since(from).Milliseconds(), s.Mode, s.NodeCount, s.Polls, s.Data)
	return 0
}

// runBenchNullServer: `zkensemble bench null-server -listen h:p [-value-size B]`, the ceiling of
// bench-compare: a listener that answers the bench's requests from fixed replies and does no
// work (bench.NullServer). It is not a ZooKeeper server and says so on start.
func runBenchNullServer(args []string) int {
	fs := flag.NewFlagSet("bench null-server", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:2181", "host:port to listen on")
	valueSize := fs.Int("value-size", 128, "bytes of data in every getData reply")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	s, err := bench.ListenNullServer(*listen, *valueSize)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "null server (a measurement ceiling, not a ZooKeeper server) on %s\n", s.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() { <-ctx.Done(); s.Close() }()
	if err := s.Serve(); err != nil && ctx.Err() == nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "null server answered %d requests\n", s.Requests.Load())
	return 0
}
