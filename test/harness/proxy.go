package harness

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// ErrProxyClosed is returned by a LinkProxy used after Close.
var ErrProxyClosed = errors.New("harness: link proxy closed")

// proxyDialTimeout bounds the dial to the real member port; a member that is down (killed) is
// refused at once on loopback, a stopped (SIGSTOP) one still completes the handshake in the
// kernel.
const proxyDialTimeout = 2 * time.Second

// HelloRewriter may replace the first bytes a dialer sends through a LinkProxy before they are
// forwarded (see ElectionHelloRewriter). It reads what it needs from r and returns the bytes to
// forward instead; an error passes what was read through unchanged.
type HelloRewriter func(r io.Reader) (replaced []byte, read []byte, err error)

// LinkProxy is one direction of one member-to-member link: a listener on 127.0.0.1 that
// forwards every accepted connection to a fixed target (a member's real quorum or election
// port). It can drop the link (a partition), add latency, and sever the connections it carries.
//
// A dropped link behaves like a network partition for TCP: bytes already in flight stop moving
// (the copy loops stop reading, so the senders' kernel buffers fill as they would without
// acknowledgements), and connections opened while dropped are accepted but never reach the
// target; Heal closes those and lets the paused ones continue, as TCP retransmission would.
type LinkProxy struct {
	target  string
	rewrite HelloRewriter
	ln      net.Listener

	mu      sync.Mutex
	open    chan struct{} // closed while traffic flows; replaced by a fresh one on Drop
	dropped bool
	delay   time.Duration
	conns   map[*proxiedConn]struct{}
	held    map[net.Conn]struct{} // accepted while dropped; closed on Heal
	closed  bool
	wg      sync.WaitGroup
}

type proxiedConn struct {
	client, upstream net.Conn
	once             sync.Once
	done             chan struct{}
}

func (c *proxiedConn) close() {
	c.once.Do(func() {
		close(c.done)
		c.client.Close()
		c.upstream.Close()
	})
}

// NewLinkProxy listens on a free port of 127.0.0.1 and forwards to target. rewrite may be nil.
// The caller must Close it.
func NewLinkProxy(target string, rewrite HelloRewriter) (*LinkProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("harness: link proxy listen: %w", err)
	}
	p := &LinkProxy{
		target:  target,
		rewrite: rewrite,
		ln:      ln,
		open:    make(chan struct{}),
		conns:   map[*proxiedConn]struct{}{},
		held:    map[net.Conn]struct{}{},
	}
	close(p.open)
	p.wg.Add(1)
	go p.acceptLoop()
	return p, nil
}

// Addr is the address peers dial instead of the target.
func (p *LinkProxy) Addr() string { return p.ln.Addr().String() }

// Port is the listening port.
func (p *LinkProxy) Port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// Target is the real address the proxy forwards to.
func (p *LinkProxy) Target() string { return p.target }

// Drop stops all traffic on the link (a partition) until Heal.
func (p *LinkProxy) Drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.dropped || p.closed {
		return
	}
	p.dropped = true
	p.open = make(chan struct{})
}

// Heal lets traffic flow again: paused connections resume, connections accepted while dropped
// are closed so their dialers retry.
func (p *LinkProxy) Heal() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.dropped {
		return
	}
	p.dropped = false
	close(p.open)
	for c := range p.held {
		c.Close()
	}
	clear(p.held)
}

// Dropped reports whether the link is partitioned.
func (p *LinkProxy) Dropped() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dropped
}

// SetDelay adds d before every chunk forwarded in either direction (0 removes it).
func (p *LinkProxy) SetDelay(d time.Duration) {
	p.mu.Lock()
	p.delay = d
	p.mu.Unlock()
}

// Sever closes every connection the link carries now (both ends see a reset or EOF, as when
// a middlebox drops state); new connections are accepted as usual.
func (p *LinkProxy) Sever() {
	p.mu.Lock()
	conns := make([]*proxiedConn, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	for _, c := range conns {
		c.close()
	}
}

// Conns is the number of connections currently forwarded.
func (p *LinkProxy) Conns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}

// Close stops listening, closes every connection and waits for the proxy's goroutines.
func (p *LinkProxy) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	if p.dropped {
		p.dropped = false
		close(p.open)
	}
	for c := range p.held {
		c.Close()
	}
	clear(p.held)
	p.mu.Unlock()
	p.ln.Close()
	p.Sever()
	p.wg.Wait()
}

func (p *LinkProxy) acceptLoop() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		switch {
		case p.closed:
			c.Close()
		case p.dropped:
			// Hold it: the dialer believes it is connected, nothing reaches the target.
			p.held[c] = struct{}{}
			p.wg.Add(1)
			go p.drain(c)
		default:
			p.wg.Add(1)
			go p.forward(c)
		}
		p.mu.Unlock()
	}
}

// drain discards what a held connection sends until Heal or Close closes it.
func (p *LinkProxy) drain(c net.Conn) {
	defer p.wg.Done()
	_, _ = io.Copy(io.Discard, c)
	c.Close()
	p.mu.Lock()
	delete(p.held, c)
	p.mu.Unlock()
}

func (p *LinkProxy) forward(client net.Conn) {
	defer p.wg.Done()
	up, err := net.DialTimeout("tcp", p.target, proxyDialTimeout)
	if err != nil {
		client.Close()
		return
	}
	pc := &proxiedConn{client: client, upstream: up, done: make(chan struct{})}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		pc.close()
		return
	}
	p.conns[pc] = struct{}{}
	p.mu.Unlock()
	defer func() {
		pc.close()
		p.mu.Lock()
		delete(p.conns, pc)
		p.mu.Unlock()
	}()

	p.mu.Lock()
	rewrite := p.rewrite
	p.mu.Unlock()
	var first []byte
	if rewrite != nil {
		_ = client.SetReadDeadline(time.Now().Add(proxyDialTimeout))
		replaced, read, err := rewrite(client)
		_ = client.SetReadDeadline(time.Time{})
		first = replaced
		if err != nil {
			first = read
		}
	}
	var copies sync.WaitGroup
	copies.Add(2)
	go func() { defer copies.Done(); p.pump(pc, up, client, first) }()
	go func() { defer copies.Done(); p.pump(pc, client, up, nil) }()
	copies.Wait()
}

// pump copies src to dst chunk by chunk, waiting while the link is dropped and sleeping the
// configured delay before each write. Either side ending ends the whole connection.
func (p *LinkProxy) pump(pc *proxiedConn, dst, src net.Conn, first []byte) {
	defer pc.close()
	if len(first) > 0 {
		if !p.await(pc) {
			return
		}
		if _, err := dst.Write(first); err != nil {
			return
		}
	}
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !p.await(pc) {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// await blocks while the link is dropped, then applies the delay; false if the connection was
// closed meanwhile.
func (p *LinkProxy) await(pc *proxiedConn) bool {
	for {
		p.mu.Lock()
		open, delay := p.open, p.delay
		p.mu.Unlock()
		select {
		case <-pc.done:
			return false
		case <-open:
		}
		if delay > 0 {
			select {
			case <-pc.done:
				return false
			case <-time.After(delay):
			}
		}
		// A Drop may have happened during the delay; the chunk must wait for Heal then.
		p.mu.Lock()
		stillOpen := p.open == open
		p.mu.Unlock()
		if stillOpen {
			return true
		}
	}
}
