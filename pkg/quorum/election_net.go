package quorum

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/zkensemble/zkensemble/pkg/zab"
)

// electionNet is the election port (QuorumCnxManager): one connection per pair of servers,
// used both ways. Either side may dial, but only a connection initiated by the higher id is
// kept: the lower one sends its header and hangs up, and the higher one, on reading a header
// from a lower id, hangs up too and dials back (startConnection / handleConnection). So two
// servers that dial each other at once end with exactly one connection.
//
// Notifications are lossy: each peer has a small queue that drops its oldest vote when full,
// and a connection that breaks loses what was in flight; zab resends on its election timeout.
type electionNet struct {
	self     uint64
	selfAddr string
	ln       net.Listener
	wrap     func(net.Conn, uint64, uint64, ConnKind) net.Conn
	deliver  func(zab.Message) // non-blocking
	logger   *slog.Logger
	config   []byte
	// With reconfig: peers come and go with the config; book has their addresses, and
	// notifications carry the sender's config as text.
	reconfig bool
	book     *peerBook
	peersMu  sync.Mutex // guards peers once started (reconfig adds to it)
	// handshakeTimeout bounds dialing and reading/writing a header.
	handshakeTimeout time.Duration
	minBackoff       time.Duration
	maxBackoff       time.Duration

	peers map[uint64]*electionPeer
	stop  chan struct{}
	wg    sync.WaitGroup
}

type electionPeer struct {
	id   uint64
	addr string
	wake chan struct{} // capacity 1

	mu    sync.Mutex
	conn  net.Conn
	queue [][]byte // encoded frames, oldest first
	// lastSent is re-sent on a new connection when nothing is queued: the last vote may have
	// died with the old one (SendWorker.run's lastMessageSent).
	lastSent    []byte
	wantConnect bool      // a lower-id peer asked us to dial it
	nextAttempt time.Time // backoff after a failed dial or a hang-up handshake
	backoff     time.Duration
}

func newElectionNet(cfg *Config, book *peerBook, ln net.Listener, deliver func(zab.Message)) *electionNet {
	self, _ := cfg.peer(cfg.ID)
	n := &electionNet{
		reconfig: cfg.ReconfigEnabled, book: book,
		self: cfg.ID, selfAddr: self.ElectionAddr, ln: ln, wrap: cfg.WrapConn, deliver: deliver,
		logger: cfg.Logger.With("port", "election"), config: cfg.configText(),
		handshakeTimeout: max(time.Second, 10*cfg.TickTime),
		minBackoff:       max(10*time.Millisecond, cfg.TickTime/2),
		maxBackoff:       max(time.Second, 4*cfg.TickTime),
		peers:            map[uint64]*electionPeer{},
		stop:             make(chan struct{}),
	}
	for _, p := range cfg.Peers {
		if p.ID != cfg.ID {
			n.peers[p.ID] = &electionPeer{id: p.ID, addr: p.ElectionAddr, wake: make(chan struct{}, 1)}
		}
	}
	return n
}

func (n *electionNet) start() {
	n.peersMu.Lock()
	defer n.peersMu.Unlock()
	n.wg.Add(1)
	go n.acceptLoop()
	for _, p := range n.peers {
		n.wg.Add(1)
		go n.peerLoop(p)
	}
}

// peer is the election peer id, or nil. With reconfig, a server we have an address for
// (from a config we have seen) or that told us its address (addr, from its connection
// header) becomes a peer on first use: a joining server is in nobody's config yet.
func (n *electionNet) peer(id uint64, addr string) *electionPeer {
	n.peersMu.Lock()
	defer n.peersMu.Unlock()
	if p := n.peers[id]; p != nil || !n.reconfig || id == n.self {
		return p
	}
	if bp, ok := n.book.get(id); ok {
		addr = bp.ElectionAddr
	}
	if addr == "" {
		return nil
	}
	select {
	case <-n.stop:
		return nil
	default:
	}
	p := &electionPeer{id: id, addr: addr, wake: make(chan struct{}, 1)}
	n.peers[id] = p
	n.wg.Add(1)
	go n.peerLoop(p)
	return p
}

func (n *electionNet) close() {
	n.peersMu.Lock()
	close(n.stop)
	n.peersMu.Unlock()
	_ = n.ln.Close()
	n.peersMu.Lock()
	defer n.peersMu.Unlock()
	for _, p := range n.peers {
		p.mu.Lock()
		if p.conn != nil {
			_ = p.conn.Close()
		}
		p.mu.Unlock()
	}
	n.wg.Wait()
}

func (p *electionPeer) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// send queues a notification for its peer; it never blocks.
func (n *electionNet) send(m zab.Message) {
	p := n.peer(m.To, "")
	if p == nil {
		return
	}
	config := n.config
	if n.reconfig {
		config = n.book.wireConfig(m.Config)
	}
	frame := appendElectionFrame(nil, NotificationOf(m, config).Encode())
	p.mu.Lock()
	if len(p.queue) >= electionQueueLen {
		p.queue = p.queue[1:]
	}
	p.queue = append(p.queue, frame)
	p.mu.Unlock()
	p.signal()
}

func (n *electionNet) wrapConn(c net.Conn, remote uint64) net.Conn {
	if n.wrap != nil {
		return n.wrap(c, n.self, remote, ElectionConn)
	}
	return c
}

func (n *electionNet) sleep(d time.Duration, p *electionPeer) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-n.stop:
		return false
	case <-t.C:
	case <-p.wake:
	}
	return true
}

