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
// The ordering guarantees clients rely on:
//   - a session's requests are answered in the order sent (a read never overtakes an earlier
//     write of its session: ZooKeeper's CommitProcessor rule);
//   - a watch event is queued to its connection before the reply of the write that fired it and
//     before any reply that shows the new data (the event is queued under the tree's write lock,
//     read replies are queued under its read lock).
//
// The caller must: build a Config (pkg/cmd/server.go maps zoo.cfg onto it), call New, run Serve
// until its context is cancelled, then Close. Tests and the fuzz target can drive one request
// at a time through a Server created with NewCore, which has no listener and runs the pipeline
// inline.
package server
