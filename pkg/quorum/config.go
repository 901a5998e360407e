package quorum

import (
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/zkensemble/zkensemble/pkg/protocol"
	"github.com/zkensemble/zkensemble/pkg/txnlog"
	"github.com/zkensemble/zkensemble/pkg/zab"
	"github.com/zkensemble/zkensemble/pkg/zoocfg"
)

// Peer is one member of the ensemble as the transport sees it.
type Peer struct {
	ID           uint64
	QuorumAddr   string // host:port followers connect to when this peer leads
	ElectionAddr string // host:port of leader election
	Observer     bool
	// Line is the zoo.cfg line it came from (PeersFromServerLines), with its client part, for
	// the config text notifications carry; zero when the peer was built by hand.
	Line zoocfg.ServerLine
}

// PeersFromServerLines maps zoo.cfg's server.N lines onto peers.
func PeersFromServerLines(lines []zoocfg.ServerLine) []Peer {
	out := make([]Peer, 0, len(lines))
	for _, l := range lines {
		out = append(out, Peer{
			ID:           uint64(l.ID),
			QuorumAddr:   net.JoinHostPort(l.Host, strconv.Itoa(l.QuorumPort)),
			ElectionAddr: net.JoinHostPort(l.Host, strconv.Itoa(l.ElectionPort)),
			Observer:     l.Type == zoocfg.Observer,
			Line:         l,
		})
	}
	return out
}

// Defaults.
const (
	// DefaultMaxPacketBytes caps a quorum packet's data: jute.maxbuffer plus the 1024 bytes
	// of slack ZooKeeper allows for the packet's own fields (zookeeper.jute.maxbuffer.extrasize).
	DefaultMaxPacketBytes = protocol.DefaultMaxBufferBytes + 1024
	// DefaultMaxSnapshotBytes caps a snapshot received in SNAP.
	DefaultMaxSnapshotBytes = 4 << 30
	// DefaultSendQueuePackets bounds each quorum connection's send queue; a learner that falls
	// this far behind is disconnected (it resyncs) rather than letting the leader's memory grow.
	DefaultSendQueuePackets = 16384
	// electionQueueLen bounds the notifications waiting for one peer; the oldest go first
	// (QuorumCnxManager keeps one, SEND_CAPACITY; a vote supersedes the ones before it).
	electionQueueLen = 4
)

// Config configures a Member.
type Config struct {
	ID    uint64
	Peers []Peer // every member, this one included
	// Dir holds this member's durable state (epoch files, snapshot, txn log).
	Dir string
	// LogOptions configure the txn log; nil means txnlog.DefaultOptions().
	LogOptions *txnlog.Options

	TickTime  time.Duration
	InitLimit int // ticks: discovery and sync must finish within it (zoo.cfg initLimit)
	SyncLimit int // ticks: silence tolerated in broadcast (zoo.cfg syncLimit)
	// ElectionTimeoutTicks is how long a LOOKING member waits before resending its vote;
	// 0 means about 200 ms (FastLeaderElection's finalizeWait and initial notTimeout), at
	// least one tick.
	ElectionTimeoutTicks int

	MaxPacketBytes   int   // 0: DefaultMaxPacketBytes
	MaxSnapshotBytes int64 // 0: DefaultMaxSnapshotBytes
	SendQueuePackets int   // 0: DefaultSendQueuePackets

	// SnapCount: take a snapshot of the state machine after this many applied txns and let the
	// log drop what it covers (zoo.cfg snapCount); 0 never does.
	SnapCount int

	// Apply receives committed txns in zxid order, exactly once each per process lifetime
	// (a restart delivers the log after the restored snapshot again). Called on the member's
	// goroutine; it must not call back into the Member.
	Apply func([]zab.Entry)
	// TakeSnapshot returns the state machine's bytes as of the last entry Apply received.
	// Needed when SnapCount > 0. Called on the member's goroutine.
	TakeSnapshot func() ([]byte, error)
	// RestoreSnapshot replaces the state machine with snap (at start, and on SNAP sync before
	// the entries that follow it). Called on the member's goroutine.
	RestoreSnapshot func(zab.Snapshot) error

	// OnRequest (on the leader) receives the client requests learners forward (REQUEST); it
	// is called on the link's reader goroutine, in the order the learner sent them, and may
	// block (backpressure on that learner). It must not call Propose and wait.
	OnRequest func(from uint64, r Request)
	// OnSync (on a learner) receives the leader's answers to forwarded syncs, in order with
	// the leader's COMMITs; called on the link's reader goroutine.
	OnSync func(r SyncReply)
	// OnTouch (on the leader) receives the sessions a learner's clients touched, with every
	// PING it answers; called on the link's reader goroutine.
	OnTouch func(from uint64, ts []SessionTouch)
	// OnRevalidate (on the leader) answers a learner's REVALIDATE: whether session sessionID,
	// reconnecting to learner from, is valid (and, if so, now owned by that learner). Called
	// on the link's reader goroutine; it must not block on the member.
	OnRevalidate func(from uint64, sessionID int64, timeoutMillis int32) bool

	// ReconfigEnabled turns on dynamic membership (zoo.cfg reconfigEnabled; reconfig.go).
	// Off, the members are Peers for good, exactly as before.
	ReconfigEnabled bool
	// DecodeReconfig reports whether a txn's bytes are a reconfig txn and the members it
	// installs (with their addresses). Required with ReconfigEnabled. Called on the
	// member's goroutine.
	DecodeReconfig func(data []byte) ([]Peer, bool)
	// ConfigVersion is the version of Peers: 0 for a static config, else the zxid of the
	// reconfig txn that made it (the dynamic config file's name says it).
	ConfigVersion zab.Zxid
	// SnapshotConfig, optional, reports the config folded into a snapshot (the newest
	// reconfig txn at or below its zxid) and its version; ok false when it has none.
	SnapshotConfig func(zab.Snapshot) (peers []Peer, version zab.Zxid, ok bool)
	// OnConfig is told the members and version of the active config each time it changes
	// (a reconfig txn committed, or a newer config taken from the leader or a notification),
	// on the member's goroutine after the Ready that changed it was applied. The caller
	// writes its dynamic config file there.
	OnConfig func(peers []Peer, version zab.Zxid)

	// QuorumListener and ElectionListener, when set, are used instead of listening on this
	// member's addresses (tests bind port 0 first). The member closes them on Stop.
	QuorumListener, ElectionListener net.Listener
	// WrapConn, when set, wraps every connection once its peer is known (fault injection).
	WrapConn func(c net.Conn, local, remote uint64, kind ConnKind) net.Conn
	// Seed seeds zab's randomness (election jitter, connection ids); 0 picks one from the clock.
	Seed   uint64
	Logger *slog.Logger
}

