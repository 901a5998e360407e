package server

import (
	"bufio"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zkensemble/zkensemble/pkg/acl"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/sasl"
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
	// x509 are the ids the connection's verified TLS client certificate gave it (secure.go),
	// set before its reader starts; addauth x509 succeeds only with them.
	x509 []jute.Id
	// sasl is the connection's SASL exchange (saslauth.go), started by its first SASL packet;
	// only the reader goroutine touches it.
	sasl *sasl.DigestServer

	// Ordering (see pipeline.go): writes of this connection handed to the processor and not yet
	// answered, and the requests queued behind them. A read is answered right away only when
	// nothing is queued.
	mu      sync.Mutex
	waiting []*request

	// Outgoing queue. Whoever holds the socket (writing) drains it until it is empty: the
	// writer goroutine, or the reader goroutine right after it handled a request (flushOwn),
	// which saves a hand-off to the writer goroutine per request (one write syscall, no wake).
	outMu    sync.Mutex
	out      [][]byte
	outBytes int
	// spare is a drained queue slice kept for the next send, so queueing a reply does not
	// allocate a new slice each time the queue empties.
	spare [][]byte
	// iov is the socket holder's writev vector (only whoever holds writing touches it); a
	// field, so handing it to net.Buffers.WriteTo does not allocate.
	iov     net.Buffers
	closing bool // close once the queue is flushed (closeSession, auth failure, ...)
	closed  bool
	// writing: the socket is held by the writer or the reader; the other leaves frames queued.
	writing bool
	// readerFlushes: the reader goroutine is handling a request and will flush the queue
	// itself when done, so send need not wake the writer goroutine.
	readerFlushes bool
	wake          chan struct{}
	done          chan struct{} // closed when the connection is closed
	closeOnce     sync.Once
	closeCause    string

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
//
// Writing from the apply goroutine instead (a non-blocking write when the socket is free) was
// measured and made the set benchmark slower: it serialises every reply's syscall on that one
// goroutine, while writer goroutines spread them over the cores.
func (c *conn) send(frame []byte) {
	c.outMu.Lock()
	if c.closed || c.closing {
		c.outMu.Unlock()
		return
	}
	if c.out == nil {
		c.out, c.spare = c.spare, nil
	}
	c.out = append(c.out, frame)
	c.outBytes += len(frame)
	over := c.outBytes > c.srv.cfg.MaxOutgoingBytes
	readerFlushes := c.readerFlushes
	c.outMu.Unlock()
	c.stats.sent.Add(1)
	c.srv.stats.packetsSent.Add(1)
	if over {
		c.close("outgoing queue over maxOutgoingBytes: client is not reading")
		return
	}
	if readerFlushes {
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

// take returns the queued frames and whether the connection should close after them. Only
// for connections without a socket (NewCore), whose caller collects the frames.
func (c *conn) take() ([][]byte, bool) {
	c.outMu.Lock()
	defer c.outMu.Unlock()
	frames := c.out
	c.out = nil
	c.outBytes = 0
	return frames, c.closing
}

// acquire takes the socket and the queued frames if there are any and nobody else holds the
// socket. closing reports a requested close with nothing left to write.
func (c *conn) acquire() (frames [][]byte, closing bool) {
	c.outMu.Lock()
	defer c.outMu.Unlock()
	if c.writing {
		return nil, false
	}
	if len(c.out) == 0 {
		return nil, c.closing
	}
	frames = c.out
	c.out = nil
	c.outBytes = 0
	c.writing = true
	return frames, false
}

// more returns frames queued since acquire; while the socket is held. When there are none the
// socket stays held: the holder must flush and then release. written is the slice the holder
// has finished writing: it is kept for reuse.
func (c *conn) more(written [][]byte) [][]byte {
	c.outMu.Lock()
	defer c.outMu.Unlock()
	if c.spare == nil && cap(written) <= maxSpareFrames {
		clear(written[:cap(written)]) // drop the frames for the GC
		c.spare = written[:0]
	}
	frames := c.out
	c.out = nil
	c.outBytes = 0
	return frames
}

// release gives the socket back and reports whether frames (or a close) arrived meanwhile,
// which the writer goroutine must then handle.
func (c *conn) release() (pending bool) {
	c.outMu.Lock()
	defer c.outMu.Unlock()
	c.writing = false
	return len(c.out) > 0 || c.closing
}

// beginRequest is called by the reader goroutine before it handles a request: replies queued
// until endRequest are left for it to write.
func (c *conn) beginRequest() {
	c.outMu.Lock()
	c.readerFlushes = true
	c.outMu.Unlock()
}

// queuedBelow reports whether fewer than limit bytes wait in the outgoing queue.
func (c *conn) queuedBelow(limit int) bool {
	c.outMu.Lock()
	defer c.outMu.Unlock()
	return c.outBytes < limit
}

// endRequest writes what the request queued (its reply, usually) from the reader goroutine,
// unless the writer goroutine holds the socket (then it writes them). Writing here blocks
// only this connection's reader: a client that does not read its replies stops being read,
// while frames queued by others (watch events, write replies) still go through the writer
// goroutine's bounded queue.
func (c *conn) endRequest() {
	c.outMu.Lock()
	c.readerFlushes = false
	if c.writing || len(c.out) == 0 || c.closed {
		wake := c.closing && !c.writing
		c.outMu.Unlock()
		if wake {
			c.wakeWriter()
		}
		return
	}
	frames := c.out
	c.out = nil
	c.outBytes = 0
	c.writing = true
	c.outMu.Unlock()
	for len(frames) > 0 {
		var err error
		if len(frames) == 1 {
			_, err = c.nc.Write(frames[0])
		} else {
			c.iov = frames // one writev
			_, err = c.iov.WriteTo(c.nc)
			c.iov = nil
		}
		if err != nil {
			c.release()
			c.close("write failed: " + err.Error())
			return
		}
		frames = c.more(frames)
	}
	if c.release() {
		c.wakeWriter()
	}
}

// maxSpareFrames bounds the queue slice kept for reuse, so one burst does not pin a large one.
const maxSpareFrames = 256

func (c *conn) wakeWriter() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
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

// writeLoop drains the outgoing queue when the reader goroutine does not (frames queued by
// other goroutines, or while the reader is busy). It flushes only when the queue is empty, so
// replies produced together leave in one write.
func (c *conn) writeLoop() {
	bw := bufio.NewWriterSize(c.nc, 64<<10)
	for {
		frames, closing := c.acquire()
		if len(frames) == 0 {
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
		for len(frames) > 0 {
			for _, f := range frames {
				if _, err := bw.Write(f); err != nil {
					c.release()
					c.close("write failed: " + err.Error())
					return
				}
			}
			frames = c.more(frames)
		}
		if err := bw.Flush(); err != nil {
			c.release()
			c.close("write failed: " + err.Error())
			return
		}
		c.release() // the loop looks at the queue again before waiting
	}
}
