package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zkensemble/zkensemble/pkg/datatree"
	"github.com/zkensemble/zkensemble/pkg/prep"
	"github.com/zkensemble/zkensemble/pkg/session"
	"github.com/zkensemble/zkensemble/pkg/snapshot"
	"github.com/zkensemble/zkensemble/pkg/txnlog"
	"github.com/zkensemble/zkensemble/pkg/watch"
)

// ErrClosed is returned by Serve when the server was closed before or while serving.
var ErrClosed = errors.New("server: closed")

// Server is a standalone ZooKeeper-compatible server. Lock order (never take an earlier lock
// while holding a later one): conn.mu → prepMu → treeMu → watchMu, sessMu → connMu.
type Server struct {
	cfg    Config
	logger *slog.Logger
	nowFn  func() time.Time
	txnLog TxnLog
	repl   Replicator
	inline bool // NewCore: the pipeline runs in the caller's goroutine

	// prepMu guards prep, nextZxid and prepGen: the processor goroutine prepares, the apply
	// goroutine calls Applied and, after a storage failure, rewinds (rejectBatch).
	prepMu   sync.Mutex
	prep     *prep.Preparer
	nextZxid int64
	prepGen  uint64

	// writer is the txn log's writer (run by the standalone replicator's goroutine, or inline);
	// health is its degraded-mode state, read by the four-letter words; snapshots writes
	// snapshots (nil without a DataDir).
	writer    *logWriter
	health    *storageHealth
	snapshots *snapshotter

	// treeMu: the apply goroutine writes under Lock; reads and preparation take RLock.
	treeMu sync.RWMutex
	tree   *datatree.Tree

	watchMu sync.Mutex
	watches *watch.Manager

	sessMu  sync.Mutex
	tracker *session.Tracker
	ids     *session.IDs

	connMu     sync.RWMutex
	conns      map[int64]*conn // by connection id (= watcher id)
	bySession  map[int64]*conn
	perIP      map[string]int
	nextConnID int64

	requests chan *request
	stopping chan struct{} // closed when shutdown begins: no more requests are accepted
	stopOnce sync.Once
	applied  chan struct{} // closed when the apply goroutine has drained the replicator
	serving  atomic.Bool

	// ens is the replicated mode (ensemble.go); nil for a standalone server.
	ens *ensemble

	listener net.Listener
	secureLn net.Listener // the secure client port (secure.go); nil without one
	started  time.Time
	stats    serverStats
	wg       sync.WaitGroup
}

// New builds a server: restores the tree from the txn log, opens the client port (so Addr is
// known before Serve) and prepares the pipeline. Serve starts it.
func New(cfg Config, deps Deps) (*Server, error) {
	s, err := newServer(cfg, deps, false)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", s.cfg.ClientAddr)
	if err != nil {
		_ = s.txnLog.Close()
		return nil, fmt.Errorf("server: listening on %s: %w", s.cfg.ClientAddr, err)
	}
	s.listener = ln
	if err := s.openSecure(); err != nil {
		_ = ln.Close()
		_ = s.txnLog.Close()
		return nil, err
	}
	if cfg.Ensemble != nil {
		if err := s.startEnsemble(*cfg.Ensemble); err != nil {
			_ = ln.Close()
			if s.secureLn != nil {
				_ = s.secureLn.Close()
			}
			_ = s.txnLog.Close()
			return nil, err
		}
	}
	return s, nil
}

// NewCore builds a server without a listener or goroutines: requests fed through a core
// connection (see core.go) are prepared, logged, applied and answered in the caller's
// goroutine. Tests and the fuzz target use it.
func NewCore(cfg Config, deps Deps) (*Server, error) {
	if cfg.Ensemble != nil {
		return nil, fmt.Errorf("%w: a core server cannot be an ensemble member", ErrConfig)
	}
	s, err := newServer(cfg, deps, true)
	if err != nil {
		return nil, err
	}
	s.serving.Store(true)
	return s, nil
}

