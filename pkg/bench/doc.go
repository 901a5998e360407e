// Package bench is `zkensemble bench`: a closed-loop load generator for any ZooKeeper-protocol
// server (ours or Apache ZooKeeper), so the two can be measured the same way on the same machine.
//
// N sessions each issue one request at a time for a fixed duration, through one of two clients
// (client.go, -client): raw (rawclient.go, default), a synchronous client on pkg/jute with no
// goroutines or per-request allocation, so that on a machine the client shares with the server
// the client's own CPU does not decide the result; or gozk (go-zookeeper/zk), what a Go
// application would use. The workload is the same with both; every completed request's
// latency goes into a Histogram (log-bucketed, <1% error). With -pipeline N (raw client only)
// each session keeps N requests in flight instead of one, as ZooKeeper's asynchronous API
// allows; replies are matched in request order. The raw client's sessions start on the
// servers of -servers round-robin. The result is a Result (JSON, one object per run, flat so
// runs tabulate easily; see MarkdownTable) plus a one-line summary; it includes the bench's own
// CPU time per op (getrusage) and, with -server-pid, the server's (cpu.go, /proc), because on
// a shared machine CPU per op is a steadier measure than ops/s.
//
// Pure parts: Histogram (histogram.go), the operation mix (mix.go), Result rendering
// (result.go). Run (run.go) is the shell: sockets, goroutines and the clock. The caller
// (pkg/cmd/bench.go) passes a context that is cancelled on Ctrl-C; Run then stops the sessions,
// deletes its /zkbench-<random> working tree and returns what it measured so far.
//
// The storage benchmarks (hack/bench-storage.sh) add two tools. Populate (populate.go) builds a
// large two-level tree (Layout, layout.go, pure) with multi batches over several sessions and
// ends with a done marker; unlike Run it leaves its tree in place, because the point is to
// restart the server with it. WaitServing (ready.go) polls srvr and then getData of that
// marker, to time how long a restarted server takes to serve the whole tree. The caller gives
// both a context that bounds them.
package bench
