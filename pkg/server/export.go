package server

import (
	"io"

	"github.com/zkensemble/zkensemble/pkg/datatree"
	"github.com/zkensemble/zkensemble/pkg/session"
	"github.com/zkensemble/zkensemble/pkg/zkimport"
)

// Restored is a data directory's state as a start would rebuild it: the tree, the sessions
// alive in it and the zxid of the last txn applied.
type Restored struct {
	Tree     *datatree.Tree
	Sessions []session.Info
	Zxid     int64
}

// RestoreStandalone rebuilds a standalone server's state from cfg.DataDir's snapshots and
// deps.Log exactly as New does at start (newest usable snapshot, then the log replayed, then
// sessions whose ephemerals outlived them expired), without a listener or goroutines. The
// caller owns deps.Log and closes it. `zkensemble export` uses it.
func RestoreStandalone(cfg Config, deps Deps) (*Restored, error) {
	s, err := NewCore(cfg, deps)
	if err != nil {
		return nil, err
	}
	s.treeMu.RLock()
	defer s.treeMu.RUnlock()
	s.sessMu.Lock()
	infos := s.tracker.Sessions()
	s.sessMu.Unlock()
	return &Restored{Tree: s.tree, Sessions: infos, Zxid: s.tree.LastProcessedZxid()}, nil
}

// WriteZKSnapshot writes the state as an Apache ZooKeeper snapshot at Zxid
// (zkimport.ExportSnapshot) and returns the number of nodes written.
func (r *Restored) WriteZKSnapshot(w io.Writer) (int, error) {
	return zkimport.ExportSnapshot(w, r.Tree, zkSessions(r.Sessions), r.Zxid)
}

// zkSessions are the live sessions as a ZooKeeper snapshot lists them; closing ones are left
// out (their close is decided, only not yet applied).
func zkSessions(infos []session.Info) []zkimport.Session {
	out := make([]zkimport.Session, 0, len(infos))
	for _, in := range infos {
		if !in.Closing {
			out = append(out, zkimport.Session{ID: in.ID, TimeoutMillis: in.TimeoutMillis})
		}
	}
	return out
}
