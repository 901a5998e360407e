package zab

// FastLeaderElection (FastLeaderElection.lookForLeader), as a reaction to notifications
// and ticks instead of a blocking loop.

// peerVote is a vote as received, with the sender's role.
type peerVote struct {
	Vote
	State Role
}

// election is the state of one LOOKING period.
type election struct {
	logicalClock  uint64              // our election round (FLE's logicalclock)
	proposal      Vote                // whom we vote for now
	recvSet       map[uint64]peerVote // votes of this round, by voter
	outOfElection map[uint64]peerVote // votes of servers that already follow or lead
	elapsedTicks  int
	timeoutTicks  int
	// decidePending: a quorum agrees with proposal; decide on the next tick (or
	// ElectionWake) unless a better vote arrives first (FLE's finalizeWait).
	decidePending bool
	// pendingWoken: an ElectionWake came while decidePending; the next one decides, so a
	// decision waits at least one wake interval for a better vote.
	pendingWoken bool
}

// totalOrder reports whether vote a beats vote b: higher peerEpoch, then higher zxid, then
// higher server id (FastLeaderElection.totalOrderPredicate).
func totalOrder(a, b Vote) bool {
	if a.PeerEpoch != b.PeerEpoch {
		return a.PeerEpoch > b.PeerEpoch
	}
	if a.Zxid != b.Zxid {
		return a.Zxid > b.Zxid
	}
	return a.Leader > b.Leader
}

// sameVote is Vote.equals: votes of LOOKING servers must agree on everything. Votes of
// servers that already follow or lead agree when they name the same leader. ZooKeeper also
// compares peerEpoch there; we do not: a follower that joined its leader on the vote of the
// leader's previous term (the leader re-elected itself meanwhile) reports a different
// peerEpoch forever, and newcomers can then never gather an out-of-election quorum
// (simulator, seed 419). Safety does not rest on the election: checkLeader still demands
// that the leader itself says LEADING, and discovery fences stale leaders by epoch.
func sameVote(a, b peerVote) bool {
	if a.State == RoleLooking || b.State == RoleLooking {
		return a.Vote == b.Vote
	}
	return a.Leader == b.Leader
}

func (n *Node) initialVote() Vote {
	return Vote{
		Leader:    n.cfg.ID,
		Zxid:      n.log.last(),
		PeerEpoch: n.currentEpoch,
	}
}

// startElection begins a new round: vote for ourselves and tell every voter.
func (n *Node) startElection() {
	e := &n.el
	e.logicalClock++
	e.recvSet = map[uint64]peerVote{}
	e.outOfElection = map[uint64]peerVote{}
	e.decidePending, e.pendingWoken = false, false
	n.setProposal(n.initialVote())
	n.sendNotifications()
	n.resetElectionTimer()
	// An ensemble of one agrees with itself; decide on the next tick.
	e.decidePending = n.quorumAgrees(e.recvSet, peerVote{Vote: e.proposal, State: RoleLooking})
}

func (n *Node) resetElectionTimer() {
	n.el.elapsedTicks = 0
	n.el.timeoutTicks = n.cfg.ElectionTimeoutTicks + n.rand.IntN(n.cfg.ElectionTimeoutTicks)
}

func (n *Node) setProposal(v Vote) {
	v.ElectionEpoch = n.el.logicalClock
	n.el.proposal = v
	if n.q.isVoter(n.cfg.ID) {
		// FLE sends its notification to itself too; record it directly.
		n.el.recvSet[n.cfg.ID] = peerVote{Vote: v, State: RoleLooking}
	}
}

func (n *Node) sendNotifications() {
	for _, v := range n.electionPeers() {
		if v == n.cfg.ID {
			continue
		}
		n.send(Message{Type: MsgNotification, To: v, Vote: n.el.proposal, State: RoleLooking, Config: n.configForWire()})
	}
}

func (n *Node) tickElection() {
	e := &n.el
	if n.finalize() {
		return
	}
	e.elapsedTicks++
	if e.elapsedTicks >= e.timeoutTicks {
		n.sendNotifications()
		n.resetElectionTimer()
	}
}

func (n *Node) quorumAgrees(set map[uint64]peerVote, target peerVote) bool {
	agree := map[uint64]bool{}
	for id, v := range set {
		agree[id] = sameVote(v, target)
	}
	return n.q.has(agree)
}

// checkLeader: a vote for another server counts only if that server says it leads; a vote
// for ourselves only if it is of our own round, so stale followers of our previous
// leadership cannot talk us into leading again (FastLeaderElection.checkLeader).
func (n *Node) checkLeader(set map[uint64]peerVote, leader uint64, electionEpoch uint64) bool {
	if leader != n.cfg.ID {
		v, ok := set[leader]
		return ok && v.State == RoleLeading
	}
	return n.el.logicalClock == electionEpoch
}

