package server

import (
	"fmt"

	"github.com/zkensemble/zkensemble/pkg/datatree"
	"github.com/zkensemble/zkensemble/pkg/fourlw"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/prep"
	"github.com/zkensemble/zkensemble/pkg/protocol"
	"github.com/zkensemble/zkensemble/pkg/quorum"
	"github.com/zkensemble/zkensemble/pkg/session"
	"github.com/zkensemble/zkensemble/pkg/zab"
)

// decodeEntry reads a log entry's TxnHeader and txn record. The header's zxid is replaced by
// the entry's: zab numbers the entries, and the leader's processor only predicts that number
// when it prepares (ensemble_process.go), so the entry's zxid is the one every member agrees on.
func decodeEntry(ent zab.Entry) (jute.TxnHeader, jute.Record, error) {
	d := jute.NewDecoder(ent.Data)
	var hdr jute.TxnHeader
	hdr.Decode(d)
	if err := d.Err(); err != nil {
		return hdr, nil, fmt.Errorf("txn header at zxid %s: %w", ent.Zxid, err)
	}
	txn, err := jute.DecodeTxn(hdr, ent.Data[d.Off:])
	if err != nil {
		return hdr, nil, fmt.Errorf("txn at zxid %s: %w", ent.Zxid, err)
	}
	hdr.Zxid = int64(ent.Zxid)
	return hdr, txn, nil
}

// apply is quorum.Config.Apply: committed txns, in zxid order, on the member's goroutine. Each
// is applied and its local requester answered (FinalRequestProcessor), then the syncs
// waiting for it are answered — before the next txn, so a session's replies keep its order.
func (e *ensemble) apply(ents []zab.Entry) {
	s := e.s
	for _, ent := range ents {
		hdr, txn, err := decodeEntry(ent)
		if err != nil {
			// Every member logged and committed these bytes: failing to read them is a bug
			// that must not be papered over by skipping a txn (the trees would diverge).
			panic(fmt.Sprintf("server: committed txn does not decode: %v", err))
		}
		r := e.match(hdr)
		if r != nil && r.conn != nil && isSessionMoved(hdr, txn) {
			// The session is attached to another server now: close this connection
			// without an answer, as FinalRequestProcessor does on SessionMovedException.
			s.applyOne(Proposal{Zxid: hdr.Zxid, Hdr: hdr, Txn: txn})
			e.drop(r, "session moved to another server")
			e.applied(hdr.Zxid)
			continue
		}
		if protocol.OpCode(hdr.Type) == protocol.OpCloseSession {
			e.owners.forget(hdr.ClientID)
		}
		s.applyOne(Proposal{Zxid: hdr.Zxid, Hdr: hdr, Txn: txn, req: r})
		if r == nil && protocol.OpCode(hdr.Type) == protocol.OpCloseSession {
			// A session expired by the leader, or closed through another member: close its
			// connection here if it still has one.
			if c := s.connOfSession(hdr.ClientID); c != nil {
				c.close("session closed")
			}
		}
		e.applied(hdr.Zxid)
	}
}

// match finds the local request a committed txn answers: on the leader by zxid (it proposed
// it), on a learner by session id and cxid (it forwarded it).
func (e *ensemble) match(hdr jute.TxnHeader) *request {
	e.pendMu.Lock()
	defer e.pendMu.Unlock()
	if r, ok := e.byZxid[hdr.Zxid]; ok {
		delete(e.byZxid, hdr.Zxid)
		if r.sessionID == hdr.ClientID && r.xid == hdr.Cxid {
			return r
		}
		e.s.logger.Error("BUG: committed txn does not match the request proposed under its zxid",
			"zxid", hexID(hdr.Zxid), "session", hexID(hdr.ClientID), "cxid", hdr.Cxid)
		return nil
	}
	k := reqKey{hdr.ClientID, hdr.Cxid}
	// A sync is never a txn: a txn under the same (session, cxid) came from another
	// connection of the session (one resumed elsewhere, with its own xids), not from it.
	if r, ok := e.byKey[k]; ok && r.op != protocol.OpSync {
		delete(e.byKey, k)
		return r
	}
	return nil
}

// applied records that zxid is applied and answered and answers the syncs it satisfies.
func (e *ensemble) applied(zxid int64) {
	e.pendMu.Lock()
	e.appliedDone = zxid
	var due []syncWaiter
	i := 0
	for i < len(e.syncs) && e.syncs[i].zxid <= zxid {
		i++
	}
	if i > 0 {
		due = append(due, e.syncs[:i]...)
		e.syncs = append(e.syncs[:0], e.syncs[i:]...)
	}
	e.pendMu.Unlock()
	for _, w := range due {
		e.answerSync(w.r)
	}
}

