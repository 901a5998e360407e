package zab

import (
	"fmt"
	"maps"
	"slices"
)

// The leader: discovery (Leader.getEpochToPropose, waitForEpochAck), synchronization
// (LearnerHandler.syncFollower, waitForNewLeaderAck) and broadcast (propose, processAck).

// handlerState is where one learner connection is (LearnerHandler's progress).
type handlerState int

const (
	hsInfo           handlerState = iota // FOLLOWERINFO received; LEADERINFO once the epoch is known
	hsLeaderInfoSent                     // waiting for ACKEPOCH
	hsEpochAcked                         // ACKEPOCH received; sync starts once a quorum acked
	hsSyncing                            // sync stream and NEWLEADER sent; forwarding proposals
	hsAckedNewLeader                     // NEWLEADER acknowledged; UPTODATE once established
	hsUpToDate                           // UPTODATE sent: in broadcast
)

// learnerHandler is the leader's state for one learner connection.
type learnerHandler struct {
	id       uint64
	conn     uint64
	observer bool
	state    handlerState

	acceptedEpoch    Epoch // from FOLLOWERINFO
	peerLast         Zxid  // from ACKEPOCH
	peerCurrentEpoch Epoch // from ACKEPOCH

	acked     Zxid  // highest PROPOSAL acknowledged (current epoch only)
	informed  Zxid  // observers: committed txns sent so far
	lastHeard int64 // tick of the last message from the learner
}

type leaderState struct {
	epoch      Epoch // the new epoch; 0 until a quorum sent FOLLOWERINFO
	phaseStart int64

	// The state summary we were elected with; a learner more recent than this means we
	// should not lead (Leader.waitForEpochAck, "Follower is ahead of the leader").
	summaryEpoch Epoch
	summaryZxid  Zxid

	epochAckQuorum bool // a quorum acknowledged the epoch; sync started
	historyEnd     Zxid // our last zxid when sync started: committed once established
	selfNewLeader  bool // our own currentEpoch is durable: we count toward NEWLEADER quorum
	established    bool
	selfAcked      Zxid // our last durable zxid in this epoch

	learners map[uint64]*learnerHandler
}

// sorted lists the learner connections by server id: sends happen in a fixed order, so a
// seed replays exactly.
func (ld *leaderState) sorted() []*learnerHandler {
	out := make([]*learnerHandler, 0, len(ld.learners))
	for _, id := range slices.Sorted(maps.Keys(ld.learners)) {
		out = append(out, ld.learners[id])
	}
	return out
}

func (n *Node) becomeLeader() {
	n.role, n.phase = RoleLeading, PhaseDiscovery
	n.ld = &leaderState{
		phaseStart:   n.tick,
		summaryEpoch: n.currentEpoch,
		summaryZxid:  n.log.last(),
		learners:     map[uint64]*learnerHandler{},
	}
	n.maybeChooseEpoch()
}

// maybeChooseEpoch: once a quorum (with us) told us its acceptedEpoch, propose one above all
// of them (Leader.getEpochToPropose) and send LEADERINFO.
func (n *Node) maybeChooseEpoch() {
	ld := n.ld
	if ld.epoch != 0 {
		return
	}
	ids := map[uint64]bool{n.cfg.ID: true}
	maxEpoch := max(n.acceptedEpoch, n.epochFloor)
	for id, h := range ld.learners {
		// Observers do not count toward the quorum (ZOOKEEPER-2959), but the epoch still
		// goes above theirs: an observer whose acceptedEpoch is above ours would refuse our
		// LEADERINFO (Learner.registerWithLeader) and never observe.
		maxEpoch = max(maxEpoch, h.acceptedEpoch)
		if !h.observer {
			ids[id] = true
		}
	}
	if !n.quorumsHave(ids) {
		return
	}
	ld.epoch = maxEpoch + 1
	// Our acceptedEpoch is written before LEADERINFO leaves (Ready order).
	n.setAcceptedEpoch(ld.epoch)
	for _, h := range ld.sorted() {
		n.sendLeaderInfo(h)
	}
	n.maybeEpochAckQuorum()
}

