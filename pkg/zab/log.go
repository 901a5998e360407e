package zab

import (
	"errors"
	"fmt"
)

// zlog is the node's log as it will be once the pending writes (not yet handed to the caller
// in a Ready) are durable: storage, then an optional snapshot install or truncation, then
// appended entries. Going back to LOOKING drops the pending part (ZOOKEEPER-2845: nothing
// that is not on disk survives an election).
type zlog struct {
	st    ReadOnlyStorage
	snap  *Snapshot // pending SNAP install: storage's log is replaced
	trunc *Zxid     // pending truncation of storage's log
	ents  []Entry   // pending appends, after everything above
	// held: a SNAP sync is in progress and the pending writes stay in memory until the
	// learner has the leader's whole history (NEWLEADER). Our SNAP is the leader's stored
	// snapshot plus its log after it, so a learner that made the snapshot durable and then
	// lost the leader would hold less than it did before (its old log is gone) under a
	// currentEpoch that vouches for more, and could win the next election without txns
	// that were committed (simulator seed 7532, testdata/snap_hold.txt). ZooKeeper likewise
	// writes a SNAP sync to disk only at NEWLEADER (Learner.syncWithLeader takes the
	// snapshot and logs packetsNotCommitted there).
	held bool
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("zab: storage read failed: %v", err))
	}
	return v
}

// baseLast is the last zxid of storage after the pending snapshot/truncation.
func (l *zlog) baseLast() Zxid {
	if l.snap != nil {
		return l.snap.Zxid
	}
	last := must(l.st.LastZxid())
	if l.trunc != nil && *l.trunc < last {
		return *l.trunc
	}
	return last
}

func (l *zlog) snapshotZxid() Zxid {
	if l.snap != nil {
		return l.snap.Zxid
	}
	return must(l.st.Snapshot()).Zxid
}

func (l *zlog) last() Zxid {
	if len(l.ents) > 0 {
		return l.ents[len(l.ents)-1].Zxid
	}
	return l.baseLast()
}

// entries returns the entries with after < zxid <= upTo.
func (l *zlog) entries(after, upTo Zxid) []Entry {
	var out []Entry
	if base := l.baseLast(); l.snap == nil && after < base {
		hi := min(upTo, base)
		if after < hi {
			es, err := l.st.Entries(after, hi, 0)
			if err != nil {
				panic(fmt.Sprintf("zab: storage read failed: %v", err))
			}
			out = es
		}
	}
	for _, e := range l.ents {
		if e.Zxid > after && e.Zxid <= upTo {
			out = append(out, e)
		}
	}
	return out
}

// floor is the largest zxid in the log <= z, or the snapshot zxid; ok is false if z is
// below the snapshot.
func (l *zlog) floor(z Zxid) (Zxid, bool) {
	for i := len(l.ents) - 1; i >= 0; i-- {
		if l.ents[i].Zxid <= z {
			return l.ents[i].Zxid, true
		}
	}
	if l.snap != nil {
		return l.snap.Zxid, z >= l.snap.Zxid
	}
	base := l.baseLast()
	if z > base {
		z = base
	}
	f, err := l.st.Floor(z)
	if errors.Is(err, ErrCompacted) {
		return 0, false
	}
	return must(f, err), true
}

func (l *zlog) append(e Entry) {
	if e.Zxid <= l.last() {
		panic(fmt.Sprintf("zab: append %s after %s", e.Zxid.Short(), l.last().Short()))
	}
	l.ents = append(l.ents, e)
}

func (l *zlog) truncateAfter(z Zxid) {
	// Pending appends after z go; the rest of the cut is storage's.
	keep := l.ents[:0]
	for _, e := range l.ents {
		if e.Zxid <= z {
			keep = append(keep, e)
		}
	}
	l.ents = keep
	if l.snap == nil && z < l.baseLast() {
		zz := z
		l.trunc = &zz
	}
}

func (l *zlog) installSnapshot(s Snapshot) {
	l.snap = &s
	l.trunc = nil
	l.ents = nil
}

// pending reports whether there is anything not yet handed out.
func (l *zlog) pending() bool { return l.snap != nil || l.trunc != nil || len(l.ents) > 0 }

// stabilized: the caller made the handed-out pending writes durable. Held writes were not
// handed out and stay pending.
func (l *zlog) stabilized() {
	if !l.held {
		l.snap, l.trunc, l.ents = nil, nil, nil
	}
}

// discard drops every pending write, held or not: storage is the truth again.
func (l *zlog) discard() {
	l.held = false
	l.snap, l.trunc, l.ents = nil, nil, nil
}
