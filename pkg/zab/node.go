package zab

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// Node is one server's ZAB state machine. It is not safe for concurrent use: the caller
// serialises Tick, Step, Propose, Ready and Advance.
type Node struct {
	cfg Config
	q   quorum // of active.Voters
	// active is the committed config in force; pending are reconfig txns in the log after
	// the commit point, oldest first (membership.go).
	active  Membership
	pending []Membership
	// leaveAfterAdvance: an activated config removed us (leader) or our leader (learner);
	// go LOOKING once the current Ready, with its COMMITs and ACKs, is handled.
	leaveAfterAdvance bool
	rand              *rand.Rand
	log               zlog

	role  Role
	phase Phase
	tick  int64 // ticks since start: the node's only clock

	acceptedEpoch, currentEpoch Epoch // as they will be once pending writes are durable
	// epochFloor: the highest acceptedEpoch a learner reported above the epoch we led in
	// (it refused our LEADERINFO and could never join). In memory only: the next epoch we
	// propose goes above it, so a re-election of this server fixes the stranding in one
	// step. Proposing a higher epoch than needed is always safe.
	epochFloor      Epoch
	pendingAccepted Epoch // epoch writes not yet handed out in a Ready
	pendingCurrent  Epoch

	committed     Zxid // highest zxid known committed
	applied       Zxid // highest zxid handed out in CommittedEntries (or restored from a snapshot)
	committedHint Zxid // highest Persist.Committed handed out

	msgs []Message

	el        election
	finalVote Vote // the vote that ended the last election
	ld        *leaderState
	lr        *learnerState

	readyOut bool // a Ready was handed out and not yet advanced
}

// NewNode starts a server from its durable state. The caller's state machine must hold
// cfg.Storage's snapshot; the first Ready delivers the log up to the recorded commit point.
// The node starts LOOKING.
func NewNode(cfg Config) (*Node, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	r := cfg.Rand
	if r == nil {
		r = rand.New(rand.NewPCG(cfg.ID, 0x5a4b))
	}
	n := &Node{cfg: cfg, rand: r, log: zlog{st: cfg.Storage}}
	snap := must(cfg.Storage.Snapshot())
	n.applied = snap.Zxid
	n.committed = max(snap.Zxid, min(must(cfg.Storage.Committed()), n.log.last()))
	n.committedHint = n.committed
	n.initMembership()
	n.becomeLooking()
	return n, nil
}

// isObserver: whether we connect to a leader as an observer. A server outside the config
// (joining, or removed) keeps the type its static config gave it.
func (n *Node) isObserver() bool {
	if n.q.isVoter(n.cfg.ID) {
		return false
	}
	if n.active.hasObserver(n.cfg.ID) {
		return true
	}
	return slices.Contains(n.cfg.Observers, n.cfg.ID)
}

func (n *Node) send(m Message) {
	m.From = n.cfg.ID
	n.msgs = append(n.msgs, m)
}

func (n *Node) checkNotReady() {
	if n.readyOut {
		panic(ErrStepBetweenReadyAndAdvance)
	}
}

// becomeLooking drops every role and everything not yet handed out for persistence, reloads
// the epochs from storage and starts an election. Dropping the pending state is what
// ZOOKEEPER-2845 missed: a txn that was only in memory must not survive into the next epoch.
func (n *Node) becomeLooking() {
	n.role, n.phase = RoleLooking, PhaseElection
	n.ld, n.lr = nil, nil
	n.leaveAfterAdvance = false
	n.log.discard() // storage is the truth
	n.msgs = nil
	n.pendingAccepted, n.pendingCurrent = 0, 0
	n.acceptedEpoch = must(n.cfg.Storage.AcceptedEpoch())
	n.currentEpoch = must(n.cfg.Storage.CurrentEpoch())
	if last := n.log.last(); n.committed > last {
		n.committed = max(last, n.applied)
	}
	n.rescanPending()
	n.startElection()
}

func (n *Node) setAcceptedEpoch(e Epoch) {
	n.acceptedEpoch, n.pendingAccepted = e, e
}

func (n *Node) setCurrentEpoch(e Epoch) {
	n.currentEpoch, n.pendingCurrent = e, e
}

// Tick advances the node's clock by one tickTime.
func (n *Node) Tick() {
	n.checkNotReady()
	n.tick++
	switch n.role {
	case RoleLooking:
		n.tickElection()
	case RoleLeading:
		n.tickLeader()
	default:
		n.tickLearner()
	}
}

// Step feeds one received message. Messages from unknown servers or stale connections are
// ignored; the error is for messages the node cannot interpret at all.
func (n *Node) Step(m Message) error {
	n.checkNotReady()
	if m.To != n.cfg.ID {
		return fmt.Errorf("zab: message for %d stepped into %d", m.To, n.cfg.ID)
	}
	if m.Type == MsgNotification {
		n.stepNotification(m)
		return nil
	}
	switch n.role {
	case RoleLeading:
		n.stepLeader(m)
	case RoleFollowing, RoleObserving:
		n.stepLearner(m)
	}
	return nil
}

// Propose appends data as the next txn of the leader's epoch and sends it to the
// followers. It returns the zxid assigned. Only an established leader accepts proposals.
func (n *Node) Propose(data []byte) (Zxid, error) {
	n.checkNotReady()
	if n.role != RoleLeading || !n.ld.established || n.leaveAfterAdvance {
		return 0, ErrNotLeader
	}
	if n.reconfigEnabled() {
		if m, ok := n.cfg.Reconfig(data); ok {
			if err := n.checkReconfig(m); err != nil {
				return 0, err
			}
		}
	}
	return n.propose(data)
}

