package server

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime/debug"

	"github.com/zkensemble/zkensemble/pkg/datatree"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/snapshot"
	"github.com/zkensemble/zkensemble/pkg/txnlog"
)

var (
	// ErrRestore wraps every reason the server refuses to start from its data directories.
	ErrRestore = errors.New("server: cannot restore the data")
	// ErrLogGap: txns the snapshot needs after it, or that lie between two logged txns of one
	// epoch, are missing from the txn log. Starting anyway would silently drop acknowledged
	// writes, so the server refuses (docs/storage.md says what to do).
	ErrLogGap = errors.New("server: txns missing from the txn log")
)

// snapDir is where snapshots are read and written; "" when the server keeps no snapshots.
func (s *Server) snapDir() string {
	if s.cfg.DataDir == "" {
		return ""
	}
	return filepath.Join(s.cfg.DataDir, snapshot.DirName)
}

// restore rebuilds the tree and the sessions as ZooKeeper's ZKDatabase.loadDataBase does:
// the newest snapshot that reads back whole (damaged ones are set aside as .broken by
// snapshot.LoadNewest), then every logged txn after its zxid. Restored sessions start their
// timeout from now (SessionTrackerImpl is built from the restored sessionsWithTimeouts and
// touches each at start-up), so clients that come back within it keep their ephemerals and the
// others expire through closeSession txns.
//
// Memory: the whole restore (snapshot load and log replay) runs with the collector's target at
// snapshot.DefaultLoadGCPercent, since nearly everything it allocates stays live; at the default
// 100 the collector would start a full mark of the new tree in the middle of the replay (the
// "fixed cost" of a short log tail in docs/benchmarks.md, run 1). Once restored, one collection
// that also hands the freed pages back to the OS (debug.FreeOSMemory) runs on its own
// goroutine while the server begins to serve, and then the process's own GC target returns:
// without it the process keeps the load's peak heap (decoder buffers, grown maps) resident for
// minutes. See docs/storage.md, "Memory and restart time".
func (s *Server) restore() (err error) {
	old := debug.SetGCPercent(snapshot.DefaultLoadGCPercent)
	if old < 0 || old > snapshot.DefaultLoadGCPercent {
		debug.SetGCPercent(old) // GC off or already laxer: keep the process's choice
	}
	var restoredNodes int64
	defer func() {
		if err != nil || restoredNodes == 0 || s.inline {
			debug.SetGCPercent(old)
			return
		}
		// The target goes back to the process's own only after the forced collection: set
		// first, the collector would see the new tree far above a goal computed from the
		// heap of the last collection during the load and run a full collection of its own
		// just before the forced one (GODEBUG=gctrace=1 showed both, ≈0.27 s of CPU each).
		go func() {
			debug.FreeOSMemory()
			debug.SetGCPercent(old)
		}()
	}()
	loaded := &snapshot.Loaded{}
	if dir := s.snapDir(); dir != "" {
		l, err := snapshot.LoadNewest(dir, snapshot.LoadOptions{Logger: s.logger, ExtendedTypesEnabled: s.cfg.ExtendedTypesEnabled})
		if err != nil {
			return fmt.Errorf("%w: loading the newest snapshot in %s: %w", ErrRestore, dir, err)
		}
		loaded = l
	}
	if loaded.Tree == nil {
		loaded.Tree = datatree.New()
		loaded.Tree.SetExtendedTypesEnabled(s.cfg.ExtendedTypesEnabled)
	}
	s.tree = loaded.Tree
	restoredNodes = loaded.Nodes
	if loaded.Path != "" {
		s.logger.Info("restored snapshot", "file", loaded.Path, "zxid", hexID(loaded.StartZxid),
			"nodes", loaded.Nodes, "sessions", len(loaded.Sessions))
	}
	nowMillis := s.now().UnixMilli()
	for _, ss := range loaded.Sessions {
		s.tracker.Add(ss.ID, ss.TimeoutMillis, nowMillis)
	}
	if err := s.checkLogCovers(loaded.StartZxid); err != nil {
		return err
	}
	if err := s.replay(loaded.StartZxid); err != nil {
		return err
	}
	s.expireDeadSessions(nowMillis)
	return nil
}