func (n *Node) sendLeaderInfo(h *learnerHandler) {
	if h.state != hsInfo {
		return
	}
	h.state = hsLeaderInfoSent
	n.sendTo(h, Message{Type: MsgLeaderInfo, Zxid: MakeZxid(n.ld.epoch, 0)})
}

func (n *Node) sendTo(h *learnerHandler, m Message) {
	m.To, m.Conn = h.id, h.conn
	n.send(m)
}

// maybeEpochAckQuorum: a quorum acknowledged the new epoch; record it as our currentEpoch
// and start syncing everyone who acknowledged.
func (n *Node) maybeEpochAckQuorum() {
	ld := n.ld
	if ld.epoch == 0 || ld.epochAckQuorum {
		return
	}
	ids := map[uint64]bool{n.cfg.ID: true}
	for id, h := range ld.learners {
		if !h.observer && h.state >= hsEpochAcked {
			ids[id] = true
		}
	}
	if !n.quorumsHave(ids) {
		return
	}
	ld.epochAckQuorum = true
	ld.historyEnd = n.log.last()
	n.phase = PhaseSynchronization
	n.setCurrentEpoch(ld.epoch)
	for _, h := range ld.sorted() {
		if h.state == hsEpochAcked {
			n.syncLearner(h)
		}
	}
}

// syncLearner sends the sync stream: DIFF/TRUNC/SNAP, the leader's log after the agreed
// point as PROPOSALs, a COMMIT for what is (or, once established, will be) committed, and
// NEWLEADER. From then on the learner receives every new PROPOSAL (or INFORM).
func (n *Node) syncLearner(h *learnerHandler) {
	ld := n.ld
	snapZxid := n.log.snapshotZxid()
	last := n.log.last()
	plan := chooseSync(snapZxid, last, h.peerLast, n.log.floor)
	// What the learner may treat as committed at UPTODATE.
	commitPoint := ld.historyEnd
	if ld.established {
		commitPoint = n.committed
	}
	// Observers get only committed txns; later ones arrive as INFORM.
	upTo := last
	if h.observer {
		upTo = commitPoint
	}
	var from Zxid
	switch plan.Kind {
	case SyncDiff:
		from = plan.From
		n.sendTo(h, Message{Type: MsgDiff, Zxid: last})
	case SyncTrunc:
		from = plan.From
		n.sendTo(h, Message{Type: MsgTrunc, Zxid: plan.From})
	case SyncSnap:
		snap := must(n.cfg.Storage.Snapshot())
		from = snap.Zxid
		n.sendTo(h, Message{Type: MsgSnap, Zxid: last, Snapshot: &snap})
	}
	if from < upTo {
		for _, e := range n.log.entries(from, upTo) {
			n.sendTo(h, Message{Type: MsgProposal, Zxid: e.Zxid, Data: e.Data})
		}
	}
	if commitPoint > 0 {
		n.sendTo(h, Message{Type: MsgCommit, Zxid: commitPoint})
	}
	h.informed = commitPoint
	// With reconfig, NEWLEADER carries our active config, as ZooKeeper 3.5+ does: a learner
	// synced by SNAP may never see the reconfig txns folded into the snapshot.
	n.sendTo(h, Message{Type: MsgNewLeader, Zxid: MakeZxid(ld.epoch, 0), Config: n.configForWire()})
	h.state = hsSyncing
}

// maybeEstablish: a quorum (with us, once our currentEpoch is durable) acknowledged
// NEWLEADER. The history is now on a quorum's disk: commit it and let learners serve.
func (n *Node) maybeEstablish() {
	ld := n.ld
	if !ld.epochAckQuorum || ld.established || !ld.selfNewLeader {
		return
	}
	ids := map[uint64]bool{n.cfg.ID: true}
	for id, h := range ld.learners {
		if !h.observer && h.state >= hsAckedNewLeader {
			ids[id] = true
		}
	}
	if !n.quorumsHave(ids) {
		return
	}
	ld.established = true
	n.phase = PhaseBroadcast
	// A reconfig txn in the history was acknowledged by quorums of both configs with
	// NEWLEADER; it commits (and activates) here with the rest.
	n.commitTo(ld.historyEnd)
	for _, h := range ld.sorted() {
		if h.state == hsAckedNewLeader {
			n.sendUpToDate(h)
		}
	}
	n.maybeCommit()
}

