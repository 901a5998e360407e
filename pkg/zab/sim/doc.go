// Package sim is the deterministic simulator of package zab: N nodes with in-memory disks
// on a simulated network, driven by one seed. The network loses, duplicates, delays and
// reorders election notifications; quorum messages ride connections that keep order but
// break (a lost message ends the connection, as a TCP reset would). Nodes crash, losing
// unsynced writes (also in the middle of a Ready's writes), restart from disk, and are
// partitioned. After every step the ZAB invariants are checked against the global
// sequence of delivered txns; after the chaos a healed period demands liveness.
//
// The same Cluster runs the datadriven trace scripts in testdata/ (see trace_test.go).
//
// Run long: ZAB_SEEDS=5000 go test ./pkg/zab/sim -run TestSimSeeds (or make sim SEEDS=...).
// Replay one: ZAB_SEED=1234 go test ./pkg/zab/sim -run TestSimSeeds -v.
package sim
