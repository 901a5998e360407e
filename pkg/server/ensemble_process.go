package server

import (
	"errors"
	"time"

	"github.com/zkensemble/zkensemble/pkg/protocol"
	"github.com/zkensemble/zkensemble/pkg/quorum"
	"github.com/zkensemble/zkensemble/pkg/zab"
)

// The processor goroutine of an ensemble member. On the leader it is ZooKeeper's
// PrepRequestProcessor + ProposalRequestProcessor: it prepares each write under the zxid zab
// will give it and proposes the batch; on a learner it is FollowerRequestProcessor: it
// forwards writes (createSession and closeSession included) and syncs to the leader.
//
// Zxids: the processor is the only proposer of its member, and zab numbers a leader's
// proposals densely (the first of epoch E is E<<32|1, then +1), so the processor predicts
// each zxid exactly and prepares with it; ProposeBatch returns the real ones and a mismatch
// (only possible when leadership moved under the batch) ends the batch's requests. The
// committed entry's zxid is what every member applies (decodeEntry), whatever the header says.

// catchUpTimeout bounds how long a new leader waits for its tree to apply the history it was
// elected with before it prepares anything against it.
const catchUpTimeout = 10 * time.Second

func (e *ensemble) processLoop() {
	s := e.s
	for {
		var r *request
		select {
		case r = <-s.requests:
		case <-s.stopping:
			for {
				select {
				case r = <-s.requests:
					e.drop(r, "server shutting down")
					continue
				default:
				}
				return
			}
		}
		e.process(s.collectBatch(r))
	}
}

func (e *ensemble) process(batch []*request) {
	st := e.member.Status()
	t := termOf(st)
	if !t.active() {
		for _, r := range batch {
			e.drop(r, "the server is not serving: no quorum")
		}
		return
	}
	if t != e.procTerm {
		if !e.beginProcTerm(t, st) {
			for _, r := range batch {
				e.drop(r, "the server's tree is behind its quorum role")
			}
			return
		}
	}
	if t.role == zab.RoleLeading {
		e.lead(batch)
		return
	}
	e.forward(batch)
}

// beginProcTerm starts preparing in a new term: the outstanding changes of the last term are
// void (their txns may or may not survive), and a leader's tree must first hold the history
// it was elected with (the member applies it before it reports itself established; the wait
// is a guard).
func (e *ensemble) beginProcTerm(t term, st quorum.Status) bool {
	s := e.s
	deadline := time.Now().Add(catchUpTimeout)
	for t.role == zab.RoleLeading && e.appliedZxid() < int64(st.CommittedZxid) {
		if time.Now().After(deadline) {
			s.logger.Error("leader's tree did not catch up with its committed history", "applied", hexID(e.appliedZxid()), "committed", hexID(int64(st.CommittedZxid)))
			return false
		}
		time.Sleep(time.Millisecond)
	}
	s.prepMu.Lock()
	s.prep.Reset()
	s.prepMu.Unlock()
	e.owners.reset() // claimed again by each session's first request in this term
	e.procTerm = t
	e.lastProposed = int64(st.LastZxid)
	return true
}

// nextZxid is the zxid zab gives the leader's next proposal after last (leader.go propose).
func (e *ensemble) nextZxid(last int64) int64 {
	z := zab.Zxid(last)
	if z.Epoch() == e.procTerm.epoch {
		return int64(z + 1)
	}
	return int64(zab.MakeZxid(e.procTerm.epoch, 1))
}

// lead prepares and proposes the batch. A sync splits it: the writes before it are proposed
// first, then the sync waits for the last of them, and only then are later writes proposed,
// so its answer is queued before theirs.
func (e *ensemble) lead(batch []*request) {
	start := 0
	for i, r := range batch {
		if r.op != protocol.OpSync {
			continue
		}
		if !e.propose(batch[start:i]) {
			e.failFrom(batch[i:])
			return
		}
		e.leaderSync(r)
		start = i + 1
	}
	if !e.propose(batch[start:]) {
		return
	}
}

// leaderSync: a sync on the leader completes once everything proposed before it is applied.
// A learner's sync is answered with SYNC carrying that zxid; the learner waits to apply it.
func (e *ensemble) leaderSync(r *request) {
	z := e.lastProposed
	if r.forwardedFrom == 0 {
		e.awaitSync(r, z)
		return
	}
	e.s.stats.outstanding.Add(-1)
	if !e.member.SendSync(r.forwardedFrom, quorum.SyncReply{SessionID: r.sessionID, Cxid: r.xid, Zxid: z}) {
		e.s.logger.Info("cannot answer a forwarded sync: the learner's link is gone", "learner", r.forwardedFrom)
	}
}

