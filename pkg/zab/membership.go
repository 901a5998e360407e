package zab

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Dynamic membership (ZooKeeper 3.5+ reconfig, zookeeperReconfig.md). Membership is
// replicated data: a reconfig txn carries the new config and its zxid is the config's
// version. The caller's Config.Reconfig decodes such a txn out of the opaque entry bytes;
// zab never looks inside otherwise.
//
// The rules, from ZooKeeper's Leader/QuorumPeer and the reconfig paper (Shraer et al.,
// "Dynamic Reconfiguration of Primary/Backup Clusters", USENIX ATC 2012):
//   - a config is active on a server once its txn is committed there, in log order (leader
//     and learners alike, also when learned through sync or replayed after a restart);
//   - while a reconfig txn is logged but not committed (pending), it and every later txn
//     need a quorum of the active AND of the pending voters (Proposal.qvAcksetPairs), and so
//     do discovery and NEWLEADER of a leader whose history holds it;
//   - one reconfig in flight at a time (ReconfigInProgress); the leader refuses a config
//     without a quorum of new voters synced with it (NewConfigNoQuorum);
//   - servers outside the config may follow without a vote (non-voting followers): a
//     joining server connects before it is added, a removed one keeps following;
//   - a LOOKING server adopts a newer active config it hears of in a notification
//     (FastLeaderElection compares the config version carried in notifications).

// Membership is one version of the ensemble's config: who votes and who observes.
type Membership struct {
	Voters    []uint64
	Observers []uint64
	// Version is the zxid of the reconfig txn that made this config; 0 for a static config
	// nothing has replaced (ZooKeeper's QuorumVerifier.getVersion).
	Version Zxid
}

func (m Membership) String() string {
	ids := func(xs []uint64) string {
		s := make([]string, len(xs))
		for i, x := range xs {
			s[i] = fmt.Sprint(x)
		}
		return strings.Join(s, ",")
	}
	out := fmt.Sprintf("v%s voters=%s", m.Version.Short(), ids(m.Voters))
	if len(m.Observers) > 0 {
		out += " observers=" + ids(m.Observers)
	}
	return out
}

// Validate checks what any config must satisfy: at least one voter, no id 0, no id twice.
func (m Membership) Validate() error {
	if len(m.Voters) == 0 {
		return fmt.Errorf("%w: no voters", ErrInvalidConfig)
	}
	seen := map[uint64]bool{}
	for _, id := range append(slices.Clone(m.Voters), m.Observers...) {
		if id == 0 || seen[id] {
			return fmt.Errorf("%w: server id %d is 0 or listed twice", ErrInvalidConfig, id)
		}
		seen[id] = true
	}
	return nil
}

func (m Membership) clone() Membership {
	return Membership{Voters: slices.Clone(m.Voters), Observers: slices.Clone(m.Observers), Version: m.Version}
}

func (m Membership) hasObserver(id uint64) bool { return slices.Contains(m.Observers, id) }

func (n *Node) reconfigEnabled() bool { return n.cfg.Reconfig != nil }

// reconfigOf decodes e as a reconfig txn.
func (n *Node) reconfigOf(e Entry) (Membership, bool) {
	if n.cfg.Reconfig == nil {
		return Membership{}, false
	}
	m, ok := n.cfg.Reconfig(e.Data)
	if !ok {
		return Membership{}, false
	}
	m = m.clone()
	m.Version = e.Zxid
	return m, true
}

// initMembership derives the active config at start: the static one, replaced by the one
// folded into the snapshot if newer, then by every committed reconfig txn in the log;
// reconfig txns after the commit point are pending. So a restarted server comes back with
// the membership its own durable history says, whatever file the caller read.
func (n *Node) initMembership() {
	n.active = Membership{Voters: slices.Clone(n.cfg.Voters), Observers: slices.Clone(n.cfg.Observers), Version: n.cfg.ConfigVersion}
	n.q = newQuorum(n.active.Voters)
	if !n.reconfigEnabled() {
		return
	}
	snap := must(n.cfg.Storage.Snapshot())
	if n.cfg.SnapshotMembership != nil {
		if m, ok := n.cfg.SnapshotMembership(snap); ok && m.Version > n.active.Version {
			n.setActive(m)
		}
	}
	// Read in chunks: the log after a snapshot may be long.
	after, last := snap.Zxid, n.log.last()
	for after < last {
		es, err := n.cfg.Storage.Entries(after, last, 1024)
		if err != nil || len(es) == 0 {
			must(es, err)
			break
		}
		for _, e := range es {
			if m, ok := n.reconfigOf(e); ok {
				if e.Zxid <= n.committed {
					n.setActive(m)
				} else {
					n.pending = append(n.pending, m)
				}
			}
		}
		after = es[len(es)-1].Zxid
	}
}

// rescanPending rebuilds the pending configs from the log after the commit point (after
// becomeLooking dropped what was not handed out).
func (n *Node) rescanPending() {
	if !n.reconfigEnabled() {
		return
	}
	n.pending = nil
	for _, e := range n.log.entries(n.committed, n.log.last()) {
		if m, ok := n.reconfigOf(e); ok && m.Version > n.active.Version {
			n.pending = append(n.pending, m)
		}
	}
}

// appendEntry logs e and notes it as a pending config if it is a reconfig txn.
func (n *Node) appendEntry(e Entry) {
	n.log.append(e)
	if m, ok := n.reconfigOf(e); ok && m.Version > n.active.Version {
		n.pending = append(n.pending, m)
	}
}

