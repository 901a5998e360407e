package quorum

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zkensemble/zkensemble/pkg/zab"
)

// Member runs one zab.Node: a goroutine that owns it, ticks it every TickTime, feeds it what
// the two ports receive, and carries out its Ready (persist → send → apply → Advance).
type Member struct {
	cfg    Config
	logger *slog.Logger
	st     *Storage
	node   *zab.Node
	enet   *electionNet
	qnet   *quorumNet
	book   *peerBook // every member address we know (reconfig.go)

	inbox chan zab.Message
	// lost holds the learner links closed since the driver last looked; lostSig (capacity
	// one) wakes it. A list, not a channel of links: closing must never block or be lost.
	lostMu    sync.Mutex
	lost      []lostLink
	lostSig   chan struct{}
	proposals chan proposal
	stop      chan struct{}
	done      chan struct{}
	stopOnce  sync.Once

	status atomic.Pointer[Status]
	// entrySyncs counts the Persists that appended log entries and fsynced them: with group
	// commit, clearly fewer than the txns proposed under concurrent load (EntrySyncs).
	entrySyncs atomic.Uint64
	lastSync   atomic.Int32 // zab.MessageType of the last DIFF/TRUNC/SNAP received
	errMu      sync.Mutex
	err        error

	// Driver-goroutine state.
	ticks            int64
	parked           []parkedInfo // FOLLOWERINFOs that arrived before we knew we lead
	learnerConn      uint64       // our current link to a leader, 0 if none
	wakeT            *time.Ticker // electionWake while LOOKING, if TickTime is longer
	wakeC            <-chan time.Time
	appliedSinceSnap int
	configVersion    zab.Zxid // the active config version last told to OnConfig

	// link is learnerConn and its leader for Forward, which runs on other goroutines.
	link atomic.Pointer[learnerLink]
	// touches are the sessions touched since the last PING to the leader (Touch).
	touchMu sync.Mutex
	touches map[int64]int32
}

type learnerLink struct{ leader, conn uint64 }

// lostLink is a closed quorum connection: its id (zab's Conn) and the peer at its far end.
type lostLink struct{ conn, peer uint64 }

type proposal struct {
	data  [][]byte
	reply chan proposeResult
}

type proposeResult struct {
	zxids []zab.Zxid
	err   error
}

// parkedInfo is a learner's opening packet that arrived while we were still electing: the
// learner decided before we did. ZooKeeper's learner retries its connect until the leader
// listens; we hold the packet instead and step it once we lead (or drop the link if we
// follow, or after initLimit).
type parkedInfo struct {
	m  zab.Message
	at int64
}

// inboxLen bounds received messages waiting for the driver; quorum readers block on it
// (backpressure to TCP), election readers drop (notifications are lossy anyway).
const inboxLen = 4096

// electionWake is FastLeaderElection's finalizeWait and first notTimeout (200 ms). While
// LOOKING with a longer TickTime, the member calls zab.Node.ElectionWake this often, so
// ending an election and resending a vote do not wait for a tick (2 s by default).
const electionWake = 200 * time.Millisecond

// maxReadyRounds bounds the Ready loop of one driver turn; zab settles in a few.
const maxReadyRounds = 64