func (c *Config) withDefaults() Config {
	out := *c
	if out.MaxPacketBytes <= 0 {
		out.MaxPacketBytes = DefaultMaxPacketBytes
	}
	if out.MaxSnapshotBytes <= 0 {
		out.MaxSnapshotBytes = DefaultMaxSnapshotBytes
	}
	if out.SendQueuePackets <= 0 {
		out.SendQueuePackets = DefaultSendQueuePackets
	}
	if out.ElectionTimeoutTicks <= 0 && out.TickTime > 0 {
		out.ElectionTimeoutTicks = max(1, int((200*time.Millisecond+out.TickTime-1)/out.TickTime))
	}
	if out.Logger == nil {
		out.Logger = slog.New(slog.DiscardHandler)
	}
	if out.LogOptions == nil {
		o := txnlog.DefaultOptions()
		out.LogOptions = &o
	}
	if out.Seed == 0 {
		out.Seed = uint64(time.Now().UnixNano())
	}
	return out
}

func (c *Config) validate() error {
	if c.TickTime <= 0 || c.InitLimit <= 0 || c.SyncLimit <= 0 {
		return fmt.Errorf("%w: TickTime, InitLimit and SyncLimit must be positive", ErrInvalidConfig)
	}
	if c.Dir == "" {
		return fmt.Errorf("%w: no Dir", ErrInvalidConfig)
	}
	if c.Apply == nil || c.RestoreSnapshot == nil {
		return fmt.Errorf("%w: Apply and RestoreSnapshot are required", ErrInvalidConfig)
	}
	if c.ReconfigEnabled && c.DecodeReconfig == nil {
		return fmt.Errorf("%w: ReconfigEnabled needs DecodeReconfig", ErrInvalidConfig)
	}
	if c.SnapCount > 0 && c.TakeSnapshot == nil {
		return fmt.Errorf("%w: SnapCount needs TakeSnapshot", ErrInvalidConfig)
	}
	if _, ok := c.peer(c.ID); !ok {
		return fmt.Errorf("%w: server %d is not among the peers", ErrInvalidConfig, c.ID)
	}
	for _, p := range c.Peers {
		if p.QuorumAddr == "" || p.ElectionAddr == "" {
			return fmt.Errorf("%w: server %d has no quorum or election address", ErrInvalidConfig, p.ID)
		}
	}
	return nil
}

func (c *Config) peer(id uint64) (Peer, bool) {
	for _, p := range c.Peers {
		if p.ID == id {
			return p, true
		}
	}
	return Peer{}, false
}

// voters and observers split Peers for zab.Config.
func (c *Config) voters() (voters, observers []uint64) {
	for _, p := range c.Peers {
		if p.Observer {
			observers = append(observers, p.ID)
		} else {
			voters = append(voters, p.ID)
		}
	}
	return voters, observers
}

// configText is what our notifications carry as config (FastLeaderElection sends its
// QuorumVerifier's text): server lines and version 0, since we do not reconfigure.
func (c *Config) configText() []byte {
	lines := make([]zoocfg.ServerLine, 0, len(c.Peers))
	for _, p := range c.Peers {
		host, qp, _ := net.SplitHostPort(p.QuorumAddr)
		_, ep, _ := net.SplitHostPort(p.ElectionAddr)
		q, _ := strconv.Atoi(qp)
		e, _ := strconv.Atoi(ep)
		l := zoocfg.ServerLine{ID: int64(p.ID), Host: host, QuorumPort: q, ElectionPort: e}
		if p.Observer {
			l.Type = zoocfg.Observer
		}
		lines = append(lines, l)
	}
	return []byte(zoocfg.ConfigText(lines, 0))
}