// HasReady reports whether Ready has anything.
func (n *Node) HasReady() bool {
	_, ok := n.ready()
	return ok
}

// Ready returns what the caller must persist, send and apply. ok is false when there is
// nothing. After handling it the caller must call Advance(rd) before any other call but
// Status.
func (n *Node) Ready() (rd Ready, ok bool) {
	rd, ok = n.ready()
	if ok {
		n.readyOut = true
	}
	return rd, ok
}

func (n *Node) ready() (Ready, bool) {
	var rd Ready
	p := &rd.Persist
	if n.log.held {
		// A SNAP sync waits for NEWLEADER (zlog.held); nothing of it is durable, so nothing
		// of it may be applied either.
		p.AcceptedEpoch, p.CurrentEpoch = n.pendingAccepted, n.pendingCurrent
		p.MustSync = p.AcceptedEpoch != 0 || p.CurrentEpoch != 0
		rd.Messages = slices.Clone(n.msgs)
		return rd, rd.containsUpdates()
	}
	p.Snapshot = n.log.snap
	if n.log.trunc != nil {
		z := *n.log.trunc
		p.TruncateAfter = &z
	}
	p.Entries = slices.Clone(n.log.ents)
	p.AcceptedEpoch = n.pendingAccepted
	p.CurrentEpoch = n.pendingCurrent
	p.MustSync = p.Snapshot != nil || p.TruncateAfter != nil || len(p.Entries) > 0 ||
		p.AcceptedEpoch != 0 || p.CurrentEpoch != 0
	// Only entries that will be on disk once this Ready is persisted may be applied: a
	// server never serves a txn it could lose in a crash.
	deliverable := min(n.committed, n.log.last())
	from := n.applied
	if n.log.snap != nil {
		from = n.log.snap.Zxid
	}
	if deliverable > from {
		rd.CommittedEntries = n.log.entries(from, deliverable)
	}
	if deliverable > n.committedHint {
		p.Committed = deliverable
	}
	rd.Messages = slices.Clone(n.msgs)
	return rd, rd.containsUpdates() || n.leaveAfterAdvance
}

// Advance tells the node that rd was handled: Persist is durable, Messages are sent and
// CommittedEntries applied.
func (n *Node) Advance(rd Ready) {
	if !n.readyOut {
		panic("zab: Advance without Ready")
	}
	n.readyOut = false
	n.log.stabilized()
	n.pendingAccepted, n.pendingCurrent = 0, 0
	n.msgs = n.msgs[len(rd.Messages):]
	if rd.Persist.Snapshot != nil {
		n.applied = rd.Persist.Snapshot.Zxid
	}
	if k := len(rd.CommittedEntries); k > 0 {
		n.applied = rd.CommittedEntries[k-1].Zxid
	}
	if rd.Persist.Committed > n.committedHint {
		n.committedHint = rd.Persist.Committed
	}
	if n.role == RoleLeading {
		n.leaderPersisted(rd.Persist)
	}
	if n.leaveAfterAdvance {
		n.becomeLooking()
	}
}

// Status is a snapshot of the node's state for monitoring (mntr) and tests.
type Status struct {
	ID            uint64
	Role          Role
	Phase         Phase
	LeaderID      uint64 // 0 while LOOKING
	AcceptedEpoch Epoch
	CurrentEpoch  Epoch
	ElectionEpoch uint64
	LastZxid      Zxid
	CommittedZxid Zxid
	AppliedZxid   Zxid
	// Established: a leader past NEWLEADER quorum, or a learner past UPTODATE.
	Established bool
	// SyncedFollowers (leader only): voters that acknowledged NEWLEADER and are in touch.
	SyncedFollowers []uint64
	// SyncedObservers (leader only).
	SyncedObservers []uint64
	// FinalizeWaiting (LOOKING only): a quorum agrees with our vote; the election ends at
	// the next Tick or ElectionWake unless a better vote arrives first.
	FinalizeWaiting bool
	// ConfigVersion is the active config's version (0: the static config); Voters is
	// its number of voters; ReconfigPending: a reconfig txn is logged and not committed.
	ConfigVersion   Zxid
	Voters          int
	ReconfigPending bool
}

func (n *Node) Status() Status {
	s := Status{
		ID: n.cfg.ID, Role: n.role, Phase: n.phase,
		AcceptedEpoch: n.acceptedEpoch, CurrentEpoch: n.currentEpoch,
		ElectionEpoch: n.el.logicalClock, LastZxid: n.log.last(),
		CommittedZxid: n.committed, AppliedZxid: n.applied,
		Established:     n.phase == PhaseBroadcast,
		FinalizeWaiting: n.role == RoleLooking && n.el.decidePending,
		ConfigVersion:   n.active.Version, Voters: len(n.active.Voters),
		ReconfigPending: len(n.pending) > 0,
	}
	switch n.role {
	case RoleLeading:
		s.LeaderID = n.cfg.ID
		for id, h := range n.ld.learners {
			if h.state >= hsAckedNewLeader {
				if h.observer {
					s.SyncedObservers = append(s.SyncedObservers, id)
				} else {
					s.SyncedFollowers = append(s.SyncedFollowers, id)
				}
			}
		}
		slices.Sort(s.SyncedFollowers)
		slices.Sort(s.SyncedObservers)
	case RoleFollowing, RoleObserving:
		s.LeaderID = n.lr.leader
	}
	return s
}