func newServer(cfg Config, deps Deps, inline bool) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:       cfg,
		logger:    deps.Logger,
		nowFn:     deps.Now,
		txnLog:    deps.Log,
		watches:   watch.NewManager(),
		conns:     map[int64]*conn{},
		bySession: map[int64]*conn{},
		perIP:     map[string]int{},
		requests:  make(chan *request, 4096),
		stopping:  make(chan struct{}),
		applied:   make(chan struct{}),
		inline:    inline,
		health:    &storageHealth{},
	}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	if s.nowFn == nil {
		s.nowFn = time.Now
	}
	if s.txnLog == nil {
		s.txnLog = txnlog.NewMemory()
	}
	randInt63n := deps.Rand
	if randInt63n == nil {
		randInt63n = rand.Int64N
	}
	s.started = s.now()
	s.tracker = session.NewTracker(cfg.TickTime.Milliseconds())
	s.ids = session.NewIDs(cfg.ServerID, s.now().UnixMilli())
	if cfg.Ensemble != nil {
		// The quorum member restores the tree through its callbacks (ensemble_apply.go).
		s.tree = datatree.New()
		s.tree.SetExtendedTypesEnabled(cfg.ExtendedTypesEnabled)
	} else if err := s.restore(); err != nil {
		return nil, err
	}
	s.prep = prep.New(s.tree, s.prepConfig())
	// Standalone ZooKeeper continues from the last zxid it restored, in the same epoch
	// (ZooKeeperServer.loadData → setZxid(zkDb.loadDataBase())); only a quorum leader starts
	// a new epoch.
	s.nextZxid = s.tree.LastProcessedZxid()
	if last := s.txnLog.LastZxid(); last > s.nextZxid {
		s.nextZxid = last
	}
	s.writer = &logWriter{log: s.txnLog, logger: s.logger, now: s.now, health: s.health, durable: s.txnLog.LastZxid()}
	if dir := s.snapDir(); dir != "" && cfg.Ensemble == nil {
		s.snapshots = newSnapshotter(s, dir)
		s.writer.trigger = snapshot.NewTrigger(cfg.SnapCount, cfg.SnapSizeBytes, randInt63n)
		s.writer.snapshots = s.snapshots
		s.writer.snapDir = dir
		s.writer.retainCount = cfg.SnapRetainCount
	}
	return s, nil
}

// prepConfig is the preparer's configuration (standalone and ensemble alike).
func (s *Server) prepConfig() prep.Config {
	pc := prep.Config{ExtendedTypesEnabled: s.cfg.ExtendedTypesEnabled, MaxDataBytes: s.cfg.MaxBufferBytes,
		X509Enabled: s.cfg.X509Enabled, SASLEnabled: s.cfg.SASLProviderEnabled}
	if ec := s.cfg.Ensemble; ec != nil {
		// Reconfig (ensemble_reconfig.go); the view finds the ensemble once it runs.
		pc.ReconfigEnabled = ec.ReconfigEnabled
		pc.Ensemble = ensembleView{s}
	}
	return pc
}

func (s *Server) now() time.Time { return s.nowFn() }

// Addr is the client port's address (useful with port 0).
func (s *Server) Addr() string {
	if s.listener == nil {
		return ""
	}
	return s.listener.Addr().String()
}

// Serve accepts connections until ctx is cancelled or Close is called, then stops gracefully:
// no new connections or requests, queued txns committed and answered, replies flushed.
func (s *Server) Serve(ctx context.Context) error {
	if s.listener == nil {
		return ErrClosed
	}
	var purgeTick <-chan time.Time
	if s.cfg.PurgeInterval > 0 && s.snapshots != nil {
		t := time.NewTicker(s.cfg.PurgeInterval)
		defer t.Stop()
		purgeTick = t.C
		s.logger.Info("autopurge enabled", "interval", s.cfg.PurgeInterval, "snapRetainCount", s.cfg.SnapRetainCount)
	}
	if s.ens != nil {
		return s.serveEnsemble(ctx)
	}
	s.repl = newStandalone(s.writer, purgeTick)
	s.serving.Store(true)
	s.logger.Info("serving", "addr", s.Addr(), "tickTime", s.cfg.TickTime, "minSessionTimeout", s.cfg.MinSessionTimeout,
		"maxSessionTimeout", s.cfg.MaxSessionTimeout, "maxClientCnxns", s.cfg.MaxClientCnxns, "zxid", fmt.Sprintf("0x%x", s.nextZxid))
	s.wg.Add(4)
	if s.snapshots != nil {
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.snapshots.loop(s.stopping) }()
	}
	go func() { defer s.wg.Done(); s.processLoop() }()
	go func() { defer s.wg.Done(); s.applyLoop() }()
	go func() { defer s.wg.Done(); s.expiryLoop() }()
	go func() { defer s.wg.Done(); s.reapLoop() }()

	acceptDone := make(chan struct{})
	go func() {
		defer close(acceptDone)
		s.acceptAll()
	}()
	select {
	case <-ctx.Done():
	case <-s.stopping:
	}
	s.shutdown()
	<-acceptDone
	return nil
}

// Close stops the server (Serve returns once the graceful stop is done).
func (s *Server) Close() {
	s.stopOnce.Do(func() { close(s.stopping) })
}

// acceptLoop accepts connections on ln and hands each to start until the server stops.
func (s *Server) acceptLoop(ln net.Listener, start func(net.Conn)) {
	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			select {
			case <-s.stopping:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || isTemporary(err) {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.logger.Warn("accept failed; retrying", "err", err, "backoff", backoff)
				time.Sleep(backoff)
				continue
			}
			s.logger.Error("accept failed; no longer accepting connections", "err", err)
			s.Close()
			return
		}
		backoff = 0
		start(nc)
	}
}

