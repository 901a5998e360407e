package server

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// testLogger logs to the test's output only when -v is given or ZKE_TEST_LOG is set.
func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("ZKE_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// startServer runs a server on a free 127.0.0.1 port for the duration of the test.
func startServer(t testing.TB, mutate func(*Config)) *Server {
	t.Helper()
	cfg := Config{
		ClientAddr:          "127.0.0.1:0",
		TickTime:            100 * time.Millisecond,
		FourLetterWhitelist: "*",
		DataDir:             t.TempDir(),
	}
	if mutate != nil {
		mutate(&cfg)
	}
	s, err := New(cfg, Deps{Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(context.Background()) }()
	t.Cleanup(func() {
		s.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Errorf("server did not stop within 10s")
		}
	})
	return s
}

// rawClient speaks the wire protocol directly, for tests that need exact frames.
type rawClient struct {
	t  testing.TB
	nc net.Conn
	br *bufio.Reader
}

const rawTimeout = 5 * time.Second

func dialRaw(t testing.TB, addr string) *rawClient {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, rawTimeout)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	return &rawClient{t: t, nc: nc, br: bufio.NewReader(nc)}
}

func (c *rawClient) writeFrame(rec ...jute.Record) {
	c.t.Helper()
	_ = c.nc.SetWriteDeadline(time.Now().Add(rawTimeout))
	if _, err := c.nc.Write(jute.AppendFrameRecords(nil, rec...)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func (c *rawClient) readFrame() ([]byte, error) {
	_ = c.nc.SetReadDeadline(time.Now().Add(rawTimeout))
	return jute.ReadFrame(c.br, 1<<24)
}

// connect sends a ConnectRequest and decodes the response.
func (c *rawClient) connect(req jute.ConnectRequest) (jute.ConnectResponse, []byte) {
	c.t.Helper()
	c.writeFrame(&req)
	frame, err := c.readFrame()
	if err != nil {
		c.t.Fatalf("reading ConnectResponse: %v", err)
	}
	var resp jute.ConnectResponse
	if err := jute.Unmarshal(frame, &resp); err != nil {
		c.t.Fatalf("decoding ConnectResponse %x: %v", frame, err)
	}
	return resp, frame
}

// newSession opens a session with the readOnly byte (as Java and kazoo send it).
func (c *rawClient) newSession(timeoutMillis int32) jute.ConnectResponse {
	c.t.Helper()
	resp, _ := c.connect(jute.ConnectRequest{TimeOut: timeoutMillis, Passwd: make([]byte, 16), HasReadOnly: true})
	if resp.SessionID == 0 {
		c.t.Fatalf("no session: %+v", resp)
	}
	return resp
}

func (c *rawClient) send(xid int32, op protocol.OpCode, body jute.Record) {
	c.t.Helper()
	c.writeFrame(&jute.RequestHeader{Xid: xid, Type: int32(op)}, body)
}

// reply is one frame from the server: its header and the bytes after it.
type reply struct {
	hdr  jute.ReplyHeader
	body []byte
}

func (c *rawClient) read() (reply, error) {
	frame, err := c.readFrame()
	if err != nil {
		return reply{}, err
	}
	d := jute.NewDecoder(frame)
	var h jute.ReplyHeader
	h.Decode(d)
	if d.Err() != nil {
		return reply{}, d.Err()
	}
	return reply{hdr: h, body: frame[d.Off:]}, nil
}

func (c *rawClient) mustRead() reply {
	c.t.Helper()
	r, err := c.read()
	if err != nil {
		c.t.Fatalf("read reply: %v", err)
	}
	return r
}

// call sends a request and returns the next reply, which must carry its xid.
func (c *rawClient) call(xid int32, op protocol.OpCode, body jute.Record, resp jute.Record) protocol.ErrCode {
	c.t.Helper()
	c.send(xid, op, body)
	r := c.mustRead()
	if r.hdr.Xid != xid {
		c.t.Fatalf("reply xid %d, want %d (%+v)", r.hdr.Xid, xid, r.hdr)
	}
	if resp != nil && r.hdr.Err == 0 {
		if err := jute.Unmarshal(r.body, resp); err != nil {
			c.t.Fatalf("decoding %T: %v", resp, err)
		}
	}
	return protocol.ErrCode(r.hdr.Err)
}

// expectClosed asserts the server closes the connection (EOF or reset) without sending more.
func (c *rawClient) expectClosed() {
	c.t.Helper()
	r, err := c.read()
	if err == nil {
		c.t.Fatalf("expected the connection to be closed, got a frame %+v", r.hdr)
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		c.t.Fatalf("expected the connection to be closed, it stayed open")
	}
}

var openACL = []jute.ACL{{Perms: int32(protocol.PermAll), ID: jute.Id{Scheme: "world", ID: "anyone"}}}