// epochOf is the ZAB epoch of a zxid (its high 32 bits). Within an epoch a standalone server's
// zxids are dense: every write, failed ones included, consumes exactly one and is logged
// (PrepRequestProcessor turns a failed write into an error txn); a storage failure rewinds the
// counter (degraded.go). A jump inside one epoch therefore means lost txns.
func epochOf(zxid int64) int64 { return int64(uint64(zxid) >> 32) }

// checkLogCovers refuses to start when the log cannot continue the snapshot: its oldest entry
// lies beyond snapshotZxid+1 in the same epoch (segments purged or deleted by hand, or the
// newest snapshots set aside as damaged after their log was purged).
func (s *Server) checkLogCovers(snapshotZxid int64) error {
	first, last := s.txnLog.FirstZxid(), s.txnLog.LastZxid()
	switch {
	case last == 0:
		return nil
	case last < snapshotZxid:
		// The snapshot holds txns the log no longer has (a repaired or damaged tail). Nothing
		// acknowledged is lost, but a later fall-back to an older snapshot would meet this
		// hole and refuse, so say it.
		s.logger.Warn("the txn log ends before the snapshot's zxid; continuing from the snapshot",
			"logLastZxid", hexID(last), "snapshotZxid", hexID(snapshotZxid))
		return nil
	case first > snapshotZxid+1 && epochOf(first) == epochOf(snapshotZxid):
		return fmt.Errorf("%w: the txn log in %s starts at zxid %s but the newest usable snapshot ends at %s: "+
			"txns %s..%s are gone (purged or deleted segments, or newer snapshots set aside as .broken); "+
			"refusing to start rather than lose them: put the missing log segments or a newer snapshot back (see docs/storage.md)",
			ErrLogGap, s.cfg.DataLogDir, hexID(first), hexID(snapshotZxid), hexID(snapshotZxid+1), hexID(first-1))
	}
	return nil
}

// replay applies every logged txn after snapshotZxid, in order, to the tree and the session
// table (ZooKeeper's FileTxnSnapLog.restore → processTransaction). Replaying a txn the fuzzy
// snapshot already holds is harmless (see pkg/snapshot's doc).
func (s *Server) replay(snapshotZxid int64) error {
	n := 0
	prev := snapshotZxid
	it, err := s.txnLog.ReadFrom(snapshotZxid + 1)
	if err != nil {
		return fmt.Errorf("%w: reading the txn log: %w", ErrRestore, err)
	}
	err = txnlog.ForEach(it, func(e LogEntry) error {
		if epochOf(e.Zxid) == epochOf(prev) && e.Zxid != prev+1 {
			return fmt.Errorf("%w: after zxid %s the txn log continues at %s", ErrLogGap, hexID(prev), hexID(e.Zxid))
		}
		d := jute.NewDecoder(e.Data)
		var hdr jute.TxnHeader
		hdr.Decode(d)
		if err := d.Err(); err != nil {
			return fmt.Errorf("txn header at zxid %s: %w", hexID(e.Zxid), err)
		}
		txn, err := jute.DecodeTxn(hdr, e.Data[d.Off:])
		if err != nil {
			return fmt.Errorf("txn at zxid %s: %w", hexID(e.Zxid), err)
		}
		s.tree.Apply(hdr, txn)
		s.sessionEvent(hdr, txn, nil)
		prev = e.Zxid
		n++
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: replaying the txn log: %w", ErrRestore, err)
	}
	if n > 0 {
		s.logger.Info("replayed txn log", "txns", n, "fromZxid", hexID(snapshotZxid+1), "lastZxid", hexID(s.tree.LastProcessedZxid()))
	}
	return nil
}

// expireDeadSessions handles ephemerals whose owner is in no restored session: the snapshot
// was taken after the session was marked closing but its closeSession never reached the log.
// ZooKeeper kills such sessions at load without a txn (ZooKeeperServer.loadData, "Clean up
// dead sessions"); we give them a zero timeout instead, so the expiry timer closes them
// through a logged closeSession txn at its first tick and the log stays the whole truth.
func (s *Server) expireDeadSessions(nowMillis int64) {
	for owner, count := range s.tree.SessionsWithEphemerals() {
		if _, ok := s.tracker.Timeout(owner); ok {
			continue
		}
		s.logger.Warn("ephemerals of a session that no longer exists; expiring it", "session", hexID(owner), "ephemerals", count)
		s.tracker.Add(owner, 0, nowMillis)
	}
}