// Start opens the member's storage, restores its snapshot, binds its ports and starts it
// LOOKING. Stop releases everything.
func Start(c Config) (*Member, error) {
	cfg := c.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	logger := cfg.Logger.With("myid", cfg.ID)
	cfg.Logger = logger
	self, _ := cfg.peer(cfg.ID)
	st, err := OpenStorage(cfg.Dir, *cfg.LogOptions, logger)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Member, error) {
		_ = st.Close()
		if cfg.QuorumListener != nil {
			_ = cfg.QuorumListener.Close()
		}
		if cfg.ElectionListener != nil {
			_ = cfg.ElectionListener.Close()
		}
		return nil, err
	}
	snap, _ := st.Snapshot()
	if snap.Zxid != 0 || snap.Data != nil {
		// zab.NewNode expects the state machine to hold the stored snapshot already.
		if err := cfg.RestoreSnapshot(snap); err != nil {
			return fail(fmt.Errorf("quorum: restoring snapshot %s: %w", snap.Zxid, err))
		}
	}
	voters, observers := cfg.voters()
	book := newPeerBook(cfg.Peers)
	zc := zab.Config{
		ID: cfg.ID, Voters: voters, Observers: observers,
		ElectionTimeoutTicks: cfg.ElectionTimeoutTicks, InitLimitTicks: cfg.InitLimit, SyncLimitTicks: cfg.SyncLimit,
		Rand: rand.New(rand.NewPCG(cfg.Seed, cfg.ID)), Storage: st,
	}
	if cfg.ReconfigEnabled {
		zc.Reconfig = book.zabReconfig(cfg.DecodeReconfig)
		zc.ConfigVersion = cfg.ConfigVersion
		if sc := cfg.SnapshotConfig; sc != nil {
			zc.SnapshotMembership = func(s zab.Snapshot) (zab.Membership, bool) {
				ps, v, ok := sc(s)
				if !ok {
					return zab.Membership{}, false
				}
				book.add(ps)
				return membershipOf(ps, v), true
			}
		}
	}
	node, err := zab.NewNode(zc)
	if err != nil {
		return fail(err)
	}
	qln, eln := cfg.QuorumListener, cfg.ElectionListener
	if qln == nil {
		if qln, err = net.Listen("tcp", self.QuorumAddr); err != nil {
			return fail(fmt.Errorf("quorum: listen on quorum port: %w", err))
		}
	}
	if eln == nil {
		if eln, err = net.Listen("tcp", self.ElectionAddr); err != nil {
			_ = qln.Close()
			return fail(fmt.Errorf("quorum: listen on election port: %w", err))
		}
	}
	m := &Member{
		cfg: cfg, logger: logger, st: st, node: node, book: book,
		inbox:     make(chan zab.Message, inboxLen),
		lostSig:   make(chan struct{}, 1),
		proposals: make(chan proposal, 1024),
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	m.enet = newElectionNet(&cfg, book, eln, m.deliverElection)
	m.qnet = newQuorumNet(&cfg, book, qln, m.deliverQuorum)
	m.configVersion = cfg.ConfigVersion
	m.noteConfig()
	m.qnet.onLost = m.linkClosed
	m.publish()
	m.enet.start()
	m.qnet.start()
	go m.run()
	return m, nil
}

func (m *Member) deliverElection(msg zab.Message) {
	select {
	case m.inbox <- msg:
	default:
	}
}

// linkClosed queues a closed quorum connection for the driver; any goroutine, never blocks.
func (m *Member) linkClosed(conn, peer uint64) {
	m.lostMu.Lock()
	m.lost = append(m.lost, lostLink{conn: conn, peer: peer})
	m.lostMu.Unlock()
	select {
	case m.lostSig <- struct{}{}:
	default:
	}
}

// stepLost reports every closed link to zab on the driver goroutine. A learner whose leader
// link broke goes LOOKING now rather than after syncLimit; a leader drops the learner. zab
// ignores links that are no longer current (the ones hygiene closed, for instance).
func (m *Member) stepLost() {
	m.lostMu.Lock()
	ls := m.lost
	m.lost = nil
	m.lostMu.Unlock()
	for _, l := range ls {
		m.node.LinkLost(l.peer, l.conn)
	}
}

func (m *Member) deliverQuorum(msg zab.Message) bool {
	select {
	case m.inbox <- msg:
		return true
	case <-m.stop:
		return false
	}
}

// Propose hands data to the leader's ZAB as the next txn and returns its zxid once it is
// queued for the followers and the local log (not once it commits: Apply says that). On any
// member but the established leader it fails with a *NotLeaderError naming the leader.
func (m *Member) Propose(data []byte) (zab.Zxid, error) {
	zs, err := m.ProposeBatch([][]byte{data})
	if err != nil {
		return 0, err
	}
	return zs[0], nil
}

// ProposeBatch is Propose for several txns at once, in order, in one driver turn (so one
// fsync of the leader's log covers them all). On an error, the zxids of the txns that were
// proposed before it are returned with it.
func (m *Member) ProposeBatch(data [][]byte) ([]zab.Zxid, error) {
	reply := make(chan proposeResult, 1)
	select {
	case m.proposals <- proposal{data: data, reply: reply}:
	case <-m.done:
		return nil, m.stoppedErr()
	}
	select {
	case r := <-reply:
		return r.zxids, r.err
	case <-m.done:
		return nil, m.stoppedErr()
	}
}