func (n *Node) sendUpToDate(h *learnerHandler) {
	h.state = hsUpToDate
	n.sendTo(h, Message{Type: MsgUpToDate})
	if h.observer {
		n.inform(h)
	}
}

// leaderPersisted runs after the caller made p durable.
func (n *Node) leaderPersisted(p Persist) {
	ld := n.ld
	if p.CurrentEpoch == ld.epoch && ld.epoch != 0 {
		ld.selfNewLeader = true
	}
	if last := n.log.last(); last.Epoch() == ld.epoch && ld.epoch != 0 {
		ld.selfAcked = last
	}
	n.maybeEstablish()
	n.maybeCommit()
}

func (n *Node) propose(data []byte) (Zxid, error) {
	ld := n.ld
	last := n.log.last()
	var z Zxid
	if last.Epoch() == ld.epoch {
		if last.Counter() == maxCounter {
			n.becomeLooking()
			return 0, ErrZxidRollover
		}
		z = last + 1
	} else {
		z = MakeZxid(ld.epoch, 1)
	}
	n.appendEntry(Entry{Zxid: z, Data: data})
	for _, h := range ld.sorted() {
		if !h.observer && h.state >= hsSyncing {
			n.sendTo(h, Message{Type: MsgProposal, Zxid: z, Data: data})
		}
	}
	return z, nil
}

// maybeCommit commits the largest zxid of this epoch a quorum has on disk (the leader
// counts itself only for what it persisted), sending COMMIT for each newly committed txn,
// in order, and INFORM to observers.
func (n *Node) maybeCommit() {
	ld := n.ld
	if !ld.established {
		return
	}
	acked := map[uint64]Zxid{n.cfg.ID: ld.selfAcked}
	for id, h := range ld.learners {
		if !h.observer {
			acked[id] = h.acked
		}
	}
	c := n.commitIndex(acked)
	if c <= n.committed || c.Epoch() != ld.epoch {
		return
	}
	newly := n.log.entries(n.committed, c)
	n.commitTo(c)
	for _, h := range ld.sorted() {
		if h.state < hsSyncing {
			continue
		}
		if h.observer {
			if h.state == hsUpToDate {
				n.inform(h)
			}
			continue
		}
		for _, e := range newly {
			n.sendTo(h, Message{Type: MsgCommit, Zxid: e.Zxid})
		}
	}
}

// inform sends an observer the committed txns it has not seen.
func (n *Node) inform(h *learnerHandler) {
	if h.informed >= n.committed {
		return
	}
	if h.informed < n.log.snapshotZxid() {
		// The txns it misses were compacted into our snapshot: drop the connection; the
		// observer reconnects and gets a SNAP.
		delete(n.ld.learners, h.id)
		return
	}
	for _, e := range n.log.entries(h.informed, n.committed) {
		n.sendTo(h, Message{Type: MsgInform, Zxid: e.Zxid, Data: e.Data})
	}
	h.informed = n.committed
}

