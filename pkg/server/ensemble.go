package server

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zkensemble/zkensemble/pkg/fourlw"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
	"github.com/zkensemble/zkensemble/pkg/quorum"
	"github.com/zkensemble/zkensemble/pkg/txnlog"
	"github.com/zkensemble/zkensemble/pkg/zab"
)

// EnsembleConfig makes the server a member of a replicated ensemble (docs/replication.md).
type EnsembleConfig struct {
	// Peers are every member (zoo.cfg's server lines), this one included; Config.ServerID
	// names this one.
	Peers []quorum.Peer
	// Dir holds the member's durable ZAB state: epoch files, snapshot, txn log (pkg/quorum).
	Dir string
	// LogOptions configure the member's txn log; nil means txnlog.DefaultOptions().
	LogOptions *txnlog.Options
	// InitLimit and SyncLimit are zoo.cfg's, in ticks of Config.TickTime.
	InitLimit, SyncLimit int
	// SnapCount: the member snapshots the tree every SnapCount applied txns (0: never).
	SnapCount int
	// ConfigText is what /zookeeper/config holds on every member: zoo.cfg's server lines and
	// config version as zoocfg.ConfigText renders them (QuorumVerifier.toString). Peers lack
	// the client addresses the lines show, so the caller renders it from zoo.cfg.
	ConfigText []byte
	// ConfigVersion is the config version in ConfigText (0 for a static config); ZooKeeper
	// stores it as the node's mzxid.
	ConfigVersion int64
	// ReconfigEnabled is zoo.cfg reconfigEnabled: the reconfig request works and the
	// membership follows committed reconfig txns (ensemble_reconfig.go).
	ReconfigEnabled bool
	// ConfigFile is zoo.cfg's path: with ReconfigEnabled, every activated config is written
	// to <ConfigFile>.dynamic.<version hex> and zoo.cfg pointed at it. "" writes nothing.
	ConfigFile string
	// DynamicFileInPlace, when set, is a dynamicConfigFile whose name carries no version (the
	// operator's /data/zoo.cfg.dynamic next to a read-only zoo.cfg from a ConfigMap): every
	// activated config replaces that file and zoo.cfg is left alone, a zkensemble extension
	// (pkg/cmd seedDynamicConfig). The version is not lost: a restarted member takes the
	// newest config from its snapshot and log.
	DynamicFileInPlace string
	// QuorumListener and ElectionListener, when set, replace listening on this member's
	// addresses (tests bind port 0 first).
	QuorumListener, ElectionListener net.Listener
}

// ensemble is the server's replicated mode: a quorum.Member orders the writes; this type
// wires it into the pipeline. Goroutines:
//   - the member's goroutine calls apply/restore/snapshot (ensemble_apply.go): committed txns
//     are applied and answered right there, in zxid order, so a snapshot always matches the
//     entries handed over;
//   - the processor goroutine (ensemble_process.go) prepares and proposes on the leader, or
//     forwards on a learner;
//   - quorum link readers call onRequest/onTouch (leader) and onSync (learner);
//   - watchTerm (this file) follows the member's role: it opens and closes the client port's
//     service and relays session touches to the leader.
type ensemble struct {
	s      *Server
	cfg    EnsembleConfig
	member *quorum.Member
	voters int

	// memMu guards members: the active config (ensemble_reconfig.go).
	memMu   sync.Mutex
	members membershipState

	// serving is the term the server serves in; a zero term (Role LOOKING) while it does not.
	serving atomic.Pointer[term]

	// pendMu guards the requests waiting for their commit and the syncs waiting for the tree
	// to reach a zxid. Held briefly only; never across a call into the member.
	pendMu      sync.Mutex
	byZxid      map[int64]*request // leader: proposed requests by their zxid
	byKey       map[reqKey]*request
	syncs       []syncWaiter // by zxid, ascending
	appliedDone int64        // every txn up to it is applied and answered

	// Processor goroutine only.
	procTerm     term
	lastProposed int64

	// watchTerm goroutine only: the deadline of each session last relayed to the leader.
	relayed map[int64]int64

	// owners: the leader's record of which server each session is attached to
	// (ensemble_owners.go).
	owners sessionOwners
}

