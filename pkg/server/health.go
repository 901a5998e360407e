package server

import (
	"sync"
	"time"
)

// storageState says whether the txn log takes writes.
type storageState int

const (
	// storageWritable: the last write to the log succeeded (or none failed yet).
	storageWritable storageState = iota
	// storageFailing: the last write failed (disk full, I/O error). Writes are answered with
	// NotReadOnly at once, except one probe per storageProbeInterval that tries the disk again.
	storageFailing
)

func (s storageState) String() string {
	if s == storageWritable {
		return "writable"
	}
	return "failing"
}

// storageProbeInterval is how often a write is let through to a failing log to find out
// whether it works again: often enough that writes resume about a second after space
// returns, rarely enough that a broken disk is not hammered by every client's retries.
const storageProbeInterval = time.Second

// storageHealth is the state machine behind degraded mode. The txn log's writer goroutine
// drives it (mayWrite before touching the disk, then failed or succeeded); the four-letter
// words read it. Time comes in as arguments.
type storageHealth struct {
	mu        sync.Mutex
	state     storageState
	err       error     // the last write error while failing
	since     time.Time // when the current state began
	lastProbe time.Time // when a write last went to the disk while failing
}

// mayWrite reports whether a write should go to the disk now: always while writable; while
// failing, once per storageProbeInterval (that write is the probe, and it is recorded here).
func (h *storageHealth) mayWrite(now time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.state == storageWritable {
		return true
	}
	if now.Sub(h.lastProbe) < storageProbeInterval {
		return false
	}
	h.lastProbe = now
	return true
}

// failed records a failed write and reports whether the state changed (log it then, not for
// every rejected request).
func (h *storageHealth) failed(err error, now time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.err = err
	h.lastProbe = now
	if h.state == storageFailing {
		return false
	}
	h.state, h.since = storageFailing, now
	return true
}

// succeeded records a durable write; it returns how long the log was failing, and whether it
// was (the state changed).
func (h *storageHealth) succeeded(now time.Time) (failedFor time.Duration, changed bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.state == storageWritable {
		return 0, false
	}
	failedFor = now.Sub(h.since)
	h.state, h.since, h.err = storageWritable, now, nil
	return failedFor, true
}

// status is what mntr and isro show.
func (h *storageHealth) status() (storageState, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.state, h.err
}
