package ensemble

import (
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
	"github.com/zkensemble/zkensemble/test/harness"
)

// rawSession is one client connection speaking jute directly, so a test can resume a session
// on a second connection (same id and password) while the first is still open.
type rawSession struct {
	c      net.Conn
	id     int64
	passwd []byte
	xid    int32
}

func rawConnect(t *testing.T, addr string, id int64, passwd []byte) *rawSession {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if passwd == nil {
		passwd = make([]byte, 16)
	}
	_ = c.SetDeadline(time.Now().Add(15 * time.Second))
	if _, err := c.Write(jute.AppendFrame(nil, &jute.ConnectRequest{TimeOut: 20000, SessionID: id, Passwd: passwd})); err != nil {
		t.Fatal(err)
	}
	frame, err := jute.ReadFrame(c, protocol.DefaultMaxBufferBytes)
	if err != nil {
		t.Fatalf("connect to %s: %v", addr, err)
	}
	var resp jute.ConnectResponse
	if err := jute.Unmarshal(frame, &resp); err != nil {
		t.Fatal(err)
	}
	if resp.SessionID == 0 || (id != 0 && resp.SessionID != id) {
		t.Fatalf("connect to %s with session 0x%x: got session 0x%x (timeout %d)", addr, id, resp.SessionID, resp.TimeOut)
	}
	return &rawSession{c: c, id: resp.SessionID, passwd: resp.Passwd}
}

// call sends one request and returns the reply's error code; errClosed when the server closed
// the connection instead of answering.
var errClosed = errors.New("connection closed without a reply")

func (s *rawSession) call(op protocol.OpCode, body jute.Record) (protocol.ErrCode, error) {
	s.xid++
	_ = s.c.SetDeadline(time.Now().Add(15 * time.Second))
	if _, err := s.c.Write(jute.AppendFrameRecords(nil, &jute.RequestHeader{Xid: s.xid, Type: int32(op)}, body)); err != nil {
		return 0, errClosed
	}
	for {
		frame, err := jute.ReadFrame(s.c, protocol.DefaultMaxBufferBytes)
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || isReset(err) {
			return 0, errClosed
		}
		if err != nil {
			return 0, err
		}
		var h jute.ReplyHeader
		d := jute.NewDecoder(frame)
		h.Decode(d)
		if d.Err() != nil {
			return 0, d.Err()
		}
		if h.Xid == s.xid {
			return protocol.ErrCode(h.Err), nil
		}
		// A notification or a ping reply: not ours.
	}
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op)
}

// TestSessionMoved: a session resumed on another server is refused through the server it
// left. The old connection stays open (nobody tells its server) until it sends a write; then
// that server closes it without an answer, and the write is not applied (ZOOKEEPER-710,
// FinalRequestProcessor's SessionMovedException). Run against an Apache ensemble first, so
// the expectation is ZooKeeper's own, then against ours; each case moves the session between
// a different pair of members.
func TestSessionMoved(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	for _, target := range []harness.Target{harness.Apache, harness.ZKE} {
		t.Run(target.String(), func(t *testing.T) {
			e, err := harness.LaunchProxiedEnsemble(target, 3, harness.ProxiedOptions{TickTimeMS: 500})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(e.Stop)
			leader, err := e.WaitLeader(60 * time.Second)
			if err != nil {
				t.Fatal(err)
			}
			var followers []int
			for id := 1; id <= 3; id++ {
				if id != leader {
					followers = append(followers, id)
				}
			}
			for i, mv := range []struct{ from, to int }{
				{followers[0], followers[1]}, {leader, followers[0]}, {followers[1], leader},
			} {
				t.Run(fmt.Sprintf("%d-to-%d", mv.from, mv.to), func(t *testing.T) {
					path := fmt.Sprintf("/moved-%d", i)
					old := rawConnect(t, e.ClientAddr(mv.from), 0, nil)
					if code, err := old.call(protocol.OpCreate, &jute.CreateRequest{Path: path, Data: []byte("0"), ACL: openACL()}); err != nil || code != protocol.ErrOk {
						t.Fatalf("create through %d: %v %v", mv.from, code, err)
					}
					moved := rawConnect(t, e.ClientAddr(mv.to), old.id, old.passwd)
					if code, err := moved.call(protocol.OpSetData, &jute.SetDataRequest{Path: path, Data: []byte("new"), Version: -1}); err != nil || code != protocol.ErrOk {
						t.Fatalf("setData through %d after the move: %v %v", mv.to, code, err)
					}
					code, err := old.call(protocol.OpSetData, &jute.SetDataRequest{Path: path, Data: []byte("stale"), Version: -1})
					if !errors.Is(err, errClosed) {
						t.Fatalf("a write through the member the session left (%d) got %v %v; want the connection closed without an answer", mv.from, code, err)
					}
					if code, err := moved.call(protocol.OpSync, &jute.SyncRequest{Path: path}); err != nil || code != protocol.ErrOk {
						t.Fatalf("sync: %v %v", code, err)
					}
					if got := getData(t, moved, path); got != "new" {
						t.Fatalf("%s = %q after the refused write; want %q", path, got, "new")
					}
				})
			}
		})
	}
}

func openACL() []jute.ACL {
	return []jute.ACL{{Perms: int32(protocol.PermAll), ID: jute.Id{Scheme: "world", ID: "anyone"}}}
}

// getData reads path through s (its reply body is a GetDataResponse).
func getData(t *testing.T, s *rawSession, path string) string {
	t.Helper()
	s.xid++
	_ = s.c.SetDeadline(time.Now().Add(15 * time.Second))
	if _, err := s.c.Write(jute.AppendFrameRecords(nil, &jute.RequestHeader{Xid: s.xid, Type: int32(protocol.OpGetData)}, &jute.GetDataRequest{Path: path})); err != nil {
		t.Fatal(err)
	}
	for {
		frame, err := jute.ReadFrame(s.c, protocol.DefaultMaxBufferBytes)
		if err != nil {
			t.Fatal(err)
		}
		d := jute.NewDecoder(frame)
		var h jute.ReplyHeader
		h.Decode(d)
		if h.Xid != s.xid {
			continue
		}
		if h.Err != 0 {
			t.Fatalf("getData %s: %v", path, protocol.ErrCode(h.Err))
		}
		var resp jute.GetDataResponse
		resp.Decode(d)
		if d.Err() != nil {
			t.Fatal(d.Err())
		}
		return string(resp.Data)
	}
}
