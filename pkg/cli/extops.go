package cli

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// SideChannel sends requests go-zookeeper cannot (see Ext) on go-zookeeper's own TCP connection,
// so they belong to the same session (whoAmI must see the session's auth, addWatch's events must
// arrive on the connection the library reads, getEphemerals must list the session's nodes).
//
// It plugs in through zk.WithDialer: every connection the library dials is wrapped. Writes from
// the library and from SideChannel are serialised whole packets (the library writes each packet
// with one Write). On the read side the wrapper reads whole frames and keeps the replies whose
// xid is in SideChannel's range, handing every other frame to the library unchanged. Our xids
// count up from sideXidBase; the library's count up from 1 and would need 2^31 requests to
// collide.
//
// Limits: persistent watches added here are not re-registered by the library after a reconnect
// (it only knows its own one-shot watches); a call in flight when the connection drops fails
// with ConnectionLoss.
type SideChannel struct {
	// Timeout bounds each call; zero means 10 s.
	Timeout time.Duration

	mu      sync.Mutex
	cur     *sideConn
	nextXid int32
	waiting map[int32]chan sideReply
}

const sideXidBase int32 = 0x7f000000

type sideReply struct {
	body []byte // after the ReplyHeader
	err  error
}

// ErrSideChannel reports that no established connection is available for a side-channel call.
var ErrSideChannel = errors.New("cli: side channel: no established connection")

// NewSideChannel returns a SideChannel; pass its Dial to zk.Connect with zk.WithDialer.
func NewSideChannel() *SideChannel {
	return &SideChannel{nextXid: sideXidBase, waiting: map[int32]chan sideReply{}}
}

// Dial is a zk.Dialer that wraps the connection it opens.
func (s *SideChannel) Dial(network, address string, timeout time.Duration) (net.Conn, error) {
	c, err := net.DialTimeout(network, address, timeout)
	if err != nil {
		return nil, err
	}
	sc := &sideConn{Conn: c, r: bufio.NewReader(c), owner: s}
	s.mu.Lock()
	s.cur = sc
	s.mu.Unlock()
	return sc, nil
}

func (s *SideChannel) call(op protocol.OpCode, req jute.Record) ([]byte, error) {
	s.mu.Lock()
	conn := s.cur
	if conn == nil || !conn.established() {
		s.mu.Unlock()
		return nil, fmt.Errorf("%w (%w)", ErrSideChannel, protocol.ErrConnectionLoss)
	}
	xid := s.nextXid
	s.nextXid++
	if s.nextXid < sideXidBase { // wrapped past MaxInt32
		s.nextXid = sideXidBase
	}
	ch := make(chan sideReply, 1)
	s.waiting[xid] = ch
	s.mu.Unlock()

	e := &jute.Encoder{Buf: make([]byte, 4, 64)}
	e.WriteInt(xid)
	e.WriteInt(int32(op))
	if req != nil {
		req.Encode(e)
	}
	binary.BigEndian.PutUint32(e.Buf[:4], uint32(len(e.Buf)-4))
	if err := conn.writePacket(e.Buf); err != nil {
		s.forget(xid)
		return nil, fmt.Errorf("%w: %v (%w)", ErrSideChannel, err, protocol.ErrConnectionLoss)
	}
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case r := <-ch:
		return r.body, r.err
	case <-timer.C:
		s.forget(xid)
		return nil, protocol.ErrOperationTimeout
	}
}

func (s *SideChannel) forget(xid int32) {
	s.mu.Lock()
	delete(s.waiting, xid)
	s.mu.Unlock()
}

// claim delivers a reply frame if its xid is one of ours.
func (s *SideChannel) claim(frame []byte) bool {
	if len(frame) < 16 {
		return false
	}
	xid := int32(binary.BigEndian.Uint32(frame[0:4]))
	if xid < sideXidBase {
		return false
	}
	s.mu.Lock()
	ch, ok := s.waiting[xid]
	delete(s.waiting, xid)
	s.mu.Unlock()
	if !ok {
		// A late reply to a call that timed out: still ours, drop it rather than confuse the library.
		return true
	}
	var r sideReply
	if code := protocol.ErrCode(int32(binary.BigEndian.Uint32(frame[12:16]))); code != protocol.ErrOk {
		r.err = code
	} else {
		r.body = frame[16:]
	}
	ch <- r
	return true
}

// failAll fails every waiting call of a connection that broke.
func (s *SideChannel) failAll(conn *sideConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != conn {
		return
	}
	for xid, ch := range s.waiting {
		ch <- sideReply{err: protocol.ErrConnectionLoss}
		delete(s.waiting, xid)
	}
}

