// Package bench is `zkensemble bench`: a closed-loop load generator for any ZooKeeper-protocol
// server (ours or Apache ZooKeeper), so the two can be measured the same way on the same machine.
//
// N sessions (one go-zookeeper connection each) each issue one request at a time for a fixed
// duration; every completed request's latency goes into a Histogram (log-bucketed, <1% error).
// The result is a Result (JSON, one object per run, flat so runs tabulate easily; see
// MarkdownTable) plus a one-line summary.
//
// Pure parts: Histogram (histogram.go), the operation mix (mix.go), Result rendering
// (result.go). Run (run.go) is the shell: sockets, goroutines and the clock. The caller
// (pkg/cmd/bench.go) passes a context that is cancelled on Ctrl-C; Run then stops the sessions,
// deletes its /zkbench-<random> working tree and returns what it measured so far.
package bench