// awaitSync answers r once the tree has applied zxid (at once if it has).
func (e *ensemble) awaitSync(r *request, zxid int64) {
	e.pendMu.Lock()
	if zxid <= e.appliedDone {
		e.pendMu.Unlock()
		e.answerSync(r)
		return
	}
	i := len(e.syncs)
	for i > 0 && e.syncs[i-1].zxid > zxid {
		i--
	}
	e.syncs = append(e.syncs, syncWaiter{})
	copy(e.syncs[i+1:], e.syncs[i:])
	e.syncs[i] = syncWaiter{zxid: zxid, r: r}
	e.pendMu.Unlock()
}

// answerSync replies to a local client's sync and lets the requests queued behind it go.
func (e *ensemble) answerSync(r *request) {
	s := e.s
	c := r.conn
	s.stats.outstanding.Add(-1)
	if c == nil {
		return
	}
	c.stats.outstanding.Add(-1)
	last := e.appliedZxid()
	now := s.now()
	c.stats.answered(r.xid, last, fourlw.LastOpName(r.op), r.start, now)
	s.stats.latency.add(now.Sub(r.start).Milliseconds())
	path := ""
	if sr, ok := r.body.(*jute.SyncRequest); ok {
		path = sr.Path
	}
	c.send(replyFrame(r.xid, last, protocol.ErrOk, &jute.SyncResponse{Path: path}))
	s.writeDone(c, r)
}

// onSync (learner, link reader goroutine): the leader answered a forwarded sync.
func (e *ensemble) onSync(sr quorum.SyncReply) {
	e.pendMu.Lock()
	k := reqKey{sr.SessionID, sr.Cxid}
	r, ok := e.byKey[k]
	if ok && r.op == protocol.OpSync {
		delete(e.byKey, k)
	} else {
		ok = false
	}
	e.pendMu.Unlock()
	if !ok {
		return // its connection is gone (term change)
	}
	e.awaitSync(r, sr.Zxid)
}

// restore is quorum.Config.RestoreSnapshot: the tree and sessions become the snapshot's (at
// start, and when the leader syncs this member with SNAP). Nothing is served meanwhile.
func (e *ensemble) restore(snap zab.Snapshot) error {
	s := e.s
	tree, sessions, err := decodeTreeSnapshot(snap.Data, s.cfg.ExtendedTypesEnabled)
	if err != nil {
		return err
	}
	tree.SetLastProcessedZxid(int64(snap.Zxid))
	e.initConfigNode(tree)
	s.prepMu.Lock()
	s.treeMu.Lock()
	s.tree = tree
	s.prep = prep.New(tree, s.prepConfig())
	s.treeMu.Unlock()
	s.prepMu.Unlock()
	now := s.now().UnixMilli()
	s.sessMu.Lock()
	s.tracker = session.NewTracker(s.cfg.TickTime.Milliseconds())
	for _, ss := range sessions {
		s.tracker.Add(ss.ID, ss.TimeoutMillis, now)
	}
	s.sessMu.Unlock()
	e.pendMu.Lock()
	e.appliedDone = int64(snap.Zxid)
	e.pendMu.Unlock()
	s.logger.Info("restored the tree from a snapshot", "zxid", hexID(int64(snap.Zxid)), "nodes", tree.NodeCount(), "sessions", len(sessions))
	return nil
}

// initConfigNode writes the membership into /zookeeper/config, not through a txn: ZooKeeper
// does it at start-up (QuorumPeerMain → ZKDatabase.initConfigInZKDatabase) and again after a
// learner syncs with its leader, overwriting what a leader's snapshot carried (Learner
// syncWithLeader, ZOOKEEPER-2819). We do it at start and after every snapshot restore (at
// start and on SNAP sync), so every member shows its own zoo.cfg's lines whatever the
// snapshot held; txns never touch the node since we do not reconfigure.
// An empty ConfigText (tests that build an EnsembleConfig by hand) leaves the node as it is.
func (e *ensemble) initConfigNode(tree *datatree.Tree) {
	if len(e.cfg.ConfigText) == 0 {
		return
	}
	if !e.cfg.ReconfigEnabled {
		tree.SetConfig(e.cfg.ConfigText, e.cfg.ConfigVersion, e.s.now().UnixMilli())
		return
	}
	// With reconfig the node follows the membership: ours, unless the snapshot's is newer
	// (the member then activates that one and onConfig records it).
	text, version := e.configText()
	if _, st, err := tree.GetData(datatree.ConfigPath); err == nil && st.Mzxid > version {
		return
	}
	tree.SetConfig(text, version, e.s.now().UnixMilli())
}

// snapshot is quorum.Config.TakeSnapshot: the tree as of the last txn apply received (apply
// runs on the same goroutine, so nothing is in between).
func (e *ensemble) snapshot() ([]byte, error) {
	s := e.s
	s.treeMu.RLock()
	defer s.treeMu.RUnlock()
	s.sessMu.Lock()
	infos := s.tracker.Sessions()
	s.sessMu.Unlock()
	return encodeTreeSnapshot(s.tree, infos)
}
