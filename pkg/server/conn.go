package server

import (
	"bufio"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zkensemble/zkensemble/pkg/acl"
	"github.com/zkensemble/zkensemble/pkg/jute"
)

// conn is one client connection. Its reader goroutine is the only producer of its requests;
// its writer goroutine is the only one writing to the socket. Replies and notifications are
// queued as ready-made frames by whichever goroutine produces them (reader, apply goroutine).
type conn struct {
	id     int64 // also its watch.WatcherID: ZooKeeper's watches belong to a ServerCnxn
	srv    *Server
	nc     net.Conn // nil for connections of an in-process core (NewCore)
	remote string   // "ip:port" of the client
	ip     string   // client address without port (maxClientCnxns, "ip" auth id)

	// Set by the reader goroutine during the handshake; read by others through atomics.
	sessionID     atomic.Int64
	timeoutMillis atomic.Int32
	established   time.Time

	// ids are the auth identities of the connection; replaced (never mutated) by the reader
	// goroutine on auth, so a request can keep the slice it captured.
	idsMu sync.Mutex
	ids   []jute.Id

	// Ordering (see pipeline.go): writes of this connection handed to the processor and not yet
	// answered, and the requests queued behind them. A read is answered right away only when
	// nothing is queued.
	mu      sync.Mutex
	waiting []*request

	// Outgoing queue, drained by the writer goroutine.
	outMu      sync.Mutex
	out        [][]byte
	outBytes   int
	closing    bool // close once the queue is flushed (closeSession, auth failure, ...)
	closed     bool
	wake       chan struct{}
	done       chan struct{} // closed when the connection is closed
	closeOnce  sync.Once
	closeCause string

	stats connStats
}

func newConn(s *Server, id int64, nc net.Conn) *conn {
	c := &conn{id: id, srv: s, nc: nc, wake: make(chan struct{}, 1), done: make(chan struct{})}
	c.stats.init(s.now())
	if nc != nil {
		c.remote = nc.RemoteAddr().String()
		if host, _, err := net.SplitHostPort(c.remote); err == nil {
			c.ip = host
		} else {
			c.ip = c.remote
		}
	} else {
		c.remote, c.ip = "127.0.0.1:0", "127.0.0.1"
	}
	// Every connection holds the "ip" id of its peer (NIOServerCnxn's authInfo starts with it).
	if nc != nil {
		c.ids = []jute.Id{acl.IPID(nc.RemoteAddr())}
	} else {
		c.ids = []jute.Id{acl.IPIDFromHost(c.ip)}
	}
	return c
}

func (c *conn) authIDs() []jute.Id {
	c.idsMu.Lock()
	defer c.idsMu.Unlock()
	return c.ids
}

// addAuthID adds id unless present, as ServerCnxn.addAuthInfo does.
func (c *conn) addAuthID(id jute.Id) {
	c.idsMu.Lock()
	defer c.idsMu.Unlock()
	for _, have := range c.ids {
		if have == id {
			return
		}
	}
	ids := make([]jute.Id, len(c.ids), len(c.ids)+1)
	copy(ids, c.ids)
	c.ids = append(ids, id)
}

// send queues one frame. It never blocks: a connection whose backlog exceeds MaxOutgoingBytes
// is closed instead (its client stopped reading).
func (c *conn) send(frame []byte) {
	c.outMu.Lock()
	if c.closed || c.closing {
		c.outMu.Unlock()
		return
	}
	c.out = append(c.out, frame)
	c.outBytes += len(frame)
	over := c.outBytes > c.srv.cfg.MaxOutgoingBytes
	c.outMu.Unlock()
	c.stats.sent.Add(1)
	c.srv.stats.packetsSent.Add(1)
	if over {
		c.close("outgoing queue over maxOutgoingBytes: client is not reading")
		return
	}
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// closeAfterFlush makes the writer close the connection once everything queued so far is
// written (ZooKeeper's sendCloseSession / closeConn buffer). Later sends are dropped.
func (c *conn) closeAfterFlush(cause string) {
	c.outMu.Lock()
	if c.closing || c.closed {
		c.outMu.Unlock()
		return
	}
	c.closing = true
	c.closeCause = cause
	c.outMu.Unlock()
	if c.nc == nil {
		c.close(cause)
		return
	}
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// take returns the queued frames and whether the connection should close after them.
func (c *conn) take() ([][]byte, bool) {
	c.outMu.Lock()
	defer c.outMu.Unlock()
	frames := c.out
	c.out = nil
	c.outBytes = 0
	return frames, c.closing
}

// close closes the connection now; queued frames are dropped. Safe to call more than once.
func (c *conn) close(cause string) {
	c.closeOnce.Do(func() {
		c.outMu.Lock()
		c.closed = true
		if c.closeCause == "" {
			c.closeCause = cause
		}
		if c.nc != nil {
			c.out = nil // nobody will write them; a core connection keeps them for take
		}
		c.outMu.Unlock()
		close(c.done)
		// Forget the connection before the peer can see it closed, so that whoever reacts to
		// the close (a four-letter-word client asking cons next) no longer finds it.
		c.srv.connClosed(c, cause)
		if c.nc != nil {
			_ = c.nc.Close()
		}
	})
}

func (c *conn) isClosed() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// writeLoop drains the outgoing queue. It flushes only when the queue is empty, so replies
// produced together leave in one write.
func (c *conn) writeLoop() {
	bw := bufio.NewWriterSize(c.nc, 64<<10)
	for {
		frames, closing := c.take()
		if len(frames) == 0 {
			if bw.Buffered() > 0 {
				if err := bw.Flush(); err != nil {
					c.close("write failed: " + err.Error())
					return
				}
			}
			if closing {
				c.close(c.closeCause)
				return
			}
			select {
			case <-c.wake:
				continue
			case <-c.done:
				return
			}
		}
		for _, f := range frames {
			if _, err := bw.Write(f); err != nil {
				c.close("write failed: " + err.Error())
				return
			}
		}
	}
}
