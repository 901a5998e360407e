package zab

import (
	"fmt"
	"slices"
	"sort"
)

// MemoryStorage is the in-memory twin of the server's txn log, snapshot and epoch files,
// used by tests and the simulator. It models a disk with a page cache: writes are visible
// at once but durable only after Sync, and Crash throws away everything written since the
// last Sync, as a power loss would.
//
// Not safe for concurrent use.
type MemoryStorage struct {
	cur, durable memState
}

type memState struct {
	snap          Snapshot
	ents          []Entry // after snap.Zxid; never shares a backing array written after Sync
	acceptedEpoch Epoch
	currentEpoch  Epoch
	committed     Zxid
}

// NewMemoryStorage returns empty storage: no snapshot, no log, epochs 0.
func NewMemoryStorage() *MemoryStorage { return &MemoryStorage{} }

func (s *MemoryStorage) Snapshot() (Snapshot, error) { return s.cur.snap, nil }

func (s *MemoryStorage) LastZxid() (Zxid, error) { return s.cur.last(), nil }

func (m *memState) last() Zxid {
	if len(m.ents) == 0 {
		return m.snap.Zxid
	}
	return m.ents[len(m.ents)-1].Zxid
}

func (s *MemoryStorage) Entries(after, upTo Zxid, maxEntries int) ([]Entry, error) {
	if after < s.cur.snap.Zxid {
		return nil, fmt.Errorf("%w: entries after %s, snapshot at %s", ErrCompacted, after.Short(), s.cur.snap.Zxid.Short())
	}
	i := sort.Search(len(s.cur.ents), func(i int) bool { return s.cur.ents[i].Zxid > after })
	j := sort.Search(len(s.cur.ents), func(i int) bool { return s.cur.ents[i].Zxid > upTo })
	if j < i {
		j = i
	}
	if maxEntries > 0 && j-i > maxEntries {
		j = i + maxEntries
	}
	return slices.Clone(s.cur.ents[i:j]), nil
}

func (s *MemoryStorage) Floor(z Zxid) (Zxid, error) {
	if z < s.cur.snap.Zxid {
		return 0, fmt.Errorf("%w: floor of %s, snapshot at %s", ErrCompacted, z.Short(), s.cur.snap.Zxid.Short())
	}
	i := sort.Search(len(s.cur.ents), func(i int) bool { return s.cur.ents[i].Zxid > z })
	if i == 0 {
		return s.cur.snap.Zxid, nil
	}
	return s.cur.ents[i-1].Zxid, nil
}

func (s *MemoryStorage) AcceptedEpoch() (Epoch, error) { return s.cur.acceptedEpoch, nil }
func (s *MemoryStorage) CurrentEpoch() (Epoch, error)  { return s.cur.currentEpoch, nil }
func (s *MemoryStorage) Committed() (Zxid, error)      { return s.cur.committed, nil }

// Append adds entries after the last one. Zxids must increase.
func (s *MemoryStorage) Append(ents []Entry) error {
	last := s.cur.last()
	for _, e := range ents {
		if e.Zxid <= last {
			return fmt.Errorf("%w: append %s after %s", ErrOutOfRange, e.Zxid.Short(), last.Short())
		}
		last = e.Zxid
	}
	s.cur.ents = append(s.cur.ents, ents...)
	return nil
}

// TruncateAfter drops every entry with zxid > z. z below the snapshot is an error: a
// snapshot cannot be un-applied.
func (s *MemoryStorage) TruncateAfter(z Zxid) error {
	if z < s.cur.snap.Zxid {
		return fmt.Errorf("%w: truncate after %s below snapshot %s", ErrCompacted, z.Short(), s.cur.snap.Zxid.Short())
	}
	i := sort.Search(len(s.cur.ents), func(i int) bool { return s.cur.ents[i].Zxid > z })
	// Clone so a later append cannot overwrite entries the durable copy still holds.
	s.cur.ents = slices.Clone(s.cur.ents[:i])
	if s.cur.committed > z {
		s.cur.committed = z
	}
	return nil
}

// ApplySnapshot replaces the whole log with snap (a SNAP sync from the leader).
func (s *MemoryStorage) ApplySnapshot(snap Snapshot) error {
	s.cur.snap = snap
	s.cur.ents = nil
	s.cur.committed = snap.Zxid
	return nil
}

// CreateSnapshot records the caller's own snapshot at z (which must be logged or be the
// current snapshot) and drops the log entries it covers.
func (s *MemoryStorage) CreateSnapshot(z Zxid, data []byte) error {
	if z < s.cur.snap.Zxid || z > s.cur.last() {
		return fmt.Errorf("%w: snapshot at %s outside [%s, %s]", ErrOutOfRange, z.Short(), s.cur.snap.Zxid.Short(), s.cur.last().Short())
	}
	if fl, _ := s.Floor(z); fl != z {
		return fmt.Errorf("%w: snapshot at %s which is not logged", ErrOutOfRange, z.Short())
	}
	i := sort.Search(len(s.cur.ents), func(i int) bool { return s.cur.ents[i].Zxid > z })
	s.cur.snap = Snapshot{Zxid: z, Data: slices.Clone(data)}
	s.cur.ents = slices.Clone(s.cur.ents[i:])
	return nil
}

// SetAcceptedEpoch, SetCurrentEpoch and SetCommitted write the small state files.
func (s *MemoryStorage) SetAcceptedEpoch(e Epoch) { s.cur.acceptedEpoch = e }
func (s *MemoryStorage) SetCurrentEpoch(e Epoch)  { s.cur.currentEpoch = e }
func (s *MemoryStorage) SetCommitted(z Zxid)      { s.cur.committed = z }

// Sync makes every write so far durable (fsync of log, snapshot and epoch files).
func (s *MemoryStorage) Sync() {
	s.durable = s.cur
	// Cap the durable slice so appends to cur reallocate instead of sharing.
	s.durable.ents = s.cur.ents[:len(s.cur.ents):len(s.cur.ents)]
	s.cur.ents = s.durable.ents
}

// Crash loses every write since the last Sync.
func (s *MemoryStorage) Crash() {
	s.cur = s.durable
}

// Apply performs p in the order Persist documents, syncing where MustSync asks. Tests and
// the simulator use it; a crash in the middle is modelled with ApplySteps.
func (s *MemoryStorage) Apply(p Persist) error {
	return s.ApplySteps(p, -1)
}

// ApplySteps performs the first n write steps of p (all if n < 0) in the documented order,
// so a simulator can crash between any two. It returns the total number of steps.
func (s *MemoryStorage) ApplySteps(p Persist, n int) error {
	steps := p.steps()
	if n < 0 || n > len(steps) {
		n = len(steps)
	}
	for _, st := range steps[:n] {
		if err := st.apply(s); err != nil {
			return err
		}
	}
	return nil
}

// PersistSteps is the number of steps ApplySteps can stop between.
func PersistSteps(p Persist) int { return len(p.steps()) }

// DurablyHolds reports whether z survives a crash now: folded into the durable snapshot or
// in the durable log. The simulator checks with it that every commit had a quorum behind it.
func (s *MemoryStorage) DurablyHolds(z Zxid) bool {
	if z <= s.durable.snap.Zxid {
		return true
	}
	i := sort.Search(len(s.durable.ents), func(i int) bool { return s.durable.ents[i].Zxid >= z })
	return i < len(s.durable.ents) && s.durable.ents[i].Zxid == z
}
