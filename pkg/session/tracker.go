package session

import (
	"fmt"
	"sort"
)

// Info describes one tracked session, for the cons/dump four-letter words.
type Info struct {
	ID             int64
	TimeoutMillis  int32
	DeadlineMillis int64 // the expiry bucket the session is in; 0 once Expired returned it
	Closing        bool
}

type entry struct {
	timeoutMillis  int32
	deadlineMillis int64
	bucketed       bool // deadlineMillis names a bucket that holds this session
	closing        bool
}

// Tracker holds the live sessions and their expiry buckets (ZooKeeper's SessionTrackerImpl
// over an ExpiryQueue). Deadlines are multiples of tickMillis; a session whose deadline is at
// or before now has expired. Not goroutine-safe; see the package doc.
type Tracker struct {
	tickMillis int64
	sessions   map[int64]*entry
	buckets    map[int64]map[int64]struct{} // deadline → session ids
}

// NewTracker returns an empty tracker whose expiry buckets are tickMillis wide.
// tickMillis must be positive (zoo.cfg validation guarantees tickTime > 0).
func NewTracker(tickMillis int64) *Tracker {
	if tickMillis <= 0 {
		panic(fmt.Sprintf("session: tick must be positive, got %d ms", tickMillis))
	}
	return &Tracker{
		tickMillis: tickMillis,
		sessions:   make(map[int64]*entry),
		buckets:    make(map[int64]map[int64]struct{}),
	}
}

// roundToNextInterval is ExpiryQueue.roundToNextInterval: the first bucket strictly after
// t. Strictly after, so a session never expires before its full timeout has passed.
func (t *Tracker) roundToNextInterval(ms int64) int64 {
	return (ms/t.tickMillis + 1) * t.tickMillis
}

// Add tracks session id with timeoutMillis and starts its expiry clock at nowMillis. Adding
// a session that is already tracked keeps its state and only refreshes its deadline with the
// new timeout, as SessionTrackerImpl.trackSession does.
func (t *Tracker) Add(id int64, timeoutMillis int32, nowMillis int64) {
	e, ok := t.sessions[id]
	if !ok {
		e = &entry{timeoutMillis: timeoutMillis}
		t.sessions[id] = e
	}
	t.move(id, e, t.roundToNextInterval(nowMillis+int64(timeoutMillis)))
}

// Touch records activity on session id at nowMillis, pushing its deadline one timeout ahead.
// It returns false if the session is unknown or closing; the server then answers the request
// with SessionExpired / SessionMoved as ZooKeeper does.
func (t *Tracker) Touch(id int64, nowMillis int64) bool {
	e, ok := t.sessions[id]
	if !ok || e.closing {
		return false
	}
	t.move(id, e, t.roundToNextInterval(nowMillis+int64(e.timeoutMillis)))
	return true
}

// move puts id in the bucket for deadline, leaving its previous bucket. A touch that rounds to
// the same bucket changes nothing (ExpiryQueue.update).
func (t *Tracker) move(id int64, e *entry, deadline int64) {
	if e.bucketed && e.deadlineMillis == deadline {
		return
	}
	t.unbucket(id, e)
	b, ok := t.buckets[deadline]
	if !ok {
		b = make(map[int64]struct{})
		t.buckets[deadline] = b
	}
	b[id] = struct{}{}
	e.deadlineMillis, e.bucketed = deadline, true
}

func (t *Tracker) unbucket(id int64, e *entry) {
	if !e.bucketed {
		return
	}
	if b, ok := t.buckets[e.deadlineMillis]; ok {
		delete(b, id)
		if len(b) == 0 {
			delete(t.buckets, e.deadlineMillis)
		}
	}
	e.deadlineMillis, e.bucketed = 0, false
}

// SetClosing marks session id as closing (the client sent closeSession, or it expired): it
// can no longer be touched and Expired will not return it. The caller must Remove it once
// the close is applied. Unknown ids are ignored.
func (t *Tracker) SetClosing(id int64) {
	if e, ok := t.sessions[id]; ok {
		e.closing = true
	}
}

// Remove forgets session id. Unknown ids are ignored.
func (t *Tracker) Remove(id int64) {
	e, ok := t.sessions[id]
	if !ok {
		return
	}
	t.unbucket(id, e)
	delete(t.sessions, id)
}

// Expired returns, in ascending order, the sessions whose deadline is at or before nowMillis
// and that are not already closing, and marks them closing so each is returned once.
// Unlike ExpiryQueue.poll, which drains one bucket per call, it drains every due bucket, so
// a caller that woke late catches up in one call.
func (t *Tracker) Expired(nowMillis int64) []int64 {
	var due []int64
	for deadline, b := range t.buckets {
		if deadline > nowMillis {
			continue
		}
		for id := range b {
			e := t.sessions[id]
			e.deadlineMillis, e.bucketed = 0, false
			if !e.closing {
				e.closing = true
				due = append(due, id)
			}
		}
		delete(t.buckets, deadline)
	}
	sort.Slice(due, func(i, j int) bool { return due[i] < due[j] })
	return due
}

// NextExpiry returns the earliest deadline among the tracked sessions: the time at which the
// caller should next call Expired. ok is false when no session is waiting to expire.
func (t *Tracker) NextExpiry() (deadlineMillis int64, ok bool) {
	for d := range t.buckets {
		if !ok || d < deadlineMillis {
			deadlineMillis, ok = d, true
		}
	}
	return deadlineMillis, ok
}

// Timeout returns the negotiated timeout of session id and whether it is tracked.
func (t *Tracker) Timeout(id int64) (int32, bool) {
	e, ok := t.sessions[id]
	if !ok {
		return 0, false
	}
	return e.timeoutMillis, true
}

// Len is the number of tracked sessions, closing ones included.
func (t *Tracker) Len() int { return len(t.sessions) }

// Sessions lists the tracked sessions in ascending id order.
func (t *Tracker) Sessions() []Info {
	out := make([]Info, 0, len(t.sessions))
	for id, e := range t.sessions {
		out = append(out, Info{ID: id, TimeoutMillis: e.timeoutMillis, DeadlineMillis: e.deadlineMillis, Closing: e.closing})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