// term identifies one period of serving: a role under one leader in one epoch. Anything
// pending when it ends is answered by closing the client connections.
type term struct {
	role   zab.Role
	leader uint64
	epoch  zab.Epoch
}

func (t term) active() bool { return t.role != zab.RoleLooking }

// reqKey matches a committed txn to the learner's forwarded request (CommitProcessor on a
// follower matches by session id and cxid).
type reqKey struct {
	session int64
	cxid    int32
}

// syncWaiter is a sync waiting until the tree has applied zxid: a local client's request.
type syncWaiter struct {
	zxid int64
	r    *request
}

func termOf(st quorum.Status) term {
	if !st.Established || st.Stopped {
		return term{}
	}
	return term{role: st.Role, leader: st.Leader, epoch: st.CurrentEpoch}
}

// startEnsemble starts the quorum member; it restores the tree through the callbacks.
func (s *Server) startEnsemble(ec EnsembleConfig) error {
	e := &ensemble{s: s, cfg: ec, byZxid: map[int64]*request{}, byKey: map[reqKey]*request{},
		relayed: map[int64]int64{}}
	e.serving.Store(&term{})
	for _, p := range ec.Peers {
		if !p.Observer {
			e.voters++
		}
	}
	e.initMembership()
	s.ens = e
	// QuorumPeerMain fills /zookeeper/config before the peer loads its data; restore sets it
	// again over whatever a snapshot brought.
	s.treeMu.Lock()
	e.initConfigNode(s.tree)
	s.treeMu.Unlock()
	qc := quorum.Config{
		ID:               uint64(s.cfg.ServerID),
		Peers:            ec.Peers,
		Dir:              ec.Dir,
		LogOptions:       ec.LogOptions,
		TickTime:         s.cfg.TickTime,
		InitLimit:        ec.InitLimit,
		SyncLimit:        ec.SyncLimit,
		SnapCount:        ec.SnapCount,
		Apply:            e.apply,
		TakeSnapshot:     e.snapshot,
		RestoreSnapshot:  e.restore,
		OnRequest:        e.onRequest,
		OnSync:           e.onSync,
		OnTouch:          e.onTouch,
		OnRevalidate:     e.onRevalidate,
		QuorumListener:   ec.QuorumListener,
		ElectionListener: ec.ElectionListener,
		Logger:           s.logger,
	}
	if ec.ReconfigEnabled {
		qc.ReconfigEnabled = true
		qc.DecodeReconfig = decodeReconfigTxn
		qc.ConfigVersion = zab.Zxid(ec.ConfigVersion)
		qc.SnapshotConfig = e.snapshotConfig
		qc.OnConfig = e.onConfig
	}
	m, err := quorum.Start(qc)
	if err != nil {
		return fmt.Errorf("server: starting the quorum member: %w", err)
	}
	e.member = m
	return nil
}

// leading reports whether this member serves as the leader: only the leader expires sessions
// and reaps containers (ZooKeeper runs both in the leader's server only).
func (e *ensemble) leading() bool { return e.serving.Load().role == zab.RoleLeading }

// termPollInterval is how often watchTerm looks at the member's role: a fraction of a tick,
// so a lost leader closes client connections well within a session timeout.
func (e *ensemble) termPollInterval() time.Duration {
	return min(max(e.s.cfg.TickTime/10, 5*time.Millisecond), 50*time.Millisecond)
}

