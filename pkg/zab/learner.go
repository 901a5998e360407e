package zab

import "fmt"

// Followers and observers (Learner.registerWithLeader, Learner.syncWithLeader,
// Follower.processPacket, Observer.processPacket).

type learnerState struct {
	leader    uint64
	conn      uint64
	newEpoch  Epoch
	lastHeard int64
	gotSync   bool // DIFF, TRUNC or SNAP received
	gotNewLdr bool // NEWLEADER received (and acknowledged once persisted)
	// syncCommit is the highest COMMIT (or INFORM) seen before UPTODATE: applied only at
	// UPTODATE, when the leader knows a quorum holds the history.
	syncCommit Zxid
}

func (n *Node) becomeLearner(leader uint64) {
	n.role, n.phase = RoleFollowing, PhaseDiscovery
	typ := MsgFollowerInfo
	if n.isObserver() {
		n.role, typ = RoleObserving, MsgObserverInfo
	}
	conn := n.rand.Uint64() | 1
	n.lr = &learnerState{leader: leader, conn: conn, lastHeard: n.tick}
	n.send(Message{Type: typ, To: leader, Conn: conn, Zxid: MakeZxid(n.acceptedEpoch, 0)})
}

// learnerFail abandons the leader (Learner's IOException path): back to LOOKING.
func (n *Node) learnerFail() { n.becomeLooking() }

func (n *Node) replyLeader(m Message) {
	m.To, m.Conn = n.lr.leader, n.lr.conn
	n.send(m)
}

func (n *Node) stepLearner(m Message) {
	lr := n.lr
	if m.From != lr.leader || m.Conn != lr.conn {
		return
	}
	lr.lastHeard = n.tick
	switch n.phase {
	case PhaseDiscovery:
		if m.Type != MsgLeaderInfo {
			return
		}
		e := m.Zxid.Epoch()
		switch {
		case e > n.acceptedEpoch:
			n.setAcceptedEpoch(e) // durable before ACKEPOCH leaves
		case e < n.acceptedEpoch:
			// We promised a later epoch to someone else (Learner: "Leaders epoch ... is less
			// than accepted epoch").
			n.learnerFail()
			return
		}
		lr.newEpoch = e
		n.phase = PhaseSynchronization
		n.replyLeader(Message{Type: MsgAckEpoch, Zxid: n.log.last(), Epoch: n.currentEpoch})
	case PhaseSynchronization:
		n.stepSync(m)
	case PhaseBroadcast:
		n.stepBroadcast(m)
	}
}

func (n *Node) stepSync(m Message) {
	lr := n.lr
	if !lr.gotSync {
		switch m.Type {
		case MsgDiff:
		case MsgTrunc:
			if m.Zxid < n.applied || m.Zxid < n.committed {
				panic(fmt.Sprintf("zab: server %d told to truncate after %s below its committed %s", n.cfg.ID, m.Zxid.Short(), n.committed.Short()))
			}
			if m.Zxid > n.log.last() {
				n.learnerFail()
				return
			}
			n.truncateAfter(m.Zxid)
		case MsgSnap:
			if m.Snapshot == nil {
				n.learnerFail()
				return
			}
			// Written at NEWLEADER with the rest of the history; the snapshot's txns count as
			// committed only then (until it is durable, going LOOKING drops it).
			n.log.installSnapshot(*m.Snapshot)
			n.log.held = true
			// Everything in our log is replaced; the pending configs go with it.
			n.pending = nil
		default:
			return // PING before the sync stream
		}
		lr.gotSync = true
		return
	}
	switch m.Type {
	case MsgProposal, MsgInform:
		if m.Zxid <= n.log.last() {
			n.learnerFail()
			return
		}
		n.appendEntry(Entry{Zxid: m.Zxid, Data: m.Data})
		if m.Type == MsgInform {
			lr.syncCommit = max(lr.syncCommit, m.Zxid)
		} else if lr.gotNewLdr {
			n.replyLeader(Message{Type: MsgAck, Zxid: m.Zxid})
		}
	case MsgCommit:
		lr.syncCommit = max(lr.syncCommit, m.Zxid)
	case MsgNewLeader:
		if m.Zxid.Epoch() != lr.newEpoch || lr.gotNewLdr {
			n.learnerFail()
			return
		}
		lr.gotNewLdr = true
		// A held SNAP sync goes out now, in one Ready with the entries after it: snapshot,
		// entries, fsync, then currentEpoch after the entries, ACK after all (Ready order):
		// ZOOKEEPER-4643 and ZOOKEEPER-3911.
		if n.log.held {
			n.log.held = false
			n.installedSnapshot(*n.log.snap)
		}
		if m.Config != nil && n.reconfigEnabled() && m.Config.Validate() == nil {
			// The leader's active config is committed: take it if newer (Learner's
			// NEWLEADER handling of the config it carries).
			n.activate(m.Config.clone())
		}
		n.setCurrentEpoch(lr.newEpoch)
		n.replyLeader(Message{Type: MsgAck, Zxid: m.Zxid})
		if last := n.log.last(); last.Epoch() == lr.newEpoch && n.role == RoleFollowing {
			n.replyLeader(Message{Type: MsgAck, Zxid: last})
		}
	case MsgUpToDate:
		if !lr.gotNewLdr {
			n.learnerFail()
			return
		}
		n.phase = PhaseBroadcast
		n.learnerCommit(lr.syncCommit)
	case MsgPing:
		n.replyLeader(Message{Type: MsgPing, Zxid: n.log.last()})
	}
}

func (n *Node) learnerCommit(z Zxid) {
	if z > n.log.last() {
		panic(fmt.Sprintf("zab: server %d told %s is committed but its log ends at %s", n.cfg.ID, z.Short(), n.log.last().Short()))
	}
	n.commitTo(z)
}

func (n *Node) stepBroadcast(m Message) {
	switch m.Type {
	case MsgProposal:
		if n.role == RoleObserving || m.Zxid <= n.log.last() {
			n.learnerFail()
			return
		}
		n.appendEntry(Entry{Zxid: m.Zxid, Data: m.Data})
		n.replyLeader(Message{Type: MsgAck, Zxid: m.Zxid})
	case MsgCommit:
		n.learnerCommit(m.Zxid)
	case MsgInform:
		if m.Zxid <= n.log.last() {
			n.learnerFail()
			return
		}
		n.appendEntry(Entry{Zxid: m.Zxid, Data: m.Data})
		n.learnerCommit(m.Zxid)
	case MsgPing:
		n.replyLeader(Message{Type: MsgPing, Zxid: n.log.last()})
	}
}

func (n *Node) tickLearner() {
	limit := int64(n.cfg.InitLimitTicks)
	if n.phase == PhaseBroadcast {
		limit = int64(n.cfg.SyncLimitTicks)
	}
	if n.tick-n.lr.lastHeard > limit {
		n.learnerFail()
	}
}

// installedSnapshot: a SNAP sync is now ours (NEWLEADER). Its txns are committed, and the
// config folded into it is active if newer than ours; the entries that came after it were
// noted as pending configs as they arrived.
func (n *Node) installedSnapshot(s Snapshot) {
	if n.cfg.SnapshotMembership != nil {
		if m, ok := n.cfg.SnapshotMembership(s); ok {
			n.activate(m)
		}
	}
	n.committed = max(n.committed, s.Zxid)
}
