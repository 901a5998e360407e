package robustness

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"time"
)

// OpKind is what a recorded client operation did.
type OpKind int

const (
	// OpWrite is setData(key, unique value, version -1).
	OpWrite OpKind = iota + 1
	// OpRead is a plain getData: served by the session's member from its local state.
	OpRead
	// OpSyncRead is sync(key) followed by getData(key) on the same session.
	OpSyncRead
	// OpCreateSeq is create(parent/"s-", PERSISTENT_SEQUENTIAL).
	OpCreateSeq
)

func (k OpKind) String() string {
	switch k {
	case OpWrite:
		return "write"
	case OpRead:
		return "read"
	case OpSyncRead:
		return "sync+read"
	case OpCreateSeq:
		return "create-seq"
	}
	return fmt.Sprintf("OpKind(%d)", int(k))
}

// Outcome says what the client learned about an operation.
type Outcome int

const (
	// OutcomeOK: the server answered success.
	OutcomeOK Outcome = iota + 1
	// OutcomeFailed: the server answered an error, so the operation had no effect.
	OutcomeFailed
	// OutcomeUnknown: connection loss, session expiry or a client-side timeout; a write may or
	// may not have been applied, at any time after its call.
	OutcomeUnknown
)

func (o Outcome) String() string {
	switch o {
	case OutcomeOK:
		return "ok"
	case OutcomeFailed:
		return "failed"
	case OutcomeUnknown:
		return "unknown"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// NeverReturned is the Return time of an operation whose outcome is unknown: porcupine may
// linearize it anywhere after its call, including after everything else (= not applied).
const NeverReturned = time.Duration(math.MaxInt64)

// Op is one recorded client operation.
type Op struct {
	// Session numbers the ZooKeeper session (one client connection's lifetime) that issued the
	// op; a session has at most one op outstanding, so its ops are totally ordered by Call.
	Session int    `json:"session"`
	Kind    OpKind `json:"kind"`
	// Key is the znode path (for OpCreateSeq: the parent).
	Key string `json:"key"`
	// Value is the data written (OpWrite) or read (OpRead, OpSyncRead).
	Value string `json:"value,omitempty"`
	// Version and Mzxid are the znode's Stat after a write or as read.
	Version int32 `json:"version"`
	Mzxid   int64 `json:"mzxid"`
	// Seq is the sequence number the server appended (OpCreateSeq) and Name the created path.
	Seq  int64  `json:"seq"`
	Name string `json:"name,omitempty"`

	Outcome Outcome `json:"outcome"`
	Err     string  `json:"err,omitempty"`
	// Call and Return are offsets from the start of the history (monotonic clock);
	// Return is NeverReturned for an unknown outcome.
	Call   time.Duration `json:"call"`
	Return time.Duration `json:"return"`
}

func (o Op) String() string {
	s := fmt.Sprintf("s%d %v %s", o.Session, o.Kind, o.Key)
	switch o.Kind {
	case OpWrite:
		s += fmt.Sprintf(" %q", o.Value)
	case OpCreateSeq:
		if o.Outcome == OutcomeOK {
			s += fmt.Sprintf(" -> %d", o.Seq)
		}
	}
	if o.Outcome == OutcomeOK && o.Kind != OpCreateSeq {
		s += fmt.Sprintf(" -> v%d mzxid %#x", o.Version, o.Mzxid)
		if o.Kind != OpWrite {
			s += fmt.Sprintf(" %q", o.Value)
		}
	}
	if o.Outcome != OutcomeOK {
		s += " " + o.Outcome.String()
		if o.Err != "" {
			s += " (" + o.Err + ")"
		}
	}
	ret := "∞"
	if o.Return != NeverReturned {
		ret = o.Return.String()
	}
	return s + fmt.Sprintf(" [%v, %s]", o.Call, ret)
}

// History is the ordered list of recorded operations.
type History []Op

// Sorted returns the ops ordered by call time (a stable copy).
func (h History) Sorted() History {
	out := slices.Clone(h)
	slices.SortStableFunc(out, func(a, b Op) int {
		switch {
		case a.Call < b.Call:
			return -1
		case a.Call > b.Call:
			return 1
		}
		return 0
	})
	return out
}

// Recorder collects ops from concurrent clients; the clock is injected so tests can fabricate
// histories.
type Recorder struct {
	mu      sync.Mutex
	ops     History
	session int
	now     func() time.Duration
}

// NewRecorder returns a Recorder whose times are now() offsets.
func NewRecorder(now func() time.Duration) *Recorder { return &Recorder{now: now} }

// Now is the recorder's clock.
func (r *Recorder) Now() time.Duration { return r.now() }

// NewSession returns a fresh session number.
func (r *Recorder) NewSession() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.session++
	return r.session - 1
}

// Add records op.
func (r *Recorder) Add(op Op) {
	r.mu.Lock()
	r.ops = append(r.ops, op)
	r.mu.Unlock()
}

// History returns a copy of what was recorded so far.
func (r *Recorder) History() History {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ops)
}