// watchTerm follows the member: it starts serving when the member is established (a leader
// with a synced quorum, a learner past UPTODATE) and stops when that ends — closing every
// client connection as ZooKeeper does when its peer leaves broadcast, so the clients
// reconnect (to any member) and learn the fate of their last requests from the data — and,
// on a learner, relays its sessions' activity to the leader once per tick.
func (e *ensemble) watchTerm() {
	t := time.NewTicker(e.termPollInterval())
	defer t.Stop()
	lastRelay := time.Time{}
	for {
		select {
		case <-e.s.stopping:
			return
		case <-t.C:
		}
		e.checkTerm()
		if now := e.s.now(); now.Sub(lastRelay) >= e.s.cfg.TickTime/2 {
			lastRelay = now
			if r := e.serving.Load().role; r == zab.RoleFollowing || r == zab.RoleObserving {
				e.relayTouches()
			}
		}
	}
}

func (e *ensemble) checkTerm() {
	s := e.s
	cur := termOf(e.member.Status())
	select {
	case <-s.stopping:
		cur = term{} // shutting down: never start serving again
	default:
	}
	old := *e.serving.Load()
	if cur == old {
		return
	}
	if old.active() {
		s.serving.Store(false)
		e.serving.Store(&term{})
		s.logger.Warn("no longer serving: the member left broadcast; closing client connections",
			"role", old.role, "epoch", old.epoch, "leader", old.leader)
		e.endTerm()
	}
	if cur.active() {
		e.beginTerm(cur)
		e.serving.Store(&cur)
		s.serving.Store(true)
		s.logger.Info("serving", "role", cur.role, "epoch", cur.epoch, "leader", cur.leader,
			"zxid", hexID(e.appliedZxid()))
	}
}

// endTerm closes every client connection and forgets what was pending: the requests'
// clients are gone, and a txn of theirs that the next leader commits is applied without a
// reply (ZooKeeper's learner closes its clients' connections when it loses the leader).
func (e *ensemble) endTerm() {
	for _, c := range e.s.allConns() {
		c.close("the server lost its quorum role")
	}
	e.pendMu.Lock()
	n := len(e.byKey) + len(e.syncs) + len(e.byZxid)
	clear(e.byKey)
	clear(e.byZxid)
	e.syncs = nil
	e.pendMu.Unlock()
	e.s.stats.outstanding.Add(-int64(n))
}

// beginTerm re-arms every session: a new leader gives each a full timeout from now
// (SessionTrackerImpl is rebuilt and touched on a new leader), and sessions whose close was
// lost with the last term can expire again.
func (e *ensemble) beginTerm(term) {
	s := e.s
	now := s.now().UnixMilli()
	s.sessMu.Lock()
	for _, in := range s.tracker.Sessions() {
		if in.Closing {
			s.tracker.Remove(in.ID)
		}
		s.tracker.Add(in.ID, in.TimeoutMillis, now)
	}
	s.sessMu.Unlock()
}

// relayTouches sends the leader the sessions whose deadline moved since the last relay: a
// client of ours was active (Learner.ping's touch table).
func (e *ensemble) relayTouches() {
	s := e.s
	var ts []quorum.SessionTouch
	s.sessMu.Lock()
	infos := s.tracker.Sessions()
	s.sessMu.Unlock()
	live := make(map[int64]bool, len(infos))
	for _, in := range infos {
		live[in.ID] = true
		if in.DeadlineMillis == 0 || in.Closing || e.relayed[in.ID] == in.DeadlineMillis {
			continue
		}
		e.relayed[in.ID] = in.DeadlineMillis
		ts = append(ts, quorum.SessionTouch{SessionID: in.ID, TimeoutMillis: in.TimeoutMillis})
	}
	for id := range e.relayed {
		if !live[id] {
			delete(e.relayed, id)
		}
	}
	if len(ts) > 0 {
		e.member.Touch(ts)
	}
}

