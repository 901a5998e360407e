package quorum

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/zkensemble/zkensemble/pkg/zab"
)

// quorumNet is the quorum port: one TCP connection per learner↔leader link, as zab's Conn
// ids require. A learner's FOLLOWERINFO/OBSERVERINFO with a Conn id we have not seen opens a
// new connection to the leader; every later message of that Conn goes over it. The leader
// side names each accepted connection with a fresh id of its own (even, where zab's learner
// ids are odd) and zab echoes it. A connection that breaks is forgotten: later messages of
// its Conn are dropped and nothing it carried afterwards is delivered, so zab sees a clean
// end of the link; onLost then tells the driver, which reports it to zab (LinkLost), as a
// failed socket ends ZooKeeper's Learner or LearnerHandler at once.
type quorumNet struct {
	self     uint64
	book     *peerBook
	reconfig bool // any server may connect as a learner (non-voting followers)
	ln       net.Listener
	wrap     func(net.Conn, uint64, uint64, ConnKind) net.Conn
	deliver  func(zab.Message) bool // blocks (backpressure); false once stopping
	// onLost is told (id, peer) of every connection once it is closed, for whatever reason.
	// It runs on whichever goroutine closed it (the driver's too) and must not block.
	onLost func(id, peer uint64)
	logger *slog.Logger
	limits Limits
	maxPkt int
	queueN int
	// ioTimeout bounds dialing, a handshake, one write and the silence on a connection; zab's
	// own limits are shorter, so this is a backstop for links zab has already given up.
	ioTimeout   time.Duration
	dialTimeout time.Duration // how long a learner keeps retrying the leader
	minBackoff  time.Duration

	// Client traffic (forward.go), called on the connection's reader goroutine.
	onRequest func(from uint64, r Request)
	onSync    func(r SyncReply)
	onTouch   func(from uint64, ts []SessionTouch)
	onReval   func(from uint64, sessionID int64, timeoutMillis int32) bool
	reval     *revalidations // a learner's REVALIDATEs waiting for answers

	mu      sync.Mutex
	conns   map[uint64]*qconn
	nextIn  uint64
	stopped bool
	stop    chan struct{}
	wg      sync.WaitGroup
}

type qconn struct {
	id       uint64
	peer     uint64
	inbound  bool // accepted: we lead, the peer learns
	out      chan zab.Message
	done     chan struct{}
	once     sync.Once
	mu       sync.Mutex
	c        net.Conn
	q        *quorumNet
	closeErr error
}

func newQuorumNet(cfg *Config, book *peerBook, ln net.Listener, deliver func(zab.Message) bool) *quorumNet {
	n := &quorumNet{
		self: cfg.ID, book: book, reconfig: cfg.ReconfigEnabled, ln: ln, wrap: cfg.WrapConn, deliver: deliver,
		logger: cfg.Logger.With("port", "quorum"),
		limits: Limits{MaxPacketBytes: cfg.MaxPacketBytes, MaxSnapshotBytes: cfg.MaxSnapshotBytes},
		maxPkt: cfg.MaxPacketBytes, queueN: cfg.SendQueuePackets,
		ioTimeout:   time.Duration(cfg.InitLimit+cfg.SyncLimit+2) * cfg.TickTime,
		dialTimeout: time.Duration(cfg.InitLimit) * cfg.TickTime,
		minBackoff:  max(5*time.Millisecond, cfg.TickTime/5),
		conns:       map[uint64]*qconn{},
		stop:        make(chan struct{}),
		onRequest:   cfg.OnRequest,
		onSync:      cfg.OnSync,
		onTouch:     cfg.OnTouch,
		onReval:     cfg.OnRevalidate,
		reval:       &revalidations{},
	}
	return n
}

func (n *quorumNet) start() {
	n.wg.Add(1)
	go n.acceptLoop()
}

func (n *quorumNet) close() {
	n.mu.Lock()
	n.stopped = true
	all := make([]*qconn, 0, len(n.conns))
	for _, c := range n.conns {
		all = append(all, c)
	}
	n.mu.Unlock()
	close(n.stop)
	_ = n.ln.Close()
	for _, c := range all {
		c.shut(nil)
	}
	n.wg.Wait()
}

// send queues m on its connection, opening one for a learner's FOLLOWERINFO/OBSERVERINFO.
// It never blocks: a full queue severs the link (the learner resyncs), as a slow follower's
// socket would eventually time out in ZooKeeper.
func (n *quorumNet) send(m zab.Message) {
	n.mu.Lock()
	if n.stopped {
		n.mu.Unlock()
		return
	}
	qc := n.conns[m.Conn]
	if qc == nil {
		if m.Type != zab.MsgFollowerInfo && m.Type != zab.MsgObserverInfo {
			n.mu.Unlock()
			return // the link is gone; zab times it out
		}
		qc = n.newConnLocked(m.Conn, m.To, false)
		n.wg.Add(1)
		go n.dialAndRun(qc)
	}
	n.mu.Unlock()
	select {
	case qc.out <- m:
	case <-qc.done:
	default:
		qc.shut(errors.New("send queue full"))
	}
}