// Forward sends a client request to the leader over this learner's link (REQUEST). It fails
// with a *NotLeaderError (Leader 0) when the member is not a learner in broadcast.
func (m *Member) Forward(r Request) error {
	st := m.Status()
	l := m.link.Load()
	if !st.Established || (st.Role != zab.RoleFollowing && st.Role != zab.RoleObserving) || l == nil || l.leader != st.Leader {
		return &NotLeaderError{}
	}
	m.qnet.send(zab.Message{Type: msgRequest, To: l.leader, Conn: l.conn, Data: encodeRequest(r)})
	return nil
}

// Touch records activity of sessions on this learner; the next PING to the leader carries
// them (and forgets them). A no-op on the leader.
func (m *Member) Touch(ts []SessionTouch) {
	m.touchMu.Lock()
	defer m.touchMu.Unlock()
	if m.touches == nil {
		m.touches = map[int64]int32{}
	}
	for _, t := range ts {
		m.touches[t.SessionID] = t.TimeoutMillis
	}
}

func (m *Member) takeTouches() []SessionTouch {
	m.touchMu.Lock()
	defer m.touchMu.Unlock()
	out := make([]SessionTouch, 0, len(m.touches))
	for id, to := range m.touches {
		out = append(out, SessionTouch{SessionID: id, TimeoutMillis: to})
	}
	clear(m.touches)
	return out
}

// SendSync answers a learner's forwarded sync (on the leader). The caller must send it only
// after the leader applied r.Zxid: the COMMITs up to it are then already queued on the same
// link, ahead of it. False when the learner has no link to us.
func (m *Member) SendSync(to uint64, r SyncReply) bool {
	return m.qnet.sendToLearner(to, encodeSync(r))
}

func (m *Member) stoppedErr() error {
	m.errMu.Lock()
	defer m.errMu.Unlock()
	if m.err != nil {
		return fmt.Errorf("%w: %w", ErrStopped, m.err)
	}
	return ErrStopped
}

// Err is the fatal error that stopped the member, if any.
func (m *Member) Err() error {
	m.errMu.Lock()
	defer m.errMu.Unlock()
	return m.err
}

// Done is closed when the member's goroutine has exited (Stop, or a fatal storage error).
func (m *Member) Done() <-chan struct{} { return m.done }

// Stop ends the member: the driver goroutine, both ports and all connections, then the
// storage. Safe to call more than once.
func (m *Member) Stop() error {
	m.stopOnce.Do(func() { close(m.stop) })
	<-m.done
	return m.Err()
}

// Status is the member's latest state, updated after every driver turn.
func (m *Member) Status() Status { return *m.status.Load() }

// EntrySyncs is how many times this member has fsynced newly appended log entries (one per
// driver turn that wrote any). Tests use it to check that concurrent writes share fsyncs.
func (m *Member) EntrySyncs() uint64 { return m.entrySyncs.Load() }

// SyncMode is how this member last synced with a leader: zab.MsgDiff, MsgTrunc or MsgSnap,
// 0 if it never did (ZooKeeper's QuorumPeer.SyncMode, kept after the sync ends).
func (m *Member) SyncMode() zab.MessageType { return zab.MessageType(m.lastSync.Load()) }

func (m *Member) publish() {
	s := statusOf(m.node.Status())
	m.status.Store(&s)
}

func (m *Member) run() {
	defer close(m.done)
	defer func() {
		m.enet.close()
		m.qnet.close()
		if err := m.st.Close(); err != nil {
			m.logger.Warn("quorum: closing storage", "err", err)
		}
		s := m.Status()
		s.Role, s.Phase, s.Leader, s.Stopped = zab.RoleLooking, zab.PhaseElection, 0, true
		m.status.Store(&s)
	}()
	ticker := time.NewTicker(m.cfg.TickTime)
	defer ticker.Stop()
	if err := m.handleReady(); err != nil {
		m.fatal(err)
		return
	}
	m.armWake()
	for {
		select {
		case <-m.stop:
			return
		case <-ticker.C:
			m.ticks++
			m.node.Tick()
			m.expireParked()
		case msg := <-m.inbox:
			m.step(msg)
			// Take what else has arrived: one Ready, one fsync for all of it.
			for i := 0; i < 256; i++ {
				select {
				case msg = <-m.inbox:
					m.step(msg)
					continue
				default:
				}
				break
			}
		case <-m.lostSig:
			m.stepLost()
		case <-m.wakeC:
			m.node.ElectionWake()
		case p := <-m.proposals:
			m.propose(p)
			for i := 0; i < 1024; i++ {
				select {
				case p = <-m.proposals:
					m.propose(p)
					continue
				default:
				}
				break
			}
		}
		if err := m.handleReady(); err != nil {
			m.fatal(err)
			return
		}
		m.hygiene()
		if err := m.handleReady(); err != nil {
			m.fatal(err)
			return
		}
		m.publish()
		m.armWake()
	}
}

