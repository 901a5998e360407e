package zab

import (
	"fmt"
	"strings"
)

// Persist is what the caller must write, in field order, before it sends any of the
// Ready's Messages:
//
//  1. Snapshot: replace the log and the state machine with it (SNAP sync).
//  2. TruncateAfter: drop log entries after this zxid (TRUNC sync).
//  3. Entries: append to the log.
//  4. fsync if MustSync and anything of 1-3 was written.
//  5. AcceptedEpoch, then CurrentEpoch (0 = leave as is): each written and fsynced only
//     after the entries are durable. A learner's currentEpoch names the history it holds, so
//     it must never be ahead of the log on disk (ZOOKEEPER-4643).
//  6. Committed: a hint of the highest committed zxid; may be written lazily, unsynced.
//
// Only then may Messages go out: an ACK (for a PROPOSAL or for NEWLEADER) or an ACKEPOCH
// promises the sender's disk holds what it acknowledges (ZOOKEEPER-3911).
type Persist struct {
	Snapshot      *Snapshot
	TruncateAfter *Zxid
	Entries       []Entry
	AcceptedEpoch Epoch
	CurrentEpoch  Epoch
	Committed     Zxid
	// MustSync is true when any of the above except Committed must be fsynced.
	MustSync bool
}

// IsEmpty reports whether there is nothing to write.
func (p Persist) IsEmpty() bool {
	return p.Snapshot == nil && p.TruncateAfter == nil && len(p.Entries) == 0 &&
		p.AcceptedEpoch == 0 && p.CurrentEpoch == 0 && p.Committed == 0
}

func (p Persist) String() string {
	var parts []string
	if p.Snapshot != nil {
		parts = append(parts, "snapshot@"+p.Snapshot.Zxid.Short())
	}
	if p.TruncateAfter != nil {
		parts = append(parts, "truncate-after "+p.TruncateAfter.Short())
	}
	if len(p.Entries) > 0 {
		zs := make([]string, len(p.Entries))
		for i, e := range p.Entries {
			zs[i] = e.Zxid.Short()
		}
		parts = append(parts, "entries ["+strings.Join(zs, " ")+"]")
	}
	if p.Snapshot != nil || p.TruncateAfter != nil || len(p.Entries) > 0 {
		parts = append(parts, "sync")
	}
	if p.AcceptedEpoch != 0 {
		parts = append(parts, fmt.Sprintf("acceptedEpoch=%d sync", p.AcceptedEpoch))
	}
	if p.CurrentEpoch != 0 {
		parts = append(parts, fmt.Sprintf("currentEpoch=%d sync", p.CurrentEpoch))
	}
	if p.Committed != 0 {
		parts = append(parts, "committed="+p.Committed.Short())
	}
	return strings.Join(parts, "; ")
}

// persistStep is one write of a Persist, in order; crash tests stop between any two.
type persistStep struct {
	name  string
	apply func(*MemoryStorage) error
}

func (p Persist) steps() []persistStep {
	var st []persistStep
	wroteLog := false
	if p.Snapshot != nil {
		snap := *p.Snapshot
		st = append(st, persistStep{"snapshot", func(s *MemoryStorage) error { return s.ApplySnapshot(snap) }})
		wroteLog = true
	}
	if p.TruncateAfter != nil {
		z := *p.TruncateAfter
		st = append(st, persistStep{"truncate", func(s *MemoryStorage) error { return s.TruncateAfter(z) }})
		wroteLog = true
	}
	for _, e := range p.Entries {
		e := e
		st = append(st, persistStep{"append " + e.Zxid.Short(), func(s *MemoryStorage) error { return s.Append([]Entry{e}) }})
		wroteLog = true
	}
	if wroteLog && p.MustSync {
		st = append(st, persistStep{"sync", func(s *MemoryStorage) error { s.Sync(); return nil }})
	}
	if p.AcceptedEpoch != 0 {
		e := p.AcceptedEpoch
		st = append(st, persistStep{"acceptedEpoch", func(s *MemoryStorage) error { s.SetAcceptedEpoch(e); s.Sync(); return nil }})
	}
	if p.CurrentEpoch != 0 {
		e := p.CurrentEpoch
		st = append(st, persistStep{"currentEpoch", func(s *MemoryStorage) error { s.SetCurrentEpoch(e); s.Sync(); return nil }})
	}
	if p.Committed != 0 {
		z := p.Committed
		st = append(st, persistStep{"committed", func(s *MemoryStorage) error { s.SetCommitted(z); return nil }})
	}
	return st
}

// Ready is the node's output since the last Advance. The caller handles it in this order:
// Persist (see its rules), then Messages, then CommittedEntries; then calls Advance(rd).
// Step, Tick and Propose must not be called between Ready and Advance.
type Ready struct {
	// Persist must be durable before any Message is sent.
	Persist Persist
	// Messages to send, after Persist is durable. Quorum messages of one connection must be
	// sent in slice order.
	Messages []Message
	// CommittedEntries are committed txns to apply to the state machine, in zxid order,
	// after Persist (they may include entries Persist just wrote; if Persist.Snapshot is set,
	// restore it first: these follow it).
	CommittedEntries []Entry
}

func (rd Ready) containsUpdates() bool {
	return !rd.Persist.IsEmpty() || len(rd.Messages) > 0 || len(rd.CommittedEntries) > 0
}
