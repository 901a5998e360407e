package server

import (
	"sync/atomic"
	"time"

	"github.com/zkensemble/zkensemble/pkg/snapshot"
)

// snapshotIdleRatio is snapshot.WriteOptions.IdleRatio for the server's snapshots: about half
// a core. A snapshot of 1M nodes costs about a second of CPU; unpaced, on a 2-core machine
// running a write load, it took a whole core while it lasted and, being due every
// snapCount/2..snapCount txns, ran most of the time: set throughput fell by 55% and p99 rose
// 4× (docs/benchmarks.md, storage run 3). Paced, a snapshot takes longer, so more triggers find
// one still running and are skipped, as ZooKeeper skips them ("Too busy to snap").
const snapshotIdleRatio = 1.0

// snapshotter writes snapshots, one at a time (ZooKeeper's snapThreadMutex), on its own
// goroutine so that the apply goroutine only ever waits for one chunk's read lock
// (snapshot.TreeSource), never for the disk. The log's writer starts it; inline (NewCore)
// servers write synchronously in the caller's goroutine instead.
type snapshotter struct {
	s      *Server
	dir    string
	inline bool
	kick   chan struct{} // capacity 1: a start request for the loop
	busy   atomic.Bool
	// chunkNodes is snapshot.WriteOptions.ChunkNodes (0: the default); tests shrink it.
	chunkNodes int
	// written counts snapshots written, for tests and mntr.
	written atomic.Int64
	fuzzy   atomic.Int64 // snapshots during which txns were applied
	last    atomic.Pointer[snapshot.Info]
}

func newSnapshotter(s *Server, dir string) *snapshotter {
	return &snapshotter{s: s, dir: dir, inline: s.inline, kick: make(chan struct{}, 1)}
}

// start begins a snapshot unless one is being written; it reports whether it began one.
func (sn *snapshotter) start() bool {
	if sn == nil || !sn.busy.CompareAndSwap(false, true) {
		return false
	}
	if sn.inline {
		sn.take()
		return true
	}
	sn.kick <- struct{}{} // cannot block: busy was false, so the loop has taken any kick
	return true
}

// loop is the snapshot goroutine: it runs until stopping is closed; a snapshot being written
// then is finished first (Write has no cancellation, and a half-written .tmp is removed on
// the next start anyway).
func (sn *snapshotter) loop(stopping <-chan struct{}) {
	for {
		select {
		case <-sn.kick:
			sn.take()
		case <-stopping:
			return
		}
	}
}

// take writes one snapshot of the live tree and sessions and logs it.
func (sn *snapshotter) take() {
	defer sn.busy.Store(false)
	s := sn.s
	src := &snapshot.TreeSource{Tree: s.tree, Lock: &s.treeMu, Sessions: s.snapshotSessions}
	opts := snapshot.WriteOptions{DBID: s.cfg.DBID, Now: s.nowFn, ChunkNodes: sn.chunkNodes}
	if !sn.inline {
		opts.IdleRatio = snapshotIdleRatio
	}
	info, err := snapshot.Write(sn.dir, src, opts)
	if err != nil {
		// Nothing is lost: the log still holds every txn. The next trigger tries again.
		s.logger.Error("snapshot failed", "dir", sn.dir, "err", err)
		return
	}
	s.treeMu.RLock()
	endZxid := s.tree.LastProcessedZxid()
	s.treeMu.RUnlock()
	// txnsAppliedDuring > 0 shows the capture did not hold writes back (a fuzzy snapshot).
	applied := endZxid - info.Zxid
	if applied > 0 {
		sn.fuzzy.Add(1)
	}
	sn.written.Add(1)
	sn.last.Store(&info)
	s.logger.Info("snapshot written", "file", info.Path, "zxid", hexID(info.Zxid), "nodes", info.Nodes,
		"sessions", info.Sessions, "bytes", info.Bytes, "duration", info.Duration.Round(time.Microsecond),
		"txnsAppliedDuring", applied)
}

// snapshotSessions lists the tracked sessions for a snapshot. TreeSource.Begin calls it with
// treeMu read-locked, in the same instant it reads the last zxid (lock order treeMu → sessMu).
// Sessions still waiting for their createSession txn are included, as ZooKeeper's
// sessionsWithTimeouts includes them: restored without a txn, they simply expire.
func (s *Server) snapshotSessions() []snapshot.Session {
	s.sessMu.Lock()
	infos := s.tracker.Sessions()
	s.sessMu.Unlock()
	out := make([]snapshot.Session, len(infos))
	for i, in := range infos {
		out[i] = snapshot.Session{ID: in.ID, TimeoutMillis: in.TimeoutMillis}
	}
	return out
}