func (n *Node) stepNotification(m Message) {
	if n.role == RoleLooking && m.Config != nil {
		// The sender's active config is committed: a newer one is safe to take before our
		// log has it (FastLeaderElection: "restarting leader election" on a newer config).
		if n.adoptConfig(m.Config) && !n.q.isVoter(n.el.proposal.Leader) {
			// Our candidate is no voter of the config in force: vote afresh.
			n.setProposal(n.initialVote())
			n.sendNotifications()
		}
	}
	if !n.q.isVoter(m.From) {
		// Observers' votes do not count; answer so they learn who leads (WorkerReceiver).
		n.replyVote(m.From)
		return
	}
	if n.role != RoleLooking {
		// Answer a LOOKING voter whatever it votes for: with reconfig its vote may name a
		// server that is no voter any more, and our answer (with our config) is how it
		// learns (simulator, reconfig seed 4493: a voter stuck voting for a removed leader).
		if m.State == RoleLooking {
			n.replyVote(m.From)
		}
		return
	}
	if !n.q.isVoter(m.Vote.Leader) {
		return
	}
	e := &n.el
	switch m.State {
	case RoleLooking:
		// It follows nobody any more: its old FOLLOWING vote must not help anyone join.
		delete(e.outOfElection, m.From)
		switch {
		case m.Vote.ElectionEpoch > e.logicalClock:
			e.logicalClock = m.Vote.ElectionEpoch
			e.recvSet = map[uint64]peerVote{}
			if totalOrder(m.Vote, n.initialVote()) {
				n.setProposal(m.Vote)
			} else {
				n.setProposal(n.initialVote())
			}
			n.sendNotifications()
		case m.Vote.ElectionEpoch < e.logicalClock:
			// A server in an older round: tell it ours so it catches up.
			n.replyVote(m.From)
			return
		case totalOrder(m.Vote, e.proposal):
			n.setProposal(m.Vote)
			n.sendNotifications()
		}
		e.recvSet[m.From] = peerVote{Vote: m.Vote, State: RoleLooking}
		e.decidePending, e.pendingWoken = false, false
		if n.quorumAgrees(e.recvSet, peerVote{Vote: e.proposal, State: RoleLooking}) {
			all := map[uint64]bool{}
			for id, v := range e.recvSet {
				all[id] = sameVote(v, peerVote{Vote: e.proposal, State: RoleLooking})
			}
			if countTrue(all) == len(n.q.voters) {
				// Every voter agrees: no better vote can come.
				n.decide(e.proposal)
				return
			}
			e.decidePending = true
		}
	case RoleFollowing, RoleLeading:
		pv := peerVote{Vote: m.Vote, State: m.State}
		if m.Vote.ElectionEpoch == e.logicalClock {
			e.recvSet[m.From] = pv
			if n.quorumAgrees(e.recvSet, pv) && n.checkLeader(e.recvSet, m.Vote.Leader, m.Vote.ElectionEpoch) {
				n.decide(leaderVote(e.recvSet, m.Vote))
				return
			}
		}
		// The ensemble may have moved on without us: join a leader a quorum already follows.
		e.outOfElection[m.From] = pv
		if n.quorumAgrees(e.outOfElection, pv) && n.checkLeader(e.outOfElection, m.Vote.Leader, m.Vote.ElectionEpoch) {
			e.logicalClock = m.Vote.ElectionEpoch
			n.decide(leaderVote(e.outOfElection, m.Vote))
		}
	}
}

// leaderVote is the vote to adopt when joining an established leader: the leader's own
// (checkLeader saw it), so every follower answers later LOOKING servers with the same
// (leader, peerEpoch) as the leader does; otherwise a follower that joined on an older
// vote splits the out-of-election quorum and newcomers can never join (found by the
// simulator, seed 46 of 5 voters).
func leaderVote(set map[uint64]peerVote, v Vote) Vote {
	if lv, ok := set[v.Leader]; ok && lv.State == RoleLeading {
		return lv.Vote
	}
	return v
}

func countTrue(m map[uint64]bool) int {
	c := 0
	for _, ok := range m {
		if ok {
			c++
		}
	}
	return c
}

// replyVote sends our current vote (the proposal while LOOKING, the elected vote otherwise).
func (n *Node) replyVote(to uint64) {
	v := n.finalVote
	if n.role == RoleLooking {
		v = n.el.proposal
	}
	n.send(Message{Type: MsgNotification, To: to, Vote: v, State: n.role, Config: n.configForWire()})
}

// decide ends the election with v.
func (n *Node) decide(v Vote) {
	if v.Leader == n.cfg.ID && !n.q.isVoter(n.cfg.ID) {
		return // an observer never leads
	}
	n.finalVote = v
	n.el.decidePending = false
	if v.Leader == n.cfg.ID {
		n.becomeLeader()
		return
	}
	n.becomeLearner(v.Leader)
}

// finalize ends a pending decision: decide for the proposal if a quorum still agrees. It
// reports whether the election ended.
func (n *Node) finalize() bool {
	e := &n.el
	if !e.decidePending {
		return false
	}
	e.decidePending = false
	if n.quorumAgrees(e.recvSet, peerVote{Vote: e.proposal, State: RoleLooking}) {
		n.decide(e.proposal)
		return true
	}
	return false
}

// ElectionWake is a sub-tick election timer for a caller whose tickTime is longer than
// FastLeaderElection's 200 ms (finalizeWait, and the first notTimeout). While LOOKING: a
// decision a quorum agreed on is taken once it has waited one whole wake interval without a
// better vote (finalizeWait ends); otherwise our vote is sent again (the notTimeout resend).
// Without it both wait for the next Tick, which with tickTime 2000 adds seconds to a
// failover: a server that went LOOKING while its peer was still following had its first
// notification answered but not recorded, and hears the peer's vote again only when someone
// resends. The caller calls it every ~200 ms while LOOKING (we do not double the interval
// as ZooKeeper doubles notTimeout). Outside LOOKING it does nothing.
func (n *Node) ElectionWake() {
	n.checkNotReady()
	if n.role != RoleLooking {
		return
	}
	if e := &n.el; e.decidePending {
		if e.pendingWoken {
			n.finalize()
		}
		e.pendingWoken = true
		return
	}
	n.sendNotifications()
}
