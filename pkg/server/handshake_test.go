package server

import (
	"bytes"
	"testing"
	"time"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

func TestHandshakeAnswersInTheClientsForm(t *testing.T) {
	s := startServer(t, nil)
	for _, tc := range []struct {
		name        string
		hasReadOnly bool
		wantLen     int // ConnectResponse bytes: 4+4+8+(4+16) [+1]
	}{
		{"without readOnly (go-zookeeper)", false, 36},
		{"with readOnly (Java, kazoo)", true, 37},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dialRaw(t, s.Addr())
			resp, frame := c.connect(jute.ConnectRequest{TimeOut: 1000, Passwd: make([]byte, 16), HasReadOnly: tc.hasReadOnly})
			if len(frame) != tc.wantLen {
				t.Errorf("ConnectResponse is %d bytes, want %d", len(frame), tc.wantLen)
			}
			if resp.SessionID == 0 || len(resp.Passwd) != 16 || resp.TimeOut != 1000 {
				t.Errorf("response %+v", resp)
			}
			if resp.SessionID>>56 != standaloneServerID {
				t.Errorf("session id 0x%x: high byte should be the standalone server id 1", resp.SessionID)
			}
		})
	}
}

func TestHandshakeClampsTimeout(t *testing.T) {
	s := startServer(t, func(c *Config) {
		c.MinSessionTimeout = 300 * time.Millisecond
		c.MaxSessionTimeout = 900 * time.Millisecond
	})
	for _, tc := range []struct{ asked, want int32 }{{1, 300}, {500, 500}, {60000, 900}} {
		c := dialRaw(t, s.Addr())
		if got := c.newSession(tc.asked).TimeOut; got != tc.want {
			t.Errorf("asked %d ms: got %d, want %d", tc.asked, got, tc.want)
		}
	}
}

func TestHandshakeReconnect(t *testing.T) {
	s := startServer(t, nil)
	first := dialRaw(t, s.Addr())
	sess := first.newSession(4000)
	if code := first.call(1, protocol.OpCreate, &jute.CreateRequest{Path: "/e", ACL: openACL, Flags: int32(protocol.ModeEphemeral)}, nil); code != protocol.ErrOk {
		t.Fatalf("create: %v", code)
	}

	t.Run("right password moves the session and closes the old connection", func(t *testing.T) {
		c := dialRaw(t, s.Addr())
		resp, _ := c.connect(jute.ConnectRequest{LastZxidSeen: 1, TimeOut: 4000, SessionID: sess.SessionID, Passwd: sess.Passwd})
		if resp.SessionID != sess.SessionID || !bytes.Equal(resp.Passwd, sess.Passwd) {
			t.Fatalf("reconnect got %+v", resp)
		}
		first.expectClosed()
		var out jute.GetEphemeralsResponse
		if code := c.call(2, protocol.OpGetEphemerals, &jute.GetEphemeralsRequest{PrefixPath: "/"}, &out); code != protocol.ErrOk || len(out.Ephemerals) != 1 {
			t.Fatalf("getEphemerals after reconnect: %v %v", code, out.Ephemerals)
		}
	})
	for _, tc := range []struct {
		name    string
		id      int64
		passwd  []byte
		readOnl bool
	}{
		{"wrong password", sess.SessionID, make([]byte, 16), false},
		{"unknown session", sess.SessionID + 1000, nil, true},
	} {
		t.Run(tc.name+" gets the expired reply and is closed", func(t *testing.T) {
			c := dialRaw(t, s.Addr())
			passwd := tc.passwd
			if passwd == nil {
				passwd = make([]byte, 16)
			}
			resp, _ := c.connect(jute.ConnectRequest{TimeOut: 4000, SessionID: tc.id, Passwd: passwd, HasReadOnly: tc.readOnl})
			want := jute.ConnectResponse{Passwd: make([]byte, 16), HasReadOnly: tc.readOnl}
			if resp.TimeOut != 0 || resp.SessionID != 0 || !bytes.Equal(resp.Passwd, want.Passwd) || resp.HasReadOnly != tc.readOnl {
				t.Errorf("got %+v, want %+v", resp, want)
			}
			c.expectClosed()
		})
	}
	t.Run("lastZxidSeen ahead of the server: closed without a reply", func(t *testing.T) {
		c := dialRaw(t, s.Addr())
		c.writeFrame(&jute.ConnectRequest{LastZxidSeen: 1 << 40, TimeOut: 4000, Passwd: make([]byte, 16)})
		c.expectClosed()
	})
}
