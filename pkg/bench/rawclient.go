package bench

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// ErrRawProtocol is wrapped by the errors of the raw client when the server's reply does not
// fit the request (wrong xid, short frame).
var ErrRawProtocol = errors.New("bench: raw client protocol error")

// rawConn is the lean client of `-client raw`: one ZooKeeper session over one TCP connection,
// driven synchronously by the one goroutine that owns it. A request is encoded into a reused
// buffer and written with one write; the caller's goroutine then reads frames until the reply
// with the request's xid arrives (pings and notifications are skipped; the bench sets no
// watches and keeps every session busy, so it never has to ping). There is no goroutine, channel
// or per-request allocation besides the strings the caller builds, so the client's CPU per op
// stays far below go-zookeeper's, which matters when the client shares the cores with the
// server under test. The workload is the same: one request in flight per session.
type rawConn struct {
	nc   net.Conn
	br   *bufio.Reader
	wbuf []byte
	rbuf []byte
	xid  int32

	// Reused request records: passing their addresses to the encoder does not allocate.
	create jute.CreateRequest
	set    jute.SetDataRequest
	get    jute.GetDataRequest
	kids   jute.GetChildrenRequest
}

// rawReadBufferBytes holds several replies; replies here are < 300 bytes.
const rawReadBufferBytes = 16 << 10

// dialRaw connects to the first server of servers that accepts and opens a session with
// sessionTimeout, all within timeout. Run rotates servers per session so that the sessions of
// a run against an ensemble spread over its members round-robin, as ZooKeeper clients given
// the same connect string do (they shuffle it).
func dialRaw(servers []string, sessionTimeout, timeout time.Duration) (*rawConn, error) {
	deadline := time.Now().Add(timeout)
	var lastErr error
	for _, addr := range servers {
		nc, err := net.DialTimeout("tcp", addr, time.Until(deadline))
		if err != nil {
			lastErr = err
			continue
		}
		c := &rawConn{nc: nc, br: bufio.NewReaderSize(nc, rawReadBufferBytes), wbuf: make([]byte, 0, 512)}
		if err := c.handshake(sessionTimeout, deadline); err != nil {
			_ = nc.Close()
			lastErr = err
			continue
		}
		return c, nil
	}
	return nil, fmt.Errorf("%w with %v: %v", ErrConnect, servers, lastErr)
}

// rotate returns servers starting at index i (mod len): session i's preference order.
func rotate(servers []string, i int) []string {
	if len(servers) < 2 {
		return servers
	}
	k := i % len(servers)
	out := make([]string, 0, len(servers))
	out = append(out, servers[k:]...)
	return append(out, servers[:k]...)
}

func (c *rawConn) handshake(sessionTimeout time.Duration, deadline time.Time) error {
	_ = c.nc.SetDeadline(deadline)
	defer func() { _ = c.nc.SetDeadline(time.Time{}) }()
	req := jute.ConnectRequest{TimeOut: int32(sessionTimeout.Milliseconds()), Passwd: make([]byte, 16)}
	c.wbuf = jute.AppendFrame(c.wbuf[:0], &req)
	if err := c.flush(); err != nil {
		return err
	}
	frame, err := c.readFrame()
	if err != nil {
		return err
	}
	var resp jute.ConnectResponse
	d := jute.NewDecoder(frame)
	resp.Decode(d)
	if err := d.Err(); err != nil {
		return fmt.Errorf("%w: connect response: %v", ErrRawProtocol, err)
	}
	if resp.SessionID == 0 || resp.TimeOut <= 0 {
		return fmt.Errorf("%w: server refused the session", ErrConnect)
	}
	return nil
}

// readFrame reads one frame into the reused read buffer; the result is valid until the next call.
func (c *rawConn) readFrame() ([]byte, error) {
	var hdr [jute.FrameHeaderBytes]byte
	if _, err := io.ReadFull(c.br, hdr[:]); err != nil {
		return nil, err
	}
	n, err := jute.FrameLength(hdr, protocol.DefaultMaxBufferBytes)
	if err != nil {
		return nil, err
	}
	if cap(c.rbuf) < n {
		c.rbuf = make([]byte, n)
	}
	c.rbuf = c.rbuf[:n]
	if _, err := io.ReadFull(c.br, c.rbuf); err != nil {
		return nil, err
	}
	return c.rbuf, nil
}

// call sends one request and waits for its reply; it returns the reply body (valid until the
// next call) and the server's error code as an error. Nothing else may be in flight.
func (c *rawConn) call(op protocol.OpCode, body jute.Record) ([]byte, error) {
	xid := c.queue(op, body)
	if err := c.flush(); err != nil {
		return nil, err
	}
	got, code, reply, err := c.nextReply()
	if err != nil {
		return nil, err
	}
	if got != xid {
		return nil, fmt.Errorf("%w: reply xid %d, want %d", ErrRawProtocol, got, xid)
	}
	if code != protocol.ErrOk {
		return nil, code
	}
	return reply, nil
}

