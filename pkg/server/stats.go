package server

import (
	"sync"
	"sync/atomic"
	"time"
)

// latency accumulates request latencies in milliseconds as ZooKeeper's ServerStats does
// (min/avg/max since the last reset; srvr prints them, srst resets them). It is lock-free:
// every request of every connection adds to the server-wide one, and a mutex there made all
// reader goroutines queue on each other. A reader may see a sample counted in total but not
// yet in min or max; srvr's figures are a snapshot of moving counters anyway, as in ZooKeeper.
// The zero value is ready to use.
type latency struct {
	count    atomic.Int64
	total    atomic.Int64
	minPlus1 atomic.Int64 // smallest sample + 1; 0: none yet
	max      atomic.Int64
}

func (l *latency) add(ms int64) {
	ms = max(ms, 0) // monotonic clock: cannot be negative, but the encoding of min needs it
	l.total.Add(ms)
	l.count.Add(1)
	for {
		cur := l.minPlus1.Load()
		if (cur != 0 && cur <= ms+1) || l.minPlus1.CompareAndSwap(cur, ms+1) {
			break
		}
	}
	for {
		cur := l.max.Load()
		if ms <= cur || l.max.CompareAndSwap(cur, ms) {
			break
		}
	}
}

// get returns min, avg and max; all zero before the first request, as ZooKeeper reports.
func (l *latency) get() (minMs int64, avgMs float64, maxMs int64, count int64) {
	count = l.count.Load()
	if count == 0 {
		return 0, 0, 0, 0
	}
	minMs = max(l.minPlus1.Load()-1, 0)
	return minMs, float64(l.total.Load()) / float64(count), l.max.Load(), count
}

func (l *latency) reset() {
	l.count.Store(0)
	l.total.Store(0)
	l.minPlus1.Store(0)
	l.max.Store(0)
}

// serverStats are the server-wide counters of the four-letter words.
type serverStats struct {
	packetsReceived atomic.Int64
	packetsSent     atomic.Int64
	outstanding     atomic.Int64 // requests received and not yet answered
	rejectedWrites  atomic.Int64 // writes answered NotReadOnly because the txn log failed
	latency         latency
}

func (s *serverStats) reset() {
	s.packetsReceived.Store(0)
	s.packetsSent.Store(0)
	s.latency.reset()
}

// connStats are the per-connection counters cons prints.
type connStats struct {
	mu           sync.Mutex
	received     atomic.Int64
	sent         atomic.Int64
	outstanding  atomic.Int64
	established  time.Time
	lastCxid     int64
	lastZxid     int64
	lastOp       string
	lastLatency  int64
	lastResponse time.Time
	latency      latency
}

func (s *connStats) init(now time.Time) {
	s.established = now
	s.lastCxid = -1
	s.lastZxid = -1
	s.lastOp = "NA"
}

// answered records a reply the way ServerCnxn.updateStatsForResponse does.
func (s *connStats) answered(cxid int32, zxid int64, op string, start, now time.Time) {
	ms := now.Sub(start).Milliseconds()
	s.mu.Lock()
	s.lastCxid = int64(cxid)
	s.lastZxid = zxid
	s.lastOp = op
	s.lastLatency = ms
	s.lastResponse = now
	s.mu.Unlock()
	s.latency.add(ms)
}

func (s *connStats) reset() {
	s.received.Store(0)
	s.sent.Store(0)
	s.mu.Lock()
	s.lastCxid, s.lastZxid, s.lastOp, s.lastLatency = -1, -1, "NA", 0
	s.lastResponse = time.Time{}
	s.mu.Unlock()
	s.latency.reset()
}