// sideConn is one wrapped TCP connection.
type sideConn struct {
	net.Conn
	r     *bufio.Reader
	owner *SideChannel

	wmu sync.Mutex

	// rmu is held by the library's reader while it blocks on the socket; nothing else takes it.
	rmu     sync.Mutex
	pending []byte // the rest of a frame being handed to the library
	// handshake: the ConnectResponse (which has no ReplyHeader) has gone through.
	handshake atomic.Bool
}

func (c *sideConn) established() bool { return c.handshake.Load() }

func (c *sideConn) writePacket(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.Conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := c.Conn.Write(b)
	_ = c.Conn.SetWriteDeadline(time.Time{})
	return err
}

// Write is the library's write path; it shares the lock so packets never interleave.
func (c *sideConn) Write(b []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.Conn.Write(b)
}

// Read hands the library whole frames except side-channel replies.
func (c *sideConn) Read(p []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	for len(c.pending) == 0 {
		var hdr [4]byte
		if _, err := io.ReadFull(c.r, hdr[:]); err != nil {
			c.owner.failAll(c)
			return 0, err
		}
		n := binary.BigEndian.Uint32(hdr[:])
		if n > protocol.DefaultMaxBufferBytes+1024 {
			c.owner.failAll(c)
			return 0, fmt.Errorf("cli: side channel: frame of %d bytes", n)
		}
		frame := make([]byte, 4+n)
		copy(frame, hdr[:])
		if _, err := io.ReadFull(c.r, frame[4:]); err != nil {
			c.owner.failAll(c)
			return 0, err
		}
		if !c.handshake.Load() {
			c.handshake.Store(true)
		} else if c.owner.claim(frame[4:]) {
			continue
		}
		c.pending = frame
	}
	n := copy(p, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

// AddWatch sends addWatch (AddWatchRequest{path, mode}).
func (s *SideChannel) AddWatch(path string, mode protocol.AddWatchMode) error {
	_, err := s.call(protocol.OpAddWatch, &pathIntRequest{path, int32(mode)})
	return err
}

// RemoveWatches sends removeWatches (RemoveWatchesRequest{path, type}).
func (s *SideChannel) RemoveWatches(path string, t protocol.WatcherType) error {
	_, err := s.call(protocol.OpRemoveWatches, &pathIntRequest{path, int32(t)})
	return err
}

// GetEphemerals sends getEphemerals (GetEphemeralsRequest{prefixPath}).
func (s *SideChannel) GetEphemerals(prefixPath string) ([]string, error) {
	body, err := s.call(protocol.OpGetEphemerals, &pathRequest{prefixPath})
	if err != nil {
		return nil, err
	}
	d := jute.NewDecoder(body)
	out := d.ReadStrings()
	return out, d.Err()
}

// GetAllChildrenNumber sends getAllChildrenNumber (GetAllChildrenNumberRequest{path}).
func (s *SideChannel) GetAllChildrenNumber(path string) (int32, error) {
	body, err := s.call(protocol.OpGetAllChildrenNumber, &pathRequest{path})
	if err != nil {
		return 0, err
	}
	d := jute.NewDecoder(body)
	n := d.ReadInt()
	return n, d.Err()
}

// WhoAmI sends whoAmI (no body; WhoAmIResponse{vector<ClientInfo>}).
func (s *SideChannel) WhoAmI() ([]jute.ClientInfo, error) {
	body, err := s.call(protocol.OpWhoAmI, nil)
	if err != nil {
		return nil, err
	}
	d := jute.NewDecoder(body)
	n, null := d.ReadVectorLen(8)
	if null {
		return nil, d.Err()
	}
	out := make([]jute.ClientInfo, n)
	for i := range out {
		out[i].Decode(d)
	}
	return out, d.Err()
}

// pathRequest and pathIntRequest are the wire shapes of the requests above; they are encoded
// here rather than with pkg/jute's client records so this file does not depend on them.
type pathRequest struct{ path string }

func (r *pathRequest) Encode(e *jute.Encoder) { e.WriteString(r.path) }
func (r *pathRequest) Decode(d *jute.Decoder) { r.path = d.ReadString() }

type pathIntRequest struct {
	path string
	n    int32
}

func (r *pathIntRequest) Encode(e *jute.Encoder) { e.WriteString(r.path); e.WriteInt(r.n) }
func (r *pathIntRequest) Decode(d *jute.Decoder) { r.path = d.ReadString(); r.n = d.ReadInt() }

var (
	_ Ext       = (*SideChannel)(nil)
	_ zk.Dialer = (*SideChannel)(nil).Dial
)
