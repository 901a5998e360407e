// Package robustness runs process-level robustness tests in the style of etcd's: client traffic
// against a real ensemble (3 or 5 members on loopback), one injected failure (SIGKILL, SIGSTOP/
// SIGCONT, or a network partition between members through harness.PeerNet), healing, more
// traffic, then checks of the recorded client history:
//
//   - setData and sync+getData are linearizable per key, and create-sequential numbers are
//     handed out linearizably per parent (porcupine, models in model.go);
//   - plain getData is sequentially consistent per session (sessioncheck.go: a session never
//     reads older than what it already read or wrote, on any key, judged by mzxid);
//   - no acknowledged write is lost (lostwrites.go: the final read of every key after recovery is
//     at least the last acknowledged version, and every acknowledged sequential node exists).
//
// The checkers are pure functions of a History and are unit-tested on fabricated histories that
// must fail. The shells (traffic.go, failure.go, cluster.go) drive go-zookeeper clients and the
// ensemble. The ensemble is reached only through the Cluster interface, so the same suite runs
// against Apache ZooKeeper 3.8 (the reference, which validates the framework) and against
// `zkensemble server` (target.go decides which).
//
// Modes: the default (`go test ./test/robustness/`) is short: 3 members, two scenarios, small
// load, about a minute. ZKE_ROBUSTNESS=long runs every scenario against 3 and 5 members with
// longer traffic. A failing run keeps the ensemble's directory (configs, data, logs) and writes
// history.json and porcupine's visualisation (linearizability.html) into it; the path is logged.
package robustness
