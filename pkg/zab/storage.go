package zab

// Entry is one logged txn: its zxid and the opaque txn bytes (the server's TxnHeader and
// record; ZAB does not look inside).
type Entry struct {
	Zxid Zxid
	Data []byte
}

// Snapshot is the caller's state machine folded up to and including Zxid. Data is opaque
// to ZAB; a leader ships it in SNAP and a learner hands it back in Ready.Persist.Snapshot.
type Snapshot struct {
	Zxid Zxid
	Data []byte
}

// ReadOnlyStorage is the node's view of its own durable state. The node reads it and never
// writes it: writes arrive as Ready.Persist and the caller applies them. A read error is
// fatal for the node (it panics): it no longer knows its own history.
//
// Contract: the log holds the entries after Snapshot().Zxid up to LastZxid(), zxids strictly
// increasing; Snapshot().Zxid <= Committed() is not required (Committed may lag or lead the
// snapshot); Committed() <= LastZxid() when both were synced together.
type ReadOnlyStorage interface {
	// Snapshot is the newest snapshot (Zxid 0, nil Data before the first).
	Snapshot() (Snapshot, error)
	// LastZxid is the last logged zxid, or the snapshot's zxid if the log is empty.
	LastZxid() (Zxid, error)
	// Entries returns up to maxEntries logged entries with after < zxid <= upTo, in order.
	// ErrCompacted if after < Snapshot().Zxid.
	Entries(after, upTo Zxid, maxEntries int) ([]Entry, error)
	// Floor is the largest logged zxid <= z, or the snapshot's zxid if there is none in the
	// log. ErrCompacted if z < Snapshot().Zxid.
	Floor(z Zxid) (Zxid, error)
	// AcceptedEpoch and CurrentEpoch are ZooKeeper's acceptedEpoch and currentEpoch files
	// (QuorumPeer): the last epoch this server agreed to (LEADERINFO) and the last epoch whose
	// history it holds (NEWLEADER).
	AcceptedEpoch() (Epoch, error)
	CurrentEpoch() (Epoch, error)
	// Committed is the highest zxid the caller recorded as committed (Ready.Persist.Committed).
	// It may lag; on restart the node delivers the log up to it without waiting for a leader.
	Committed() (Zxid, error)
}