// noteConfig tells OnConfig when zab's active config changed (reconfig only).
func (m *Member) noteConfig() {
	if !m.cfg.ReconfigEnabled {
		return
	}
	active, _ := m.node.Membership()
	if active.Version == m.configVersion {
		return
	}
	m.configVersion = active.Version
	peers := m.book.members(active)
	m.logger.Info("quorum: config activated", "version", active.Version.String(), "config", active.String())
	if m.cfg.OnConfig != nil {
		m.cfg.OnConfig(peers, active.Version)
	}
}

// armWake runs the electionWake ticker while zab is LOOKING and stops it otherwise.
func (m *Member) armWake() {
	looking := m.node.Status().Role == zab.RoleLooking && m.cfg.TickTime > electionWake
	switch {
	case looking && m.wakeC == nil:
		m.wakeT = time.NewTicker(electionWake)
		m.wakeC = m.wakeT.C
	case !looking && m.wakeC != nil:
		m.wakeT.Stop()
		m.wakeC = nil
	}
}

// fatal stops the member on a storage failure: as ZooKeeper exits when it cannot write its
// log, a member that cannot persist must not acknowledge anything again.
func (m *Member) fatal(err error) {
	m.logger.Error("quorum: fatal error, member stopping", "err", err)
	m.errMu.Lock()
	m.err = err
	m.errMu.Unlock()
}

func (m *Member) propose(p proposal) {
	var r proposeResult
	for _, d := range p.data {
		z, err := m.node.Propose(d)
		if errors.Is(err, zab.ErrNotLeader) {
			err = &NotLeaderError{Leader: m.node.Status().LeaderID}
		}
		if err != nil {
			r.err = err
			break
		}
		r.zxids = append(r.zxids, z)
	}
	p.reply <- r
}

func (m *Member) step(msg zab.Message) {
	switch msg.Type {
	case zab.MsgDiff, zab.MsgTrunc, zab.MsgSnap:
		m.lastSync.Store(int32(msg.Type))
	}
	if msg.Type == zab.MsgNewLeader && m.cfg.ReconfigEnabled {
		// A 3.5+ NEWLEADER carries the leader's config as text.
		msg.Config = m.book.readConfig(msg.Data)
	}
	if msg.Type == zab.MsgFollowerInfo || msg.Type == zab.MsgObserverInfo {
		switch m.node.Status().Role {
		case zab.RoleLeading:
		case zab.RoleLooking:
			m.parked = append(m.parked, parkedInfo{m: msg, at: m.ticks})
			return
		default:
			m.qnet.closeWhere(func(id, _ uint64, _ bool) bool { return id == msg.Conn })
			return
		}
	}
	if err := m.node.Step(msg); err != nil {
		m.logger.Warn("quorum: message refused by zab", "msg", msg.String(), "err", err)
	}
}

func (m *Member) expireParked() {
	keep := m.parked[:0]
	for _, p := range m.parked {
		if m.ticks-p.at > int64(m.cfg.InitLimit) {
			conn := p.m.Conn
			m.qnet.closeWhere(func(id, _ uint64, _ bool) bool { return id == conn })
			continue
		}
		keep = append(keep, p)
	}
	m.parked = keep
}

// hygiene closes the links the node's role no longer uses, so a peer never waits on a link
// nobody reads, and steps parked learner packets once we lead.
func (m *Member) hygiene() {
	s := m.node.Status()
	parked := map[uint64]bool{}
	if s.Role == zab.RoleLeading && len(m.parked) > 0 {
		ps := m.parked
		m.parked = nil
		for _, p := range ps {
			if err := m.node.Step(p.m); err != nil {
				m.logger.Warn("quorum: message refused by zab", "msg", p.m.String(), "err", err)
			}
		}
	}
	if s.Role == zab.RoleLooking {
		for _, p := range m.parked {
			parked[p.m.Conn] = true
		}
	} else if s.Role != zab.RoleLeading && len(m.parked) > 0 {
		m.parked = nil
	}
	learning := s.Role == zab.RoleFollowing || s.Role == zab.RoleObserving
	if !learning {
		m.learnerConn = 0
	}
	if m.learnerConn == 0 {
		m.link.Store(nil)
	}
	m.qnet.closeWhere(func(id, _ uint64, inbound bool) bool {
		if inbound {
			return s.Role != zab.RoleLeading && !parked[id]
		}
		return id != m.learnerConn
	})
}

