package server

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/debug"
	"time"

	"github.com/zkensemble/zkensemble/pkg/acl"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// errStopReading ends a reader loop without further logging: the reason was already logged
// and the connection is closing after its last reply.
var errStopReading = errors.New("server: stop reading")

// readLoop is the per-connection reader goroutine. Nothing a client sends can crash the
// server: decoding errors close the connection, and a panic in this goroutine (a bug) is
// recovered, logged loudly and closes only this connection.
func (s *Server) readLoop(c *conn) {
	defer func() {
		if p := recover(); p != nil {
			s.logger.Error("BUG: panic while serving a connection; closing it", "client", c.remote,
				"session", hexID(c.sessionID.Load()), "panic", p, "stack", string(debug.Stack()))
			c.close(fmt.Sprintf("panic: %v", p))
		}
	}()
	br := bufio.NewReaderSize(c.nc, 64<<10)
	// A connection must send its first packet within the largest session timeout.
	_ = c.nc.SetReadDeadline(s.now().Add(s.cfg.MaxSessionTimeout))

	// The first four bytes may be a four-letter word instead of a length
	// (NIOServerCnxn.readLength → checkFourLetterWord, only before the handshake).
	head, err := br.Peek(jute.FrameHeaderBytes)
	if err != nil {
		c.close("closed before the handshake")
		return
	}
	if cmd := string(head); isFourLetterWord(cmd) {
		_, _ = br.Discard(jute.FrameHeaderBytes)
		s.serveFourLetterWord(c, cmd)
		return
	}
	frame, err := jute.ReadFrame(br, s.cfg.MaxBufferBytes)
	if err != nil {
		s.readFailed(c, err)
		return
	}
	if err := s.handleConnect(c, frame); err != nil {
		if !errors.Is(err, errStopReading) {
			s.logger.Info("refusing connection", "client", c.remote, "reason", err)
			c.close(err.Error())
		}
		return
	}
	_ = c.nc.SetReadDeadline(time.Time{})
	fr := frameReader{br: br, maxBytes: s.cfg.MaxBufferBytes}
	held := 0 // requests handled since the reader last flushed
	for {
		frame, err := fr.next()
		if err != nil {
			s.readFailed(c, err)
			return
		}
		c.beginRequest()
		err = s.handleFrame(c, frame)
		// A client that pipelines (ZooKeeper's async API) sends several requests per segment:
		// while the next one is already buffered, its reply joins the queue and one write
		// carries them all, instead of one syscall per reply. The flush happens before any read
		// that could block, so nothing waits on the client (NIOServerCnxn likewise writes its
		// whole outgoing queue per select round).
		if err == nil && held < maxCoalescedReplies && fr.frameBuffered() && c.queuedBelow(maxCoalescedBytes) {
			held++
			continue
		}
		held = 0
		c.endRequest()
		if err != nil {
			if !errors.Is(err, errStopReading) {
				s.logger.Warn("closing connection", "client", c.remote, "session", hexID(c.sessionID.Load()), "reason", err)
				c.close(err.Error())
			}
			return
		}
	}
}

// Bounds on how many replies, and how many bytes, the reader holds back to write at once.
const (
	maxCoalescedReplies = 64
	maxCoalescedBytes   = 64 << 10
)

// readFailed closes a connection whose stream ended or broke, logging why when it is the
// client's fault (ZooKeeper logs "Len error" for an oversize packet).
func (s *Server) readFailed(c *conn, err error) {
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
		c.close("client closed the connection")
	case errors.Is(err, os.ErrDeadlineExceeded):
		select {
		case <-s.stopping: // shutdown: the writer flushes, then closes
		default:
			s.logger.Info("closing connection: no request in time", "client", c.remote)
			c.close("read timeout")
		}
	case errors.Is(err, jute.ErrFrameTooLarge), errors.Is(err, jute.ErrBadFrameLength):
		s.logger.Warn("closing connection: bad packet length", "client", c.remote, "session", hexID(c.sessionID.Load()), "err", err)
		c.close(err.Error())
	default:
		s.logger.Info("closing connection: read failed", "client", c.remote, "session", hexID(c.sessionID.Load()), "err", err)
		c.close(err.Error())
	}
}