// truncateAfter drops the log after z and the pending configs with it.
func (n *Node) truncateAfter(z Zxid) {
	n.log.truncateAfter(z)
	keep := n.pending[:0]
	for _, p := range n.pending {
		if p.Version <= z {
			keep = append(keep, p)
		}
	}
	n.pending = keep
}

func (n *Node) setActive(m Membership) {
	n.active = m
	n.q = newQuorum(m.Voters)
	keep := n.pending[:0]
	for _, p := range n.pending {
		if p.Version > m.Version {
			keep = append(keep, p)
		}
	}
	n.pending = keep
}

// commitTo raises the commit point to z and activates, in log order, every pending config
// at or below it. A voter dropped from the config stops counting at once.
func (n *Node) commitTo(z Zxid) {
	if z <= n.committed {
		return
	}
	n.committed = z
	for len(n.pending) > 0 && n.pending[0].Version <= z {
		n.activate(n.pending[0])
	}
}

// activate makes m the active config and decides what the new config means for our role:
// a leader that is no longer a voter steps down; a learner whose leader is no longer a
// voter, or whose connection type (follower/observer) no longer matches its place in the
// config, reconnects. Both happen after the current Ready is handled (Advance), so the
// COMMITs and ACKs already queued still leave. ZooKeeper's leader instead hands off to a
// designated leader with COMMITANDACTIVATE (Leader.getDesignatedLeader); we go through an
// election, which picks an up-to-date voter of the new config as well.
func (n *Node) activate(m Membership) {
	if m.Version <= n.active.Version {
		return
	}
	n.setActive(m)
	switch n.role {
	case RoleLeading:
		if !n.q.isVoter(n.cfg.ID) {
			n.leaveAfterAdvance = true
		}
	case RoleFollowing, RoleObserving:
		if !n.q.isVoter(n.lr.leader) || (n.role == RoleObserving) != n.isObserver() {
			n.leaveAfterAdvance = true
		}
	}
}

// adoptConfig: a notification told us of a newer active config. A config is active only
// once committed, so it is safe to take it before our log has its txn. It reports whether
// it took it.
func (n *Node) adoptConfig(m *Membership) bool {
	if m == nil || !n.reconfigEnabled() || m.Version <= n.active.Version || m.Validate() != nil {
		return false
	}
	n.setActive(m.clone())
	return true
}

// configForWire is the active config to attach to notifications (nil without reconfig).
func (n *Node) configForWire() *Membership {
	if !n.reconfigEnabled() {
		return nil
	}
	m := n.active.clone()
	return &m
}

// electionPeers is every voter of the active and the pending configs, sorted: notifications
// go to all of them (FastLeaderElection's getCurrentAndNextConfigVoters).
func (n *Node) electionPeers() []uint64 {
	if len(n.pending) == 0 {
		return n.q.ids
	}
	set := map[uint64]bool{}
	for _, v := range n.q.ids {
		set[v] = true
	}
	for _, p := range n.pending {
		for _, v := range p.Voters {
			set[v] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// quorumsHave reports whether ids hold a quorum of the active config and of every pending
// one: what discovery, NEWLEADER and staying leader need (Leader's SyncedLearnerTracker
// with the last seen QuorumVerifier added when its version is newer).
func (n *Node) quorumsHave(ids map[uint64]bool) bool {
	if !n.q.has(ids) {
		return false
	}
	for _, p := range n.pending {
		if !newQuorum(p.Voters).has(ids) {
			return false
		}
	}
	return true
}

// commitIndex is the largest zxid whose commit rule holds: a quorum of the active config,
// and for a pending reconfig txn and everything after it also a quorum of its new voters.
// Txns before the reconfig txn need only the config they were proposed under.
func (n *Node) commitIndex(acked map[uint64]Zxid) Zxid {
	c := n.q.committedIndex(acked)
	for _, p := range n.pending {
		if c < p.Version {
			break
		}
		pc := newQuorum(p.Voters).committedIndex(acked)
		if pc >= p.Version {
			c = min(c, pc)
			continue
		}
		// Everything before the reconfig txn may commit. A leader numbers its epoch densely,
		// so that is p.Version-1, unless p is the epoch's first txn (then nothing new).
		if p.Version.Counter() > 1 {
			return p.Version - 1
		}
		return n.committed
	}
	return c
}

// checkReconfig is the leader's admission of a new config (PrepRequestProcessor and
// Leader.propose): one at a time, and a quorum of its voters must be synced with us now,
// or it could never commit.
func (n *Node) checkReconfig(m Membership) error {
	if len(n.pending) > 0 {
		return ErrReconfigInProgress
	}
	if err := m.Validate(); err != nil {
		return err
	}
	if !newQuorum(m.Voters).has(n.syncedVoters()) {
		return ErrNewConfigNoQuorum
	}
	return nil
}

// syncedVoters is the leader with every follower connection past NEWLEADER: the servers
// whose ACKs can count (observers never do).
func (n *Node) syncedVoters() map[uint64]bool {
	ids := map[uint64]bool{n.cfg.ID: true}
	for id, h := range n.ld.learners {
		if !h.observer && h.state >= hsAckedNewLeader {
			ids[id] = true
		}
	}
	return ids
}

// Membership is the active config and the pending ones (logged, not yet committed).
func (n *Node) Membership() (active Membership, pending []Membership) {
	for _, p := range n.pending {
		pending = append(pending, p.clone())
	}
	return n.active.clone(), pending
}
