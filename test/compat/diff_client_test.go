package compat

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// rawConn is a bare client connection speaking jute frames: no retries, no pings, no
// reordering, so the transcript shows exactly what the server sent.
type rawConn struct {
	conn net.Conn
	br   *bufio.Reader
}

const (
	// rawIOTimeout bounds every read and write: a reply that does not come within it is
	// recorded as a timeout, not waited for.
	rawIOTimeout = 5 * time.Second
	// rawMaxFrame is what the raw client accepts from a server; it is the client-side
	// jute.maxbuffer of Java clients.
	rawMaxFrame = 4 << 20
)

var errRawTimeout = errors.New("compat: no frame within the read timeout")

func dialRaw(addr string) (*rawConn, error) {
	c, err := net.DialTimeout("tcp", addr, rawIOTimeout)
	if err != nil {
		return nil, err
	}
	return &rawConn{conn: c, br: bufio.NewReader(c)}, nil
}

func (c *rawConn) writeBytes(b []byte) error {
	_ = c.conn.SetWriteDeadline(time.Now().Add(rawIOTimeout))
	_, err := c.conn.Write(b)
	return err
}

// send writes one frame holding the records (a RequestHeader and its request, or a bare
// ConnectRequest).
func (c *rawConn) send(recs ...jute.Record) error {
	return c.writeBytes(jute.AppendFrameRecords(nil, recs...))
}

// readFrame returns the next frame body, io.EOF when the server closed the connection, or
// errRawTimeout.
func (c *rawConn) readFrame(timeout time.Duration) ([]byte, error) {
	_ = c.conn.SetReadDeadline(time.Now().Add(timeout))
	b, err := jute.ReadFrame(c.br, rawMaxFrame)
	var ne net.Error
	switch {
	case err == nil:
		return b, nil
	case errors.As(err, &ne) && ne.Timeout():
		return nil, errRawTimeout
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, net.ErrClosed):
		return nil, io.EOF
	}
	return nil, err
}

func (c *rawConn) close() { _ = c.conn.Close() }

// responseFor returns the empty response record a successful reply to op carries, or nil for
// ops whose reply is a bare header (FinalRequestProcessor).
func responseFor(op protocol.OpCode) jute.Record {
	switch op {
	case protocol.OpCreate:
		return &jute.CreateResponse{}
	case protocol.OpCreate2, protocol.OpCreateContainer, protocol.OpCreateTTL:
		return &jute.Create2Response{}
	case protocol.OpExists:
		return &jute.ExistsResponse{}
	case protocol.OpGetData, protocol.OpReconfig:
		return &jute.GetDataResponse{}
	case protocol.OpSetData:
		return &jute.SetDataResponse{}
	case protocol.OpGetACL:
		return &jute.GetACLResponse{}
	case protocol.OpSetACL:
		return &jute.SetACLResponse{}
	case protocol.OpGetChildren:
		return &jute.GetChildrenResponse{}
	case protocol.OpGetChildren2:
		return &jute.GetChildren2Response{}
	case protocol.OpSync:
		return &jute.SyncResponse{}
	case protocol.OpMulti, protocol.OpMultiRead:
		return &jute.MultiResponse{}
	case protocol.OpGetEphemerals:
		return &jute.GetEphemeralsResponse{}
	case protocol.OpGetAllChildrenNumber:
		return &jute.GetAllChildrenNumberResponse{}
	case protocol.OpWhoAmI:
		return &jute.WhoAmIResponse{}
	}
	return nil
}

// decodeReply splits a reply frame into its header and body. The body is decoded as op's
// response when the reply carries one; otherwise any bytes are kept raw so that a server
// sending a body where ZooKeeper sends none (or garbage) shows up in the diff.
func decodeReply(frame []byte, op protocol.OpCode) (jute.ReplyHeader, jute.Record, []byte, error) {
	var hdr jute.ReplyHeader
	d := jute.NewDecoder(frame)
	hdr.Decode(d)
	if d.Err() != nil {
		return hdr, nil, frame, fmt.Errorf("reply header: %w", d.Err())
	}
	rest := frame[d.Off:]
	if hdr.Xid == protocol.XidNotification {
		ev := &jute.WatcherEvent{}
		if err := jute.Unmarshal(rest, ev); err != nil {
			return hdr, nil, rest, fmt.Errorf("watcher event: %w", err)
		}
		return hdr, ev, nil, nil
	}
	if len(rest) == 0 {
		return hdr, nil, nil, nil
	}
	rec := responseFor(op)
	if rec == nil || hdr.Err != 0 {
		return hdr, nil, rest, nil
	}
	if err := jute.Unmarshal(rest, rec); err != nil {
		return hdr, nil, rest, fmt.Errorf("%v response: %w", op, err)
	}
	return hdr, rec, nil, nil
}
