package txnlog

import (
	"fmt"
	"io"
	"sync"
)

// Memory is the in-memory twin of the file log: same contract (queue on Append, durable on
// Sync, segments cut by Rotate, invalidating truncation), no files. Tests and the simulator use
// it, with Fault to make Append or Sync fail and Crash to model a power loss.
type Memory struct {
	mu       sync.Mutex
	segs     [][]Entry // durable entries by segment, oldest first; never an empty segment
	newSeg   bool      // the next durable entry starts a segment (after Rotate)
	pending  []Entry
	lastZxid int64
	gen      uint64
	closed   bool
	fault    Fault
	calls    int // calls of fault.Op since SetFault
}

// FaultOp names the operation a Fault targets.
type FaultOp int

const (
	FaultNone FaultOp = iota
	FaultAppend
	FaultSync
)

func (o FaultOp) String() string {
	switch o {
	case FaultNone:
		return "none"
	case FaultAppend:
		return "append"
	case FaultSync:
		return "sync"
	}
	return fmt.Sprintf("FaultOp(%d)", int(o))
}

// Fault makes Op fail with Err (wrapped in ErrWrite) once AfterCalls calls of it have
// succeeded, and on every call after that until ClearFault.
type Fault struct {
	Op         FaultOp
	AfterCalls int
	Err        error
}

// NewMemory returns an empty in-memory log.
func NewMemory() *Memory { return &Memory{} }

var _ Log = (*Memory)(nil)

// SetFault arms f, counting calls from now.
func (m *Memory) SetFault(f Fault) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fault, m.calls = f, 0
}

// ClearFault disarms any fault.
func (m *Memory) ClearFault() { m.SetFault(Fault{}) }

// Crash models a power loss and restart: queued entries are lost, durable ones stay, open
// iterators are invalidated, and a closed log is usable again (as if reopened).
func (m *Memory) Crash() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pending = nil
	m.closed = false
	m.gen++
	m.lastZxid = m.durableLastLocked()
}

func (m *Memory) injected(op FaultOp) error {
	if m.fault.Op != op || m.fault.Op == FaultNone {
		return nil
	}
	m.calls++
	if m.calls <= m.fault.AfterCalls {
		return nil
	}
	return fmt.Errorf("%w: injected %s fault: %w", ErrWrite, op, m.fault.Err)
}

func (m *Memory) durableLastLocked() int64 {
	if n := len(m.segs); n > 0 {
		s := m.segs[n-1]
		return s[len(s)-1].Zxid
	}
	return 0
}

func (m *Memory) Append(entries ...Entry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	if err := m.injected(FaultAppend); err != nil {
		return err
	}
	last := m.lastZxid
	for _, e := range entries {
		if e.Zxid <= last {
			return fmt.Errorf("%w: 0x%x after 0x%x", ErrOrder, e.Zxid, last)
		}
		if len(e.Data) > DefaultMaxEntryBytes {
			return fmt.Errorf("%w: zxid 0x%x has %d bytes", ErrEntryTooLarge, e.Zxid, len(e.Data))
		}
		last = e.Zxid
	}
	for _, e := range entries {
		m.pending = append(m.pending, Entry{Zxid: e.Zxid, Data: append([]byte(nil), e.Data...)})
	}
	m.lastZxid = last
	return nil
}

func (m *Memory) Sync() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	return m.syncLocked()
}

func (m *Memory) syncLocked() error {
	if err := m.injected(FaultSync); err != nil {
		return err
	}
	if len(m.pending) == 0 {
		return nil
	}
	if len(m.segs) == 0 || m.newSeg {
		m.segs = append(m.segs, nil)
		m.newSeg = false
	}
	n := len(m.segs) - 1
	m.segs[n] = append(m.segs[n], m.pending...)
	m.pending = nil
	return nil
}

func (m *Memory) LastZxid() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lastZxid
}

func (m *Memory) FirstZxid() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.segs) > 0 {
		return m.segs[0][0].Zxid
	}
	if len(m.pending) > 0 {
		return m.pending[0].Zxid
	}
	return 0
}

func (m *Memory) ReadFrom(zxid int64) (Iterator, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	it := &memIter{m: m, gen: m.gen}
	for _, s := range m.segs {
		for _, e := range s {
			if e.Zxid >= zxid {
				it.ents = append(it.ents, e)
			}
		}
	}
	for _, e := range m.pending {
		if e.Zxid >= zxid {
			it.ents = append(it.ents, e)
		}
	}
	return it, nil
}

func (m *Memory) TruncateAfter(zxid int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	m.gen++
	m.pending = keepUpTo(m.pending, zxid)
	for len(m.segs) > 0 {
		n := len(m.segs) - 1
		m.segs[n] = keepUpTo(m.segs[n], zxid)
		if len(m.segs[n]) > 0 {
			break
		}
		m.segs = m.segs[:n]
	}
	m.lastZxid = m.durableLastLocked()
	if n := len(m.pending); n > 0 {
		m.lastZxid = m.pending[n-1].Zxid
	}
	return nil
}

func keepUpTo(ents []Entry, zxid int64) []Entry {
	n := 0
	for n < len(ents) && ents[n].Zxid <= zxid {
		n++
	}
	if n == 0 {
		return nil
	}
	return ents[:n:n]
}

func (m *Memory) Rotate() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	if err := m.syncLocked(); err != nil {
		return err
	}
	m.newSeg = len(m.segs) > 0
	return nil
}

func (m *Memory) PurgeBefore(zxid int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	keep := -1
	for i, s := range m.segs {
		if s[0].Zxid <= zxid {
			keep = i
		}
	}
	if keep > 0 {
		m.segs = append([][]Entry(nil), m.segs[keep:]...)
	}
	return nil
}

// Segments returns how many segments hold durable entries (for tests of Rotate/PurgeBefore).
func (m *Memory) Segments() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.segs)
}

func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	err := m.syncLocked()
	m.closed = true
	return err
}

type memIter struct {
	m    *Memory
	gen  uint64
	ents []Entry
	done bool
}

func (it *memIter) Next() (Entry, error) {
	if it.done || len(it.ents) == 0 {
		it.done = true
		return Entry{}, io.EOF
	}
	it.m.mu.Lock()
	stale := it.m.gen != it.gen
	it.m.mu.Unlock()
	if stale {
		return Entry{}, ErrInvalidated
	}
	e := it.ents[0]
	it.ents = it.ents[1:]
	return Entry{Zxid: e.Zxid, Data: append([]byte(nil), e.Data...)}, nil
}

func (it *memIter) Close() error {
	it.done = true
	it.ents = nil
	return nil
}
