package server

import (
	"sync"
	"sync/atomic"
	"time"
)

// latency accumulates request latencies in milliseconds as ZooKeeper's ServerStats does
// (min/avg/max since the last reset; srvr prints them, srst resets them).
type latency struct {
	mu    sync.Mutex
	min   int64
	max   int64
	total int64
	count int64
}

func (l *latency) add(ms int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.count == 0 || ms < l.min {
		l.min = ms
	}
	if ms > l.max {
		l.max = ms
	}
	l.total += ms
	l.count++
}

// get returns min, avg and max; all zero before the first request, as ZooKeeper reports.
func (l *latency) get() (minMs int64, avgMs float64, maxMs int64, count int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.count == 0 {
		return 0, 0, 0, 0
	}
	return l.min, float64(l.total) / float64(l.count), l.max, l.count
}

func (l *latency) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.min, l.max, l.total, l.count = 0, 0, 0, 0
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