// handleFrame handles one request packet after the handshake. A non-nil error closes the
// connection.
func (s *Server) handleFrame(c *conn, frame []byte) error {
	if !s.serving.Load() {
		return errors.New("server is not serving")
	}
	d := jute.NewDecoder(frame)
	var h jute.RequestHeader
	h.Decode(d)
	if err := d.Err(); err != nil {
		return fmt.Errorf("malformed request header: %w", err)
	}
	op := protocol.OpCode(h.Type)
	body := frame[d.Off:]
	c.stats.received.Add(1)
	s.stats.packetsReceived.Add(1)

	switch kindOf(op) {
	case kindImmediate:
		if op == protocol.OpAuth {
			return s.handleAuth(c, h.Xid, body)
		}
		return s.handleSASL(c, h.Xid, body)
	case kindInvalid:
		// UnimplementedRequestProcessor: reply Unimplemented (zxid -1, the Request's default)
		// and close the connection.
		s.logger.Warn("received packet of unknown type; closing connection", "client", c.remote, "type", int32(op))
		c.send(replyFrame(h.Xid, -1, protocol.ErrUnimplemented, nil))
		c.closeAfterFlush("unknown request type")
		return errStopReading
	}

	sid := c.sessionID.Load()
	now := s.now()
	s.sessMu.Lock()
	alive := s.tracker.Touch(sid, now.UnixMilli())
	s.sessMu.Unlock()
	if !alive {
		// ZooKeeperServer.touch → MissingSessionException: the request is dropped. The
		// closeSession being applied will close this connection.
		s.logger.Debug("dropping request of a closing session", "session", hexID(sid), "op", op)
		return nil
	}
	if op == protocol.OpCloseSession {
		// PrepRequestProcessor marks the session closing at once, so the expiry timer does not
		// close it a second time while the txn is on its way.
		s.sessMu.Lock()
		s.tracker.SetClosing(sid)
		s.sessMu.Unlock()
	}
	r := &request{conn: c, sessionID: sid, xid: h.Xid, op: op, ids: c.authIDs(), start: now}
	r.body, r.decodeErr = decodeBody(op, body)
	s.dispatch(c, r)
	return nil
}

// handleAuth answers an addauth packet at once, as ZooKeeperServer.processPacket does: success
// adds the ids to the connection; failure replies AuthFailed and closes the connection.
func (s *Server) handleAuth(c *conn, xid int32, body []byte) error {
	var pkt jute.AuthPacket
	d := jute.NewDecoder(body)
	pkt.Decode(d)
	if err := d.Err(); err != nil {
		return fmt.Errorf("malformed auth packet: %w", err)
	}
	var ids []jute.Id
	var err error
	if pkt.Scheme == acl.SchemeX509 && s.cfg.X509Enabled {
		// X509AuthenticationProvider.handleAuthentication(cnxn, authData) ignores authData and
		// authenticates the connection's certificate chain: AuthFailed without one.
		if ids = c.x509; len(ids) == 0 {
			err = fmt.Errorf("addauth x509 on a connection without a client certificate: %w", protocol.ErrAuthFailed)
		}
	} else {
		ids, err = acl.Authenticate(pkt.Scheme, pkt.Auth, s.cfg.SuperDigest)
	}
	if err != nil {
		s.logger.Warn("authentication failed", "client", c.remote, "session", hexID(c.sessionID.Load()), "scheme", pkt.Scheme, "err", err)
		c.send(replyFrame(xid, 0, protocol.ErrAuthFailed, nil))
		c.closeAfterFlush("authentication failed")
		return errStopReading
	}
	for _, id := range ids {
		c.addAuthID(id)
	}
	s.logger.Info("auth success", "client", c.remote, "session", hexID(c.sessionID.Load()), "scheme", pkt.Scheme)
	c.send(replyFrame(xid, 0, protocol.ErrOk, nil))
	return nil
}

