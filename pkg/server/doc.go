// Package server is the I/O shell that turns the pure cores (pkg/datatree, pkg/prep, pkg/acl,
// pkg/session, pkg/watch, pkg/fourlw) into a ZooKeeper-compatible server for an ensemble of
// one. It owns the sockets, the goroutines, the timers and the order in which things happen;
// every decision about what a request means is made by a core.
//
// Pipeline (one request's path; the comments in each file cite the ZooKeeper class it follows):
//
//	reader goroutine (per connection)   frame → RequestHeader → decoded body
//	  ├─ reads with no pending write of the session: answered right away under the tree's read lock
//	  ├─ reads behind a pending write: queued on the connection, answered after that write's reply
//	  └─ writes → processor goroutine: prep.Preparer.Prepare assigns the zxid (FIFO per session)
//	               → Replicator.Propose (standalone: TxnLog.Append + one Sync per batch)
//	               → apply goroutine: tree.Apply in zxid order under the write lock, watch events
//	                 enqueued to their connections, Preparer.Applied, then the reply
//	writer goroutine (per connection)   drains the outgoing queue through a bufio.Writer,
//	                                    flushing only when the queue is empty (batching)
//
// Storage (docs/storage.md): New restores the newest whole snapshot from DataDir/snapshot and
// replays the log after it (restore.go), refusing to start on a gap. The replicator's goroutine
// is the txn log's only writer (writer.go): group commit, the snapshot trigger (log roll, then
// the snapshot goroutine copies the tree a chunk per read-lock hold, snapshotter.go) and
// autopurge. A failed append or fsync puts the server in degraded mode (health.go): the batch
// is dropped from the log and answered NotReadOnly, the apply goroutine rewinds the zxid
// counter and the preparer (rejectBatch), and one probe write per second tries the disk again.
//
// The ordering guarantees clients rely on:
//   - a session's requests are answered in the order sent (a read never overtakes an earlier
//     write of its session: ZooKeeper's CommitProcessor rule);
//   - a watch event is queued to its connection before the reply of the write that fired it and
//     before any reply that shows the new data (the event is queued under the tree's write lock,
//     read replies are queued under its read lock).
//
// Ensemble mode (Config.Ensemble; ensemble*.go, docs/replication.md): a pkg/quorum member
// replaces the txn log and the standalone replicator. The leader's processor prepares with
// the zxid zab will assign and proposes (ProposeBatch); learners forward writes, session
// requests and syncs to the leader; committed txns are applied and answered on the member's
// goroutine; the server serves only while the member is established and closes every client
// connection when that ends; only the leader expires sessions (learners relay touches) and
// reaps containers; sync is a quorum operation (answered once the member applied everything
// the leader had proposed before it).
//
// The caller must: build a Config (pkg/cmd/server.go maps zoo.cfg onto it), open the txn log
// (txnlog.Open takes the directory's lock) and pass it in Deps, call New, run Serve until its
// context is cancelled, then Close; Serve's shutdown closes the log. Tests and the fuzz target can drive one request
// at a time through a Server created with NewCore, which has no listener and runs the pipeline
// inline.
package server