// propose prepares and proposes writes; false when the term broke under it (its requests,
// and the caller's rest, are then dropped).
func (e *ensemble) propose(batch []*request) bool {
	s := e.s
	live := batch[:0:0]
	for _, r := range batch {
		if r.conn != nil && r.conn.isClosed() {
			e.drop(r, "connection closed")
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return true
	}
	nowMillis := s.now().UnixMilli()
	props := make([]Proposal, 0, len(live))
	data := make([][]byte, 0, len(live))
	last := e.lastProposed
	s.prepMu.Lock()
	s.treeMu.RLock()
	for _, r := range live {
		last = e.nextZxid(last)
		var p Proposal
		if e.sessionMoved(r) {
			p = movedProposal(r, last, nowMillis)
		} else {
			p = s.prepareOne(r, last, nowMillis, 0)
		}
		props = append(props, p)
		data = append(data, p.Data)
	}
	s.treeMu.RUnlock()
	s.prepMu.Unlock()
	// Registered before proposing: the commit may be applied before ProposeBatch returns.
	e.pendMu.Lock()
	for _, p := range props {
		e.byZxid[p.Zxid] = p.req
	}
	e.pendMu.Unlock()
	zxids, err := e.member.ProposeBatch(data)
	ok := err == nil
	for i, z := range zxids {
		if int64(z) != props[i].Zxid {
			ok = false
		}
	}
	if ok {
		e.lastProposed = last
		return true
	}
	// Leadership moved under the batch: whatever zab took may still commit (and is applied
	// without a reply); the requests are ended by closing their connections, and the next
	// batch starts a new term.
	s.logger.Warn("proposing failed; dropping the batch's requests", "err", err, "predicted", hexID(props[0].Zxid), "proposed", len(zxids))
	if !errors.Is(err, quorum.ErrNotLeader) && err != nil {
		s.logger.Error("quorum member failed", "err", err)
	}
	e.pendMu.Lock()
	for _, p := range props {
		delete(e.byZxid, p.Zxid)
	}
	e.pendMu.Unlock()
	for _, p := range props {
		e.drop(p.req, "leadership changed while proposing")
	}
	e.procTerm = term{}
	return false
}

// forward sends a learner's writes and syncs to the leader (REQUEST), keeping them to match
// the commits (and SYNCs) that come back.
func (e *ensemble) forward(batch []*request) {
	for _, r := range batch {
		if r.conn == nil {
			// Expiry and reaping run on the leader only; nothing else is internal.
			e.drop(r, "internal request on a learner")
			continue
		}
		if r.conn.isClosed() {
			e.drop(r, "connection closed")
			continue
		}
		k := reqKey{r.sessionID, r.xid}
		e.pendMu.Lock()
		e.byKey[k] = r
		e.pendMu.Unlock()
		err := e.member.Forward(quorum.Request{SessionID: r.sessionID, Cxid: r.xid, Type: int32(r.op), Body: forwardBody(r), AuthInfo: r.ids})
		if err != nil {
			e.pendMu.Lock()
			delete(e.byKey, k)
			e.pendMu.Unlock()
			e.drop(r, "no link to the leader")
		}
	}
}

// failFrom drops the rest of a batch after the term broke.
func (e *ensemble) failFrom(rest []*request) {
	for _, r := range rest {
		e.drop(r, "leadership changed while proposing")
	}
}

// drop ends a request that will not be answered: its client connection is closed (the
// client sees ConnectionLoss and retries elsewhere, as with ZooKeeper when a server loses
// its quorum role). An expiry's session is re-armed so it expires again later.
func (e *ensemble) drop(r *request, cause string) {
	s := e.s
	s.stats.outstanding.Add(-1)
	if r.op == protocol.OpCloseSession && r.conn == nil && r.forwardedFrom == 0 {
		s.sessMu.Lock()
		if timeout, ok := s.tracker.Timeout(r.sessionID); ok {
			s.tracker.Remove(r.sessionID)
			s.tracker.Add(r.sessionID, timeout, s.now().UnixMilli())
		}
		s.sessMu.Unlock()
	}
	if c := r.conn; c != nil {
		c.stats.outstanding.Add(-1)
		c.close(cause)
	}
}