// peerLoop is the peer's send side: connect when there is something to say, then write the
// queue in order.
func (n *electionNet) peerLoop(p *electionPeer) {
	defer n.wg.Done()
	for {
		select {
		case <-n.stop:
			return
		default:
		}
		p.mu.Lock()
		c := p.conn
		var frame []byte
		if c != nil && len(p.queue) > 0 {
			frame = p.queue[0]
			p.queue = p.queue[1:]
		}
		need := len(p.queue) > 0 || frame != nil || p.wantConnect
		wait := time.Until(p.nextAttempt)
		p.mu.Unlock()
		switch {
		case c == nil && !need:
			if !n.sleep(time.Hour, p) {
				return
			}
		case c == nil && wait > 0:
			if !n.sleep(wait, p) {
				return
			}
		case c == nil:
			n.connect(p)
		case frame == nil:
			if !n.sleep(time.Hour, p) {
				return
			}
		default:
			_ = c.SetWriteDeadline(time.Now().Add(n.handshakeTimeout))
			if _, err := c.Write(frame); err != nil {
				n.logger.Debug("quorum: election write failed", "peer", p.id, "err", err)
				n.dropConn(p, c)
				continue
			}
			p.mu.Lock()
			p.lastSent = frame
			p.mu.Unlock()
		}
	}
}

// connect dials p and sends our header. With the higher id we keep the connection; with the
// lower one we hang up and wait for p to dial back.
func (n *electionNet) connect(p *electionPeer) {
	ctx, cancel := context.WithTimeout(context.Background(), n.handshakeTimeout)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", p.addr)
	if err == nil {
		c = n.wrapConn(c, p.id)
		_ = c.SetWriteDeadline(time.Now().Add(n.handshakeTimeout))
		_, err = c.Write(InitialMessage{SID: n.self, ElectionAddr: n.selfAddr}.Encode())
		if err != nil {
			_ = c.Close()
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.wantConnect = false
	if err != nil {
		p.backoff = min(max(2*p.backoff, n.minBackoff), n.maxBackoff)
		p.nextAttempt = time.Now().Add(p.backoff)
		n.logger.Debug("quorum: election dial failed", "peer", p.id, "err", err, "retry_in", p.backoff)
		return
	}
	p.backoff = 0
	if p.id > n.self {
		_ = c.Close()
		// p dials back; try again ourselves only if it does not.
		p.nextAttempt = time.Now().Add(n.maxBackoff)
		return
	}
	n.setConnLocked(p, c)
}

// setConnLocked makes c the connection of p, replacing any older one, and starts its reader.
func (n *electionNet) setConnLocked(p *electionPeer, c net.Conn) {
	if p.conn != nil {
		_ = p.conn.Close()
	}
	p.conn = c
	if len(p.queue) == 0 && p.lastSent != nil {
		p.queue = append(p.queue, p.lastSent)
	}
	n.wg.Add(1)
	go n.readLoop(p, c)
	p.signal()
}

func (n *electionNet) dropConn(p *electionPeer, c net.Conn) {
	_ = c.Close()
	p.mu.Lock()
	if p.conn == c {
		p.conn = nil
		if p.wantConnect {
			p.nextAttempt = time.Time{}
		}
	}
	p.mu.Unlock()
	p.signal()
}

func (n *electionNet) readLoop(p *electionPeer, c net.Conn) {
	defer n.wg.Done()
	r := bufio.NewReader(c)
	for {
		body, err := readElectionFrame(r)
		if err == nil {
			var nt Notification
			nt, err = DecodeNotification(body)
			if err == nil {
				msg := nt.ToMessage(p.id, n.self)
				if n.reconfig {
					msg.Config = n.book.readConfig(nt.Config)
				}
				n.deliver(msg)
				continue
			}
		}
		if errors.Is(err, ErrMalformed) || errors.Is(err, ErrPacketTooLarge) {
			n.logger.Warn("quorum: closing election connection", "peer", p.id, "reason", err)
		}
		n.dropConn(p, c)
		return
	}
}

func (n *electionNet) acceptLoop() {
	defer n.wg.Done()
	for {
		c, err := n.ln.Accept()
		if err != nil {
			select {
			case <-n.stop:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			n.logger.Warn("quorum: election accept failed", "err", err)
			time.Sleep(n.minBackoff)
			continue
		}
		n.wg.Add(1)
		go n.handleIncoming(c)
	}
}

func (n *electionNet) handleIncoming(c net.Conn) {
	defer n.wg.Done()
	_ = c.SetReadDeadline(time.Now().Add(n.handshakeTimeout))
	h, err := ReadInitialMessage(c)
	if err != nil {
		n.logger.Warn("quorum: election handshake failed", "remote", c.RemoteAddr(), "err", err)
		_ = c.Close()
		return
	}
	p := n.peer(h.SID, h.ElectionAddr)
	if p == nil {
		// Our own id is ZOOKEEPER-2164's misconfiguration; an unknown one is not in our view.
		n.logger.Warn("quorum: election connection from an unknown or our own server id", "sid", h.SID, "remote", c.RemoteAddr())
		_ = c.Close()
		return
	}
	_ = c.SetReadDeadline(time.Time{})
	c = n.wrapConn(c, h.SID)
	p.mu.Lock()
	defer p.mu.Unlock()
	if h.SID < n.self {
		// We win the challenge: drop theirs and dial ourselves. If we already hold a link
		// (both sides dialed at once and ours got there first), keep it rather than racing a
		// second one that would replace it and lose what is in flight; resend our last vote
		// on it, and redial at once should it turn out dead.
		_ = c.Close()
		p.wantConnect = true
		if p.conn == nil {
			p.nextAttempt = time.Time{}
		} else if len(p.queue) == 0 && p.lastSent != nil {
			p.queue = append(p.queue, p.lastSent)
		}
		p.signal()
		return
	}
	n.setConnLocked(p, c)
}
