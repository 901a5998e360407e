package zab

// SyncKind is how a leader brings a learner's log to its own (LearnerHandler.syncFollower).
type SyncKind int

const (
	// SyncDiff: the learner's log is a prefix of the leader's; send what follows.
	SyncDiff SyncKind = iota
	// SyncTrunc: the learner has a suffix the leader lacks, all in the epoch of the last
	// zxid they share; drop it, then send what follows (ZOOKEEPER-1154, ZOOKEEPER-2832).
	SyncTrunc
	// SyncSnap: anything else: ship the leader's snapshot and the log after it.
	SyncSnap
)

func (k SyncKind) String() string {
	switch k {
	case SyncDiff:
		return "DIFF"
	case SyncTrunc:
		return "TRUNC"
	case SyncSnap:
		return "SNAP"
	}
	return "SyncKind(?)"
}

// syncPlan says which sync message to send and after which zxid the leader's log follows.
type syncPlan struct {
	Kind SyncKind
	// From: for DIFF the learner's last zxid, for TRUNC the truncation point; for SNAP unused
	// (the snapshot's zxid is used).
	From Zxid
}

// chooseSync picks the sync for a learner whose last logged zxid is peerLast, given the
// leader's snapshot zxid, last zxid and floor (largest logged zxid <= z; ok false when z is
// below the snapshot).
//
// The rule rests on a ZAB invariant: one leader per epoch, and a server's entries of an
// epoch are a prefix of that leader's proposals. So if the leader holds peerLast, the
// learner's whole log is a prefix of the leader's (DIFF). If not, the two logs agree up to
// the largest leader zxid below peerLast when that zxid is of peerLast's own epoch (TRUNC to
// it); across an epoch boundary nothing is known, so SNAP, as ZooKeeper does
// (LearnerHandler.queueCommittedProposals refuses a TRUNC that crosses epochs).
func chooseSync(snapZxid, last, peerLast Zxid, floor func(Zxid) (Zxid, bool)) syncPlan {
	switch {
	case peerLast == last:
		return syncPlan{Kind: SyncDiff, From: peerLast}
	case peerLast < snapZxid:
		return syncPlan{Kind: SyncSnap}
	case peerLast > last:
		if peerLast.Epoch() == last.Epoch() {
			return syncPlan{Kind: SyncTrunc, From: last}
		}
		return syncPlan{Kind: SyncSnap}
	}
	f, ok := floor(peerLast)
	switch {
	case !ok:
		return syncPlan{Kind: SyncSnap}
	case f == peerLast:
		return syncPlan{Kind: SyncDiff, From: peerLast}
	case f.Epoch() == peerLast.Epoch():
		return syncPlan{Kind: SyncTrunc, From: f}
	}
	return syncPlan{Kind: SyncSnap}
}