// handleReady carries out the node's Ready until it has none: persist (durable before any
// message leaves), send, restore/apply, Advance; then snapshot if SnapCount says so.
func (m *Member) handleReady() error {
	for i := 0; i < maxReadyRounds; i++ {
		rd, ok := m.node.Ready()
		if !ok {
			break
		}
		early := sendsBeforePersist(m.node.Status(), rd)
		if early {
			m.sendAll(rd.Messages)
		}
		if err := m.st.Persist(rd.Persist); err != nil {
			return err
		}
		if !early {
			m.sendAll(rd.Messages)
		}
		if len(rd.Persist.Entries) > 0 && rd.Persist.MustSync {
			m.entrySyncs.Add(1)
		}
		if rd.Persist.Snapshot != nil {
			if err := m.cfg.RestoreSnapshot(*rd.Persist.Snapshot); err != nil {
				return fmt.Errorf("quorum: restoring the leader's snapshot %s: %w", rd.Persist.Snapshot.Zxid, err)
			}
			m.appliedSinceSnap = 0
		}
		if len(rd.CommittedEntries) > 0 {
			m.cfg.Apply(rd.CommittedEntries)
			m.appliedSinceSnap += len(rd.CommittedEntries)
		}
		m.node.Advance(rd)
	}
	// Before any snapshot: the caller records an activated config (its dynamic config file)
	// before a snapshot can fold the reconfig txn away from the log, so a restart finds it.
	m.noteConfig()
	if m.cfg.SnapCount > 0 && m.appliedSinceSnap >= m.cfg.SnapCount {
		applied := m.node.Status().AppliedZxid
		data, err := m.cfg.TakeSnapshot()
		if err != nil {
			m.logger.Warn("quorum: taking a snapshot failed; will retry", "err", err)
			return nil
		}
		if err := m.st.CreateSnapshot(applied, data); err != nil {
			return err
		}
		m.appliedSinceSnap = 0
	}
	return nil
}

func (m *Member) sendAll(msgs []zab.Message) {
	for _, msg := range msgs {
		m.send(msg)
	}
}

// sendsBeforePersist reports whether rd's messages may leave before its Persist is durable:
// on an established leader whose messages are only PROPOSAL, COMMIT, INFORM and PING. The
// leader then writes its log while the followers write theirs (ZooKeeper's leader queues a
// proposal to its followers and to its own SyncRequestProcessor at once; Raft thesis
// §10.2.1). Safe because nothing here promises the leader's disk: zab counts the leader's
// own ack only in Advance, after Persist (leaderPersisted), a COMMIT or INFORM names txns a
// quorum already holds on disk, and CommittedEntries are applied, hence answered, only
// after Persist. Everything else keeps zab.Ready's rule (persist, then send): a learner's
// ACK and ACKEPOCH promise its disk, and the sync phase's packets stay in order behind the
// epoch files.
func sendsBeforePersist(st zab.Status, rd zab.Ready) bool {
	if st.Role != zab.RoleLeading || !st.Established || len(rd.Messages) == 0 ||
		rd.Persist.Snapshot != nil || rd.Persist.TruncateAfter != nil ||
		rd.Persist.AcceptedEpoch != 0 || rd.Persist.CurrentEpoch != 0 {
		return false
	}
	for _, msg := range rd.Messages {
		switch msg.Type {
		case zab.MsgProposal, zab.MsgCommit, zab.MsgInform, zab.MsgPing:
		default:
			return false
		}
	}
	return true
}

func (m *Member) send(msg zab.Message) {
	if msg.Type.IsElection() {
		m.enet.send(msg)
		return
	}
	if msg.Type == zab.MsgFollowerInfo || msg.Type == zab.MsgObserverInfo {
		m.learnerConn = msg.Conn
		m.link.Store(&learnerLink{leader: msg.To, conn: msg.Conn})
	}
	if msg.Type == zab.MsgNewLeader && msg.Config != nil {
		msg.Data = m.book.wireConfig(msg.Config)
	}
	if msg.Type == zab.MsgPing && msg.Conn == m.learnerConn && m.learnerConn != 0 {
		// Our answer to the leader's PING carries the sessions our clients touched.
		msg.Data = EncodeTouches(m.takeTouches())
	}
	m.qnet.send(msg)
}