func (n *quorumNet) newConnLocked(id, peer uint64, inbound bool) *qconn {
	qc := &qconn{id: id, peer: peer, inbound: inbound, out: make(chan zab.Message, n.queueN), done: make(chan struct{}), q: n}
	n.conns[id] = qc
	return qc
}

// closeWhere closes every connection for which drop says so (the driver's hygiene).
func (n *quorumNet) closeWhere(drop func(id, peer uint64, inbound bool) bool) {
	n.mu.Lock()
	var kill []*qconn
	for _, c := range n.conns {
		if drop(c.id, c.peer, c.inbound) {
			kill = append(kill, c)
		}
	}
	n.mu.Unlock()
	for _, c := range kill {
		c.shut(nil)
	}
}

// shut closes the connection once and forgets it; err, if any, is logged as the reason.
func (c *qconn) shut(err error) {
	c.once.Do(func() {
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
			c.q.logger.Info("quorum: closing connection", "conn", c.id, "peer", c.peer, "inbound", c.inbound, "reason", err)
		}
		close(c.done)
		c.q.mu.Lock()
		if c.q.conns[c.id] == c {
			delete(c.q.conns, c.id)
		}
		c.q.mu.Unlock()
		c.mu.Lock()
		if c.c != nil {
			_ = c.c.Close()
		}
		c.mu.Unlock()
		if c.q.onLost != nil {
			c.q.onLost(c.id, c.peer)
		}
	})
}

func (c *qconn) setConn(nc net.Conn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.done:
		_ = nc.Close()
		return false
	default:
	}
	c.c = nc
	return true
}

// dialAndRun connects a learner link to the leader, retrying with backoff (Learner's
// connectToLeader retries too: the leader may not listen yet), then runs it.
func (n *quorumNet) dialAndRun(qc *qconn) {
	defer n.wg.Done()
	p, _ := n.book.get(qc.peer)
	addr := p.QuorumAddr
	deadline := time.Now().Add(n.dialTimeout)
	backoff := n.minBackoff
	for {
		ctx, cancel := context.WithTimeout(context.Background(), n.ioTimeout)
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		cancel()
		if err == nil {
			if n.wrap != nil {
				c = n.wrap(c, n.self, qc.peer, QuorumConn)
			}
			if qc.setConn(c) {
				n.run(qc, c)
			}
			return
		}
		if time.Now().After(deadline) {
			qc.shut(err)
			return
		}
		t := time.NewTimer(backoff)
		select {
		case <-qc.done:
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, time.Second)
	}
}

// run pumps a connected link: a writer goroutine drains the queue, this one reads.
func (n *quorumNet) run(qc *qconn, c net.Conn) {
	n.wg.Add(1)
	go n.writeLoop(qc, c)
	n.readLoop(qc, c, bufio.NewReader(c))
}

func (n *quorumNet) writeLoop(qc *qconn, c net.Conn) {
	defer n.wg.Done()
	w := bufio.NewWriterSize(c, 64<<10)
	for {
		var m zab.Message
		select {
		case <-qc.done:
			return
		case m = <-qc.out:
		}
		for {
			_ = c.SetWriteDeadline(time.Now().Add(n.ioTimeout))
			if err := WriteMessage(w, m, n.self, n.maxPkt); err != nil {
				qc.shut(err)
				return
			}
			// Flush only when the queue is empty: one write for a burst of proposals.
			select {
			case m = <-qc.out:
				continue
			default:
			}
			break
		}
		if err := w.Flush(); err != nil {
			qc.shut(err)
			return
		}
	}
}

// expectedOn reports whether a packet of type t may arrive on a link: on an inbound one (we
// lead) the learner's ACK, PING, ACKEPOCH; on an outbound one (we learn) the leader's packets.
// Anything else closes the connection.
func expectedOn(inbound bool, t zab.MessageType) bool {
	switch t {
	case zab.MsgAck, zab.MsgPing, zab.MsgAckEpoch, msgRequest:
		return inbound || t == zab.MsgPing
	case msgRevalidate:
		return true // asked by the learner, answered by the leader
	case msgSync:
		return !inbound
	case zab.MsgProposal, zab.MsgCommit, zab.MsgInform, zab.MsgNewLeader, zab.MsgUpToDate,
		zab.MsgDiff, zab.MsgTrunc, zab.MsgSnap, zab.MsgLeaderInfo:
		return !inbound
	}
	return false
}

func (n *quorumNet) readLoop(qc *qconn, c net.Conn, r *bufio.Reader) {
	for {
		_ = c.SetReadDeadline(time.Now().Add(n.ioTimeout))
		m, err := ReadMessage(r, n.limits)
		if err == nil && !expectedOn(qc.inbound, m.Type) {
			side := "learner"
			if qc.inbound {
				side = "leader"
			}
			err = fmt.Errorf("%w: %s on the %s side of a link", ErrUnexpectedPacket, m.Type, side)
		}
		if err != nil {
			qc.shut(err)
			return
		}
		m.From, m.To, m.Conn = qc.peer, n.self, qc.id
		select {
		case <-qc.done:
			return // never deliver after the link is dropped
		default:
		}
		if handled, err := n.client(qc, m); err != nil {
			qc.shut(err)
			return
		} else if handled {
			continue
		}
		if !n.deliver(m) {
			qc.shut(nil)
			return
		}
	}
}