// onTouch (leader, link reader goroutine) takes a learner's touches.
func (e *ensemble) onTouch(_ uint64, ts []quorum.SessionTouch) {
	s := e.s
	now := s.now().UnixMilli()
	s.sessMu.Lock()
	for _, t := range ts {
		s.tracker.Touch(t.SessionID, now)
	}
	s.sessMu.Unlock()
}

// onRequest (leader, link reader goroutine) hands a forwarded request to the processor. A
// createSession registers the session at once and a closeSession marks it closing, as
// handleConnect and handleFrame do for local ones.
func (e *ensemble) onRequest(from uint64, fr quorum.Request) {
	s := e.s
	now := s.now()
	op := protocol.OpCode(fr.Type)
	r := &request{sessionID: fr.SessionID, xid: fr.Cxid, op: op, ids: fr.AuthInfo, start: now, forwardedFrom: from}
	switch op {
	case protocol.OpCreateSession:
		var cs jute.CreateSessionTxn
		if err := jute.Unmarshal(fr.Body, &cs); err != nil {
			s.logger.Warn("malformed forwarded createSession; ignoring it", "learner", from, "err", err)
			return
		}
		r.body, r.timeoutMillis = &cs, cs.TimeOut
		s.sessMu.Lock()
		s.tracker.Add(fr.SessionID, cs.TimeOut, now.UnixMilli())
		s.sessMu.Unlock()
	case protocol.OpCloseSession:
		s.sessMu.Lock()
		s.tracker.SetClosing(fr.SessionID)
		s.sessMu.Unlock()
	default:
		r.body, r.decodeErr = decodeBody(op, fr.Body)
	}
	s.stats.outstanding.Add(1)
	s.submit(r)
}

// forwardBody is the request record's bytes as the client sent them, for REQUEST.
func forwardBody(r *request) []byte {
	switch {
	case r.decodeErr != nil:
		return nil // the leader's decode fails too: MarshallingError, as here
	case r.op == protocol.OpDeleteContainer:
		if d, ok := r.body.(*jute.DeleteRequest); ok {
			return []byte(d.Path)
		}
	case r.body != nil:
		return jute.Marshal(r.body)
	}
	return nil
}

func (e *ensemble) appliedZxid() int64 {
	e.s.treeMu.RLock()
	defer e.s.treeMu.RUnlock()
	return e.s.tree.LastProcessedZxid()
}

// fillStats adds the ensemble's lines to srvr/stat/mntr.
func (e *ensemble) fillStats(st *fourlw.ServerStats) {
	ms := e.member.Status()
	switch ms.Role {
	case zab.RoleLeading:
		st.Mode = fourlw.ModeLeader
		st.Learners = int64(len(ms.SyncedFollowers) + len(ms.SyncedObservers))
		// zk_synced_followers counts every synced follower, voting or not
		// (LeaderZooKeeperServer: getForwardingFollowers().size()); one outside the active
		// config's voters (joining, or removed) is also a non-voting follower
		// (Leader.getNonVotingFollowers). The operator subtracts the second from the first.
		voters := e.voterIDs()
		st.SyncedFollowers = int64(len(ms.SyncedFollowers))
		for _, id := range ms.SyncedFollowers {
			if !voters[int64(id)] {
				st.SyncedNonVotingFollowers++
			}
		}
		st.SyncedObservers = int64(len(ms.SyncedObservers))
		e.pendMu.Lock()
		st.PendingSyncs = int64(len(e.syncs))
		e.pendMu.Unlock()
	case zab.RoleFollowing:
		st.Mode = fourlw.ModeFollower
	case zab.RoleObserving:
		st.Mode = fourlw.ModeObserver
	}
	st.PeerState = ms.PeerState()
	st.QuorumSize = int64(e.voterCount())
}

// stop ends the member (after the processor has stopped).
func (e *ensemble) stop() {
	if e.member == nil {
		return
	}
	if err := e.member.Stop(); err != nil {
		e.s.logger.Error("quorum member stopped with an error", "err", err)
	}
}
