// Package harness starts real ZooKeeper-protocol servers for the process-level test suites under
// test/: Apache ZooKeeper 3.8 from Debian's packages (the reference) and our own
// `zkensemble server` (the system under test). Both get the same generated zoo.cfg, a fresh
// dataDir and a client port on 127.0.0.1, and are stopped (SIGTERM, then SIGKILL) when the test
// ends.
//
// Callers choose a Target and must:
//   - stop servers obtained from Launch or Shared themselves: Stop for Launch, StopShared from
//     TestMain for Shared (StartApache/StartZKE/Start register their own t.Cleanup);
//   - give each scenario that shares a server its own root znode.
//
// A failing test keeps its server directory (config, data, log) and prints the log's tail.
//
// Every process the harness runs (a Server, an Ensemble Member, a ProxiedMember) goes through
// process.go: its own process group with Pdeathsig, output appended to process.out after a
// startMarker line, exit tracked in the background, SIGCONT+SIGTERM then SIGKILL to stop.
package harness