func (n *quorumNet) acceptLoop() {
	defer n.wg.Done()
	for {
		c, err := n.ln.Accept()
		if err != nil {
			select {
			case <-n.stop:
				return
			default:
			}
			n.logger.Warn("quorum: accept failed", "err", err)
			time.Sleep(n.minBackoff)
			continue
		}
		n.wg.Add(1)
		go n.handleIncoming(c)
	}
}

// handleIncoming reads the learner's first packet, FOLLOWERINFO or OBSERVERINFO, which names
// it (LearnerHandler.run), and registers the link under a fresh id.
func (n *quorumNet) handleIncoming(c net.Conn) {
	defer n.wg.Done()
	r := bufio.NewReader(c)
	_ = c.SetReadDeadline(time.Now().Add(n.ioTimeout))
	m, err := ReadMessage(r, n.limits)
	if err == nil && m.Type != zab.MsgFollowerInfo && m.Type != zab.MsgObserverInfo {
		err = fmt.Errorf("%w: first packet is %s", ErrHandshake, m.Type)
	}
	if err == nil {
		p, ok := n.book.get(m.From)
		switch {
		case m.From == n.self || (!ok && !n.reconfig):
			err = fmt.Errorf("%w: unknown or own server id %d", ErrHandshake, m.From)
		case n.reconfig:
			// With reconfig a server outside our config follows without a vote, and the
			// learner's own type decides (zab checks the rest).
		case p.Observer != (m.Type == zab.MsgObserverInfo):
			err = fmt.Errorf("%w: %s from server %d, which is configured as the other peer type", ErrHandshake, m.Type, m.From)
		}
	}
	if err != nil {
		n.logger.Warn("quorum: refusing learner connection", "remote", c.RemoteAddr(), "reason", err)
		_ = c.Close()
		return
	}
	if n.wrap != nil {
		c = n.wrap(c, n.self, m.From, QuorumConn)
	}
	n.mu.Lock()
	if n.stopped {
		n.mu.Unlock()
		_ = c.Close()
		return
	}
	// A learner has one link to us: a new one replaces the old (the old LearnerHandler dies).
	var old []*qconn
	for _, o := range n.conns {
		if o.inbound && o.peer == m.From {
			old = append(old, o)
		}
	}
	n.nextIn += 2
	qc := n.newConnLocked(n.nextIn, m.From, true)
	qc.c = c
	n.mu.Unlock()
	for _, o := range old {
		o.shut(errors.New("replaced by a new connection from the same learner"))
	}
	m.To, m.Conn = n.self, qc.id
	if !n.deliver(m) {
		qc.shut(nil)
		return
	}
	n.run(qc, c)
}

// client hands the client traffic of a link (forward.go) to the Config callbacks: REQUEST
// and SYNC are consumed here; a PING's touches are handed over and the PING still goes to zab.
func (n *quorumNet) client(qc *qconn, m zab.Message) (handled bool, err error) {
	switch m.Type {
	case msgRequest:
		r, err := decodeRequest(m.Data)
		if err != nil {
			return true, err
		}
		if n.onRequest != nil {
			n.onRequest(qc.peer, r)
		}
		return true, nil
	case msgSync:
		r, err := decodeSync(m)
		if err != nil {
			return true, err
		}
		if n.onSync != nil {
			n.onSync(r)
		}
		return true, nil
	case msgRevalidate:
		if !qc.inbound {
			id, valid, err := decodeRevalidateAnswer(m.Data)
			if err != nil {
				return true, err
			}
			n.reval.answer(id, valid)
			return true, nil
		}
		id, timeout, err := decodeRevalidateAsk(m.Data)
		if err != nil {
			return true, err
		}
		valid := false
		if n.onReval != nil {
			valid = n.onReval(qc.peer, id, timeout)
		}
		n.send(zab.Message{Type: msgRevalidate, To: qc.peer, Conn: qc.id, Data: encodeRevalidateAnswer(id, valid)})
		return true, nil
	case zab.MsgPing:
		if qc.inbound && len(m.Data) > 0 {
			ts, err := DecodeTouches(m.Data)
			if err != nil {
				return true, err
			}
			if n.onTouch != nil {
				n.onTouch(qc.peer, ts)
			}
		}
	}
	return false, nil
}

// sendToLearner queues m on the inbound link of learner peer (the leader's side); false when
// there is none.
func (n *quorumNet) sendToLearner(peer uint64, m zab.Message) bool {
	n.mu.Lock()
	var qc *qconn
	for _, c := range n.conns {
		if c.inbound && c.peer == peer {
			qc = c
			break
		}
	}
	n.mu.Unlock()
	if qc == nil {
		return false
	}
	m.To, m.Conn = peer, qc.id
	n.send(m)
	return true
}
