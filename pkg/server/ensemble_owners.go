package server

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// Session ownership and SessionMoved (ZooKeeper's SessionTrackerImpl owner, ZOOKEEPER-710).
//
// The leader records which server each session is attached to: the member that forwarded
// its createSession, the member whose REVALIDATE it last answered (a reconnect to a learner),
// or itself for its own clients. A request of the session that reaches the leader through
// any other server is refused: it is logged as an error txn with SessionMoved, and the
// server that holds the request closes the client connection instead of answering
// (FinalRequestProcessor's SessionMovedException case), so a client whose session moved
// never sees a stale connection accept a write. The first request of a session the leader
// has no owner for (a new leader's term) claims it, as checkSession does with a null owner.
//
// Differences from ZooKeeper, none visible to a client: ZooKeeper also checks reads and
// syncs that pass through the leader's own PrepRequestProcessor, and fails a multi with
// per-op error results; here writes are checked, and a multi becomes one error txn.

type sessionOwners struct {
	mu sync.Mutex
	m  map[int64]uint64
}

// set makes owner the session's owner.
func (o *sessionOwners) set(sessionID int64, owner uint64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.m == nil {
		o.m = map[int64]uint64{}
	}
	o.m[sessionID] = owner
}

// moved reports whether a request of sessionID arriving through owner must be refused; a
// session without an owner is claimed by it.
func (o *sessionOwners) moved(sessionID int64, owner uint64) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.m == nil {
		o.m = map[int64]uint64{}
	}
	cur, ok := o.m[sessionID]
	if !ok {
		o.m[sessionID] = owner
		return false
	}
	return cur != owner
}

func (o *sessionOwners) forget(sessionID int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.m, sessionID)
}

// reset forgets every owner (a new leader term: owners are claimed again).
func (o *sessionOwners) reset() {
	o.mu.Lock()
	defer o.mu.Unlock()
	clear(o.m)
}

// origin is the server a request came through: the forwarding learner, or this member.
func (e *ensemble) origin(r *request) uint64 {
	if r.forwardedFrom != 0 {
		return r.forwardedFrom
	}
	return uint64(e.s.cfg.ServerID)
}

// sessionMoved is the leader's ownership check of one request it is about to prepare.
// createSession records its origin as the owner; closeSession and the leader's own internal
// requests (expiry, container reaping) are not checked.
func (e *ensemble) sessionMoved(r *request) bool {
	switch {
	case r.op == protocol.OpCreateSession:
		e.owners.set(r.sessionID, e.origin(r))
		return false
	case r.op == protocol.OpCloseSession, r.conn == nil && r.forwardedFrom == 0:
		return false
	}
	return e.owners.moved(r.sessionID, e.origin(r))
}

// movedProposal is the error txn of a request refused with SessionMoved: it takes its zxid
// like any failed write (PrepRequestProcessor's catch of KeeperException).
func movedProposal(r *request, zxid, nowMillis int64) Proposal {
	hdr := jute.TxnHeader{ClientID: r.sessionID, Cxid: r.xid, Zxid: zxid, Time: nowMillis, Type: int32(protocol.OpError)}
	txn := &jute.ErrorTxn{Err: int32(protocol.ErrSessionMoved)}
	data := jute.Marshal(&hdr)
	enc := jute.Encoder{Buf: data}
	txn.Encode(&enc)
	return Proposal{Zxid: zxid, Hdr: hdr, Txn: txn, Data: enc.Buf, req: r}
}

// isSessionMoved: the committed txn refused its request with SessionMoved.
func isSessionMoved(hdr jute.TxnHeader, txn jute.Record) bool {
	et, ok := txn.(*jute.ErrorTxn)
	return protocol.OpCode(hdr.Type) == protocol.OpError && ok && et.Err == int32(protocol.ErrSessionMoved)
}

// onRevalidate (leader, link reader goroutine) answers a learner's REVALIDATE: the session is
// valid if the tracker knows it and it is not closing (touching it, as ZooKeeper's
// checkIfValidGlobalSession does); a valid session is owned by that learner from now on.
func (e *ensemble) onRevalidate(from uint64, sessionID int64, _ int32) bool {
	s := e.s
	if !e.leading() {
		return false
	}
	s.sessMu.Lock()
	valid := s.tracker.Touch(sessionID, s.now().UnixMilli())
	s.sessMu.Unlock()
	if valid {
		e.owners.set(sessionID, from)
	}
	return valid
}

// errNoRevalidation: a learner could not ask its leader about a reconnecting session.
var errNoRevalidation = errors.New("server: cannot revalidate the session with the leader")

// revalidate decides a reconnect of session id on this member. The leader answers from its
// tracker and takes the session as its own; a learner asks the leader (REVALIDATE) and waits
// up to syncLimit ticks. An error means no answer: the connection is closed without a reply
// so the client tries another server, rather than being told its session expired.
func (e *ensemble) revalidate(id int64, timeoutMillis int32, now time.Time) (bool, error) {
	s := e.s
	if e.leading() {
		// The leader answers its own clients' reconnects as it answers a learner's
		// REVALIDATE, with itself as the new owner.
		return e.onRevalidate(uint64(s.cfg.ServerID), id, timeoutMillis), nil
	}
	wait := time.Duration(max(e.cfg.SyncLimit, 1)) * s.cfg.TickTime
	valid, err := e.member.Revalidate(id, timeoutMillis, wait)
	if err != nil {
		return false, fmt.Errorf("%w: %w", errNoRevalidation, err)
	}
	if valid {
		// The leader vouches for the session; this learner may not have applied its
		// createSession yet (it was created through another member a moment ago). Track it
		// now, or the reader would drop the client's next request as one of an unknown
		// session (ZooKeeper's learners never drop a global session's request on their own:
		// LearnerSessionTracker.touchSession records the touch for the leader).
		s.sessMu.Lock()
		if !s.tracker.Touch(id, now.UnixMilli()) {
			s.tracker.Add(id, timeoutMillis, now.UnixMilli())
		}
		s.sessMu.Unlock()
	}
	return valid, nil
}