func isTemporary(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// register adds a connection, enforcing maxClientCnxns per client address as
// NIOServerCnxnFactory does (the connection is closed at once, with a warning).
func (s *Server) register(nc net.Conn) (*conn, bool) {
	s.connMu.Lock()
	s.nextConnID++
	c := newConn(s, s.nextConnID, nc)
	if limit := s.cfg.MaxClientCnxns; limit > 0 && s.perIP[c.ip] >= limit {
		s.connMu.Unlock()
		s.logger.Warn("Too many connections from client - max is reached", "client", c.ip, "max", limit)
		_ = nc.Close()
		return nil, false
	}
	s.perIP[c.ip]++
	s.conns[c.id] = c
	s.connMu.Unlock()
	return c, true
}

// connClosed forgets a closed connection: its watches (ZooKeeper's watches belong to the
// connection; a reconnecting client re-sends them with setWatches) and its session binding.
// The session itself lives on until it expires or is closed.
func (s *Server) connClosed(c *conn, cause string) {
	s.connMu.Lock()
	if _, ok := s.conns[c.id]; ok {
		delete(s.conns, c.id)
		if s.perIP[c.ip]--; s.perIP[c.ip] <= 0 {
			delete(s.perIP, c.ip)
		}
	}
	if sid := c.sessionID.Load(); sid != 0 && s.bySession[sid] == c {
		delete(s.bySession, sid)
	}
	s.connMu.Unlock()
	s.watchMu.Lock()
	s.watches.RemoveWatcher(watch.WatcherID(c.id))
	s.watchMu.Unlock()
	s.logger.Debug("connection closed", "client", c.remote, "session", hexID(c.sessionID.Load()), "cause", cause)
}

// bindSession makes c the connection of session id and returns the previous one, if any.
func (s *Server) bindSession(id int64, c *conn) *conn {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	old := s.bySession[id]
	s.bySession[id] = c
	return old
}

func (s *Server) connOfSession(id int64) *conn {
	s.connMu.RLock()
	defer s.connMu.RUnlock()
	return s.bySession[id]
}

func (s *Server) connByID(id int64) *conn {
	s.connMu.RLock()
	defer s.connMu.RUnlock()
	return s.conns[id]
}

func (s *Server) allConns() []*conn {
	s.connMu.RLock()
	defer s.connMu.RUnlock()
	out := make([]*conn, 0, len(s.conns))
	for _, c := range s.conns {
		out = append(out, c)
	}
	return out
}

// shutdownFlushTimeout bounds how long a graceful stop waits for replies to reach clients.
const shutdownFlushTimeout = 5 * time.Second

func (s *Server) shutdown() {
	s.Close()
	s.serving.Store(false)
	_ = s.listener.Close()
	if s.secureLn != nil {
		_ = s.secureLn.Close()
	}
	// Stop reading: readers see a deadline error and exit without closing their connection,
	// so replies already in the pipeline can still be written.
	for _, c := range s.allConns() {
		if c.nc != nil {
			_ = c.nc.SetReadDeadline(time.Unix(1, 0))
		}
	}
	s.wg.Wait() // processor, apply (drains the replicator), expiry and reaper loops
	if s.ens != nil {
		s.ens.stop()
	}
	deadline := time.After(shutdownFlushTimeout)
	for _, c := range s.allConns() {
		c.closeAfterFlush("server shutting down")
	}
	for _, c := range s.allConns() {
		select {
		case <-c.done:
		case <-deadline:
			c.close("server shutting down: flush timed out")
		}
	}
	if err := s.txnLog.Close(); err != nil {
		s.logger.Error("closing txn log", "err", err)
	}
	s.logger.Info("stopped")
}

func hexID(id int64) string { return fmt.Sprintf("0x%x", uint64(id)) }

// serveEnsemble is Serve for an ensemble member: the processor forwards or proposes, the
// member's goroutine applies, watchTerm opens the service once the member is established.
func (s *Server) serveEnsemble(ctx context.Context) error {
	s.logger.Info("ensemble member started", "addr", s.Addr(), "myid", s.cfg.ServerID, "tickTime", s.cfg.TickTime,
		"minSessionTimeout", s.cfg.MinSessionTimeout, "maxSessionTimeout", s.cfg.MaxSessionTimeout)
	s.wg.Add(4)
	go func() { defer s.wg.Done(); s.ens.processLoop() }()
	go func() { defer s.wg.Done(); s.ens.watchTerm() }()
	go func() { defer s.wg.Done(); s.expiryLoop() }()
	go func() { defer s.wg.Done(); s.reapLoop() }()
	close(s.applied) // committed txns are applied on the member's goroutine
	acceptDone := make(chan struct{})
	go func() {
		defer close(acceptDone)
		s.acceptAll()
	}()
	select {
	case <-ctx.Done():
	case <-s.stopping:
	case <-s.ens.member.Done():
		s.logger.Error("quorum member stopped; stopping the server", "err", s.ens.member.Err())
	}
	s.shutdown()
	<-acceptDone
	if err := s.ens.member.Err(); err != nil {
		return fmt.Errorf("server: quorum member failed: %w", err)
	}
	return nil
}
