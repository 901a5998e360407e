// Package txnlog owns the transaction log: the durable, ordered record of every txn the server
// applies, ZooKeeper's dataLogDir/log.<zxid> role (FileTxnLog.java), in a format of our own.
//
// Two implementations of Log share one contract (see Log): Open returns the segmented file log,
// NewMemory its in-memory twin for tests and the simulator (with fault injection and Crash).
//
// The caller (the server's sync stage, later ZAB) must:
//   - Append entries with strictly increasing zxids and acknowledge a txn to anyone only after a
//     Sync that followed its Append returned nil (group commit: many Appends, one Sync);
//   - on ErrWrite, not acknowledge, and retry Sync later: the entries stay queued and are
//     rewritten in place, so nothing acknowledged is lost and nothing half-written is read back;
//   - call Append/Sync/TruncateAfter/Rotate/PurgeBefore/Close from one goroutine; ReadFrom,
//     LastZxid and FirstZxid may run concurrently from others;
//   - on ErrCorrupt from Open, stop and tell the operator (`zkensemble server --repair` runs
//     Repair, which sets the damaged bytes aside and never deletes them);
//   - keep ForceSync on outside tests (DefaultOptions);
//   - expect Open to fail with ErrLocked while another Log (or LockDir, Repair) holds the
//     directory's LOCK file (flock, released by Close or by the kernel when the process dies),
//     and hold LockDir's lock in any tool that edits a log directory.
//
// File format and recovery rules are described in frame.go and scan.go; the write path and its
// failure handling in file.go. Segment files are named log.<16 hex digits of the first zxid>,
// created as tmp → fsync → rename → fsync(dir), preallocated in steps of PreallocBytes
// (ZooKeeper's zookeeper.preAllocSize, 64 MiB) and cut to size when a newer segment starts.
// Open's scan also keeps a seek point about every MiB of each segment (segment.go), so a
// ReadFrom of a zxid deep inside a large segment (the log tail after a snapshot, at restart)
// starts near it instead of decoding the segment from its first record.
package txnlog