func (n *Node) stepLeader(m Message) {
	ld := n.ld
	if m.Type == MsgFollowerInfo || m.Type == MsgObserverInfo {
		observer := !n.q.isVoter(m.From)
		if n.reconfigEnabled() {
			// Any server may connect: one outside the config (or not yet knowing it was
			// added) follows without a vote; its ACKs count once a config makes it a voter.
			// The connection type is the learner's (LearnerInfo), as in ZooKeeper.
			observer = m.Type == MsgObserverInfo
		} else if observer != (m.Type == MsgObserverInfo) || !n.knows(m.From) {
			return
		}
		// A new connection replaces the old one (the old LearnerHandler dies with its socket).
		h := &learnerHandler{id: m.From, conn: m.Conn, observer: observer, acceptedEpoch: m.Zxid.Epoch(), lastHeard: n.tick}
		if ld.epoch != 0 && h.acceptedEpoch > ld.epoch {
			n.stepDownForEpoch(h)
			return
		}
		ld.learners[m.From] = h
		if ld.epoch == 0 {
			n.maybeChooseEpoch()
		} else {
			n.sendLeaderInfo(h)
		}
		return
	}
	h := ld.learners[m.From]
	if h == nil || h.conn != m.Conn {
		return
	}
	h.lastHeard = n.tick
	switch m.Type {
	case MsgAckEpoch:
		if h.state != hsLeaderInfoSent {
			return
		}
		h.peerLast, h.peerCurrentEpoch = m.Zxid, m.Epoch
		h.state = hsEpochAcked
		if !ld.epochAckQuorum {
			if !h.observer && (m.Epoch > ld.summaryEpoch || (m.Epoch == ld.summaryEpoch && m.Zxid > ld.summaryZxid)) {
				// A voter knows more than we do: we were wrongly elected. Start over.
				n.becomeLooking()
				return
			}
			n.maybeEpochAckQuorum()
			return
		}
		n.syncLearner(h)
	case MsgAck:
		n.stepAck(h, m.Zxid)
	case MsgPing:
	}
}

// stepDownForEpoch: a learner arrived after our epoch was fixed and has promised a later
// epoch to another candidate (it acknowledged that candidate's LEADERINFO, or was the
// candidate). It will refuse our LEADERINFO, go LOOKING, find us leading again through the
// out-of-election votes and come back, forever: ZooKeeper's Leader.getEpochToPropose
// raises the epoch only while a quorum is still connecting, and Learner.registerWithLeader
// refuses a leader's epoch below its acceptedEpoch, so ZooKeeper leaves such a server out
// until the leader loses its quorum. We give up leading instead and remember its epoch in
// epochFloor: the next discovery proposes above it (above everyone's acceptedEpoch if we
// are re-elected, and each such step-down raises the epoch, so it ends). Found by the
// simulator with ElectionWake on (seed 1349; testdata/stranded_epoch.txt).
func (n *Node) stepDownForEpoch(h *learnerHandler) {
	n.epochFloor = max(n.epochFloor, h.acceptedEpoch)
	n.becomeLooking()
}

func (n *Node) knows(id uint64) bool {
	if n.q.isVoter(id) {
		return true
	}
	for _, o := range n.cfg.Observers {
		if o == id {
			return true
		}
	}
	return false
}

func (n *Node) stepAck(h *learnerHandler, z Zxid) {
	ld := n.ld
	if z == MakeZxid(ld.epoch, 0) {
		if h.state != hsSyncing {
			return
		}
		h.state = hsAckedNewLeader
		if ld.established {
			n.sendUpToDate(h)
		} else {
			n.maybeEstablish()
		}
		return
	}
	if h.observer || z.Epoch() != ld.epoch || h.state < hsSyncing {
		return
	}
	if z > n.log.last() {
		panic(fmt.Sprintf("zab: server %d acknowledged %s beyond leader's last %s", h.id, z.Short(), n.log.last().Short()))
	}
	if z > h.acked {
		h.acked = z
		n.maybeCommit()
	}
}

func (n *Node) tickLeader() {
	ld := n.ld
	for _, h := range ld.sorted() {
		id := h.id
		limit := int64(n.cfg.InitLimitTicks)
		if h.state == hsUpToDate {
			limit = int64(n.cfg.SyncLimitTicks)
		}
		if n.tick-h.lastHeard > limit {
			delete(ld.learners, id) // silent past its limit: drop the connection
			continue
		}
		n.sendTo(h, Message{Type: MsgPing, Zxid: n.log.last()})
	}
	if !ld.established {
		if n.tick-ld.phaseStart > int64(n.cfg.InitLimitTicks) {
			n.becomeLooking()
		}
		return
	}
	// Leader.lead's loop: keep leading only while a quorum of voters (of every config in
	// force) is synced and in touch.
	if !n.quorumsHave(n.syncedVoters()) {
		n.becomeLooking()
	}
}