// handleSASL answers a SASL token (ZooKeeperServer.processSasl). With SASL configured the token
// is a step of the connection's DIGEST-MD5 exchange (saslauth.go). Without it, as ZooKeeper 3.8:
// the connection has no SASL server, evaluating the token fails with a NullPointerException
// that processSasl logs, and the reply is Ok with a null token.
func (s *Server) handleSASL(c *conn, xid int32, body []byte) error {
	var req jute.GetSASLRequest
	d := jute.NewDecoder(body)
	req.Decode(d)
	if err := d.Err(); err != nil {
		return fmt.Errorf("malformed sasl packet: %w", err)
	}
	if s.cfg.SASL != nil {
		return s.saslStep(c, xid, req.Token)
	}
	s.logger.Warn("SASL token received but SASL is not configured", "client", c.remote)
	c.send(replyFrame(xid, 0, protocol.ErrOk, &jute.SetSASLResponse{}))
	return nil
}

// replyFrame encodes a reply header and an optional body as one frame.
func replyFrame(xid int32, zxid int64, err protocol.ErrCode, body jute.Record) []byte {
	return replyFrameSized(xid, zxid, err, body, 0)
}

// replyHeaderFrameBytes is a frame's length prefix plus a ReplyHeader (xid, zxid, err).
const replyHeaderFrameBytes = jute.FrameHeaderBytes + 4 + 8 + 4

// replyFrameSized is replyFrame with the body's encoded size when the caller knows it
// (0: unknown), so that the frame is allocated once.
func replyFrameSized(xid int32, zxid int64, err protocol.ErrCode, body jute.Record, bodyBytes int) []byte {
	if body == nil {
		return jute.AppendReply(make([]byte, 0, replyHeaderFrameBytes), xid, zxid, int32(err), nil)
	}
	if bodyBytes <= 0 {
		bodyBytes = 64
	}
	// jute.AppendReply encodes the hot bodies without allocating: the frame is the only
	// allocation of a getData reply (TestReplyFrameAllocations).
	return jute.AppendReply(make([]byte, 0, replyHeaderFrameBytes+bodyBytes), xid, zxid, int32(err), body)
}

// frameReader reads request frames after the handshake. A frame that fits in the buffered
// reader is returned as a view of its buffer (no copy, no allocation), valid until the next
// call: handleFrame decodes everything it keeps (strings and buffers are copied by the jute
// decoder) before it returns. Larger frames are read into a fresh slice. Errors are those of
// jute.ReadFrame: io.EOF only before the first byte of a frame, io.ErrUnexpectedEOF inside one.
type frameReader struct {
	br       *bufio.Reader
	maxBytes int
	consumed int // bytes of the previous view still to discard
}

// frameBuffered reports whether a whole frame beyond the current one is already buffered, so
// that next returns it without reading from the socket. A bad length counts as not buffered:
// next reports it.
func (f *frameReader) frameBuffered() bool {
	n := f.br.Buffered() - f.consumed
	if n < jute.FrameHeaderBytes {
		return false
	}
	head, err := f.br.Peek(f.consumed + jute.FrameHeaderBytes) // buffered: no read
	if err != nil {
		return false
	}
	length := int32(binary.BigEndian.Uint32(head[f.consumed:]))
	return length >= 0 && int(length) <= n-jute.FrameHeaderBytes
}

func (f *frameReader) next() ([]byte, error) {
	if f.consumed > 0 {
		_, _ = f.br.Discard(f.consumed) // buffered already: cannot fail
		f.consumed = 0
	}
	head, err := f.br.Peek(jute.FrameHeaderBytes)
	if err != nil {
		if errors.Is(err, io.EOF) && len(head) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	n, err := jute.FrameLength([jute.FrameHeaderBytes]byte(head), f.maxBytes)
	if err != nil {
		return nil, err
	}
	total := jute.FrameHeaderBytes + n
	if total > f.br.Size() {
		_, _ = f.br.Discard(jute.FrameHeaderBytes)
		body := make([]byte, n)
		if _, err := io.ReadFull(f.br, body); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		return body, nil
	}
	whole, err := f.br.Peek(total)
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	f.consumed = total
	return whole[jute.FrameHeaderBytes:], nil
}