// queue encodes one request behind those queued since the last flush and returns its xid.
// Queued requests leave in one write (flush): a pipelined session sends what it can in one
// syscall, as ZooKeeper's own clients batch their outgoing queue.
func (c *rawConn) queue(op protocol.OpCode, body jute.Record) int32 {
	c.xid++
	if c.xid <= 0 { // negative xids are the server's (notification, ping, auth)
		c.xid = 1
	}
	c.wbuf = jute.AppendRequest(c.wbuf, c.xid, int32(op), body)
	return c.xid
}

// flush writes the queued requests, if any.
func (c *rawConn) flush() error {
	if len(c.wbuf) == 0 {
		return nil
	}
	_, err := c.nc.Write(c.wbuf)
	c.wbuf = c.wbuf[:0]
	return err
}

// nextReply reads frames until a reply to a request (not a notification or ping) arrives and
// returns its xid, error code and body (valid until the next read). The server answers a
// session's requests in order, so the caller checks the xid against its oldest request.
func (c *rawConn) nextReply() (xid int32, code protocol.ErrCode, body []byte, err error) {
	for {
		frame, err := c.readFrame()
		if err != nil {
			return 0, 0, nil, err
		}
		if len(frame) < replyHeaderBytes {
			return 0, 0, nil, fmt.Errorf("%w: reply of %d bytes", ErrRawProtocol, len(frame))
		}
		xid := int32(binary.BigEndian.Uint32(frame))
		if xid == protocol.XidNotification || xid == protocol.XidPing {
			continue
		}
		code := protocol.ErrCode(int32(binary.BigEndian.Uint32(frame[12:])))
		return xid, code, frame[replyHeaderBytes:], nil
	}
}

// replyBuffered reports whether a whole frame is already in the read buffer, i.e. whether the
// next nextReply can return without a syscall (a pipelined session flushes before it would block).
func (c *rawConn) replyBuffered() bool {
	n := c.br.Buffered()
	if n < jute.FrameHeaderBytes {
		return false
	}
	head, _ := c.br.Peek(jute.FrameHeaderBytes)
	return n-jute.FrameHeaderBytes >= int(binary.BigEndian.Uint32(head))
}

// replyHeaderBytes is ReplyHeader's encoded size: xid int, zxid long, err int.
const replyHeaderBytes = 4 + 8 + 4

func (c *rawConn) Create(path string, data []byte) error {
	c.create = jute.CreateRequest{Path: path, Data: data, ACL: worldACL}
	_, err := c.call(protocol.OpCreate, &c.create)
	return err
}

func (c *rawConn) Set(path string, data []byte) error {
	c.set = jute.SetDataRequest{Path: path, Data: data, Version: -1}
	_, err := c.call(protocol.OpSetData, &c.set)
	return err
}

// Get reads path; the reply is checked to carry data and a stat, not decoded further.
func (c *rawConn) Get(path string) error {
	c.get = jute.GetDataRequest{Path: path}
	body, err := c.call(protocol.OpGetData, &c.get)
	if err != nil {
		return err
	}
	return checkGetReply(body)
}

// checkGetReply checks that a getData reply body carries data and a stat, without decoding it.
func checkGetReply(body []byte) error {
	if len(body) < 4+statBytes {
		return fmt.Errorf("%w: getData reply of %d bytes", ErrRawProtocol, len(body))
	}
	return nil
}

// statBytes is Stat's encoded size: six longs and five ints.
const statBytes = 6*8 + 5*4

// DeleteAll deletes paths in multi batches; a failed batch (a node gone or not empty) is
// reported, and the rest still tried.
func (c *rawConn) DeleteAll(paths []string, deadline time.Time) error {
	var firstErr error
	for len(paths) > 0 {
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: cleanup: deadline passed")
		}
		n := min(len(paths), deleteBatch)
		m := jute.MultiRequest{Ops: make([]jute.MultiOp, n)}
		for i, p := range paths[:n] {
			m.Ops[i] = jute.MultiOp{Type: protocol.OpDelete, Req: &jute.DeleteRequest{Path: p, Version: -1}}
		}
		if _, err := c.call(protocol.OpMulti, &m); err != nil && firstErr == nil {
			firstErr = err
		}
		paths = paths[n:]
	}
	return firstErr
}

func (c *rawConn) Children(path string) ([]string, error) {
	c.kids = jute.GetChildrenRequest{Path: path}
	body, err := c.call(protocol.OpGetChildren, &c.kids)
	if err != nil {
		return nil, err
	}
	var resp jute.GetChildrenResponse
	if err := jute.Unmarshal(body, &resp); err != nil {
		return nil, fmt.Errorf("%w: getChildren reply: %v", ErrRawProtocol, err)
	}
	return resp.Children, nil
}

func (c *rawConn) Bound(deadline time.Time) { _ = c.nc.SetDeadline(deadline) }

// Close ends the session politely (closeSession), then the connection.
func (c *rawConn) Close() {
	_ = c.nc.SetDeadline(time.Now().Add(2 * time.Second))
	_, _ = c.call(protocol.OpCloseSession, nil)
	_ = c.nc.Close()
}

// worldACL is ZooDefs.Ids.OPEN_ACL_UNSAFE.
var worldACL = []jute.ACL{{Perms: int32(protocol.PermAll), ID: jute.Id{Scheme: "world", ID: "anyone"}}}
