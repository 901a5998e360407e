package jute

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// goldenFrame reads testdata/golden/<name>.hex: one whole frame from Apache ZooKeeper 3.8.0.
func goldenFrame(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "golden", name+".hex"))
	if err != nil {
		t.Fatal(err)
	}
	frame, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return frame
}

// TestGoldenFrames decodes reply frames captured from ZooKeeper, checks what they say and
// re-encodes them to the same bytes.
func TestGoldenFrames(t *testing.T) {
	tests := []struct {
		name  string
		recs  []Record // records of the frame body, in order
		check func(t *testing.T, recs []Record)
	}{
		{"connect_response", []Record{&ConnectResponse{}}, func(t *testing.T, r []Record) {
			c := r[0].(*ConnectResponse)
			if !c.HasReadOnly || c.ReadOnly || c.TimeOut != 30000 || len(c.Passwd) != 16 || c.SessionID == 0 {
				t.Errorf("%+v", c)
			}
		}},
		{"connect_response_no_readonly", []Record{&ConnectResponse{}}, func(t *testing.T, r []Record) {
			// ZooKeeper answers a client that sent no readOnly byte without one.
			if c := r[0].(*ConnectResponse); c.HasReadOnly {
				t.Errorf("%+v", c)
			}
		}},
		{"create2_response", []Record{&ReplyHeader{}, &Create2Response{}}, func(t *testing.T, r []Record) {
			c := r[1].(*Create2Response)
			if c.Path != "/golden" || c.Stat.DataLength != 5 || c.Stat.Czxid != r[0].(*ReplyHeader).Zxid {
				t.Errorf("%+v %+v", r[0], c)
			}
		}},
		{"create2_nodeexists_response", []Record{&ReplyHeader{}}, func(t *testing.T, r []Record) {
			// A failed request's reply is the header alone.
			if h := r[0].(*ReplyHeader); h.Err != int32(protocol.ErrNodeExists) {
				t.Errorf("%+v", h)
			}
		}},
		{"getdata_response", []Record{&ReplyHeader{}, &GetDataResponse{}}, func(t *testing.T, r []Record) {
			if g := r[1].(*GetDataResponse); string(g.Data) != "hello" || g.Stat.Version != 0 {
				t.Errorf("%+v", g)
			}
		}},
		{"getchildren2_response", []Record{&ReplyHeader{}, &GetChildren2Response{}}, func(t *testing.T, r []Record) {
			if g := r[1].(*GetChildren2Response); len(g.Children) != 2 || g.Stat.NumChildren != 2 {
				t.Errorf("%+v", g)
			}
		}},
		{"getacl_response", []Record{&ReplyHeader{}, &GetACLResponse{}}, func(t *testing.T, r []Record) {
			g := r[1].(*GetACLResponse)
			if len(g.ACL) != 1 || g.ACL[0] != (ACL{Perms: 31, ID: Id{Scheme: "world", ID: "anyone"}}) {
				t.Errorf("%+v", g)
			}
		}},
		{"watcher_event", []Record{&ReplyHeader{}, &WatcherEvent{}}, func(t *testing.T, r []Record) {
			// Notifications carry xid -1 and zxid -1 (not the change's zxid).
			h, w := r[0].(*ReplyHeader), r[1].(*WatcherEvent)
			if h.Xid != protocol.XidNotification || h.Zxid != -1 || h.Err != 0 ||
				*w != (WatcherEvent{Type: int32(protocol.EventNodeDataChanged), State: int32(protocol.StateSyncConnected), Path: "/golden"}) {
				t.Errorf("%+v %+v", h, w)
			}
		}},
		{"setdata_response", []Record{&ReplyHeader{}, &SetDataResponse{}}, func(t *testing.T, r []Record) {
			if s := r[1].(*SetDataResponse); s.Stat.Version != 1 || s.Stat.Mzxid != r[0].(*ReplyHeader).Zxid {
				t.Errorf("%+v", s)
			}
		}},
		{"multi_ok_response", []Record{&ReplyHeader{}, &MultiResponse{}}, func(t *testing.T, r []Record) {
			// ZooKeeper 3.8 turns a create2 op inside multi into create and answers without a
			// stat; ZOOKEEPER-4026 (3.9) keeps create2 and answers Create2Response.
			m := r[1].(*MultiResponse)
			types := []protocol.OpCode{protocol.OpCreate, protocol.OpCreate, protocol.OpSetData, protocol.OpCheck, protocol.OpDelete}
			if len(m.Results) != len(types) {
				t.Fatalf("%+v", m)
			}
			for i, want := range types {
				if m.Results[i].Type != want {
					t.Errorf("result %d: %v, want %v", i, m.Results[i].Type, want)
				}
			}
			if p := m.Results[1].Resp.(*CreateResponse).Path; p != "/golden/b0000000001" {
				t.Errorf("sequential path %q", p)
			}
		}},
		{"multi_error_response", []Record{&ReplyHeader{}, &MultiResponse{}}, func(t *testing.T, r []Record) {
			// The reply header of a failed multi carries err 0; the codes are per op.
			h, m := r[0].(*ReplyHeader), r[1].(*MultiResponse)
			want := []MultiResult{
				{Type: protocol.OpError, Err: protocol.ErrOk},
				{Type: protocol.OpError, Err: protocol.ErrNoNode},
				{Type: protocol.OpError, Err: protocol.ErrRuntimeInconsistency},
			}
			if h.Err != 0 || !reflect.DeepEqual(m.Results, want) {
				t.Errorf("%+v %+v", h, m.Results)
			}
		}},
		{"multiread_response", []Record{&ReplyHeader{}, &MultiResponse{}}, func(t *testing.T, r []Record) {
			m := r[1].(*MultiResponse)
			if len(m.Results) != 3 || m.Results[0].Type != protocol.OpGetData ||
				m.Results[1] != (MultiResult{Type: protocol.OpError, Err: protocol.ErrNoNode}) ||
				m.Results[2].Type != protocol.OpGetChildren {
				t.Errorf("%+v", m.Results)
			}
		}},
		{"whoami_response", []Record{&ReplyHeader{}, &WhoAmIResponse{}}, func(t *testing.T, r []Record) {
			if w := r[1].(*WhoAmIResponse); len(w.ClientInfo) != 1 || w.ClientInfo[0] != (ClientInfo{AuthScheme: "ip", User: "127.0.0.1"}) {
				t.Errorf("%+v", w)
			}
		}},
		{"ping_response", []Record{&ReplyHeader{}}, func(t *testing.T, r []Record) {
			if h := r[0].(*ReplyHeader); h.Xid != protocol.XidPing {
				t.Errorf("%+v", h)
			}
		}},
		{"close_response", []Record{&ReplyHeader{}}, func(t *testing.T, r []Record) {
			if h := r[0].(*ReplyHeader); h.Err != 0 {
				t.Errorf("%+v", h)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			frame := goldenFrame(t, tc.name)
			body, err := ReadFrame(bytes.NewReader(frame), protocol.DefaultMaxBufferBytes)
			if err != nil {
				t.Fatal(err)
			}
			d := NewDecoder(body)
			for _, r := range tc.recs {
				d.ReadRecord(r)
			}
			if d.Err() != nil || d.Remaining() != 0 {
				t.Fatalf("decode: %v, %d bytes left", d.Err(), d.Remaining())
			}
			tc.check(t, tc.recs)
			if again := AppendFrameRecords(nil, tc.recs...); !bytes.Equal(again, frame) {
				t.Fatalf("re-encoded frame differs:\n got  %x\n want %x", again, frame)
			}
		})
	}
}

// TestGoldenRequestFrames decodes request frames kazoo sent to ZooKeeper through a recording
// proxy, using NewRequest to pick the body record, and re-encodes them to the same bytes.
func TestGoldenRequestFrames(t *testing.T) {
	t.Run("connect_request_kazoo", func(t *testing.T) {
		frame := goldenFrame(t, "connect_request_kazoo")
		body, err := ReadFrame(bytes.NewReader(frame), protocol.DefaultMaxBufferBytes)
		if err != nil {
			t.Fatal(err)
		}
		var c ConnectRequest
		if err := Unmarshal(body, &c); err != nil {
			t.Fatal(err)
		}
		if !c.HasReadOnly || c.SessionID != 0 || len(c.Passwd) != 16 {
			t.Errorf("%+v", c)
		}
		if again := AppendFrame(nil, &c); !bytes.Equal(again, frame) {
			t.Fatalf("re-encoded frame differs:\n got  %x\n want %x", again, frame)
		}
	})
	for _, tc := range []struct {
		name string
		op   protocol.OpCode
	}{
		{"create_request_kazoo", protocol.OpCreate},
		{"getdata_request_kazoo", protocol.OpGetData},
		{"close_request_kazoo", protocol.OpCloseSession},
	} {
		t.Run(tc.name, func(t *testing.T) {
			frame := goldenFrame(t, tc.name)
			body, err := ReadFrame(bytes.NewReader(frame), protocol.DefaultMaxBufferBytes)
			if err != nil {
				t.Fatal(err)
			}
			d := NewDecoder(body)
			var h RequestHeader
			h.Decode(d)
			if protocol.OpCode(h.Type) != tc.op {
				t.Fatalf("header %+v, want op %v", h, tc.op)
			}
			req, ok := NewRequest(protocol.OpCode(h.Type))
			if !ok {
				t.Fatalf("NewRequest(%v) not ok", tc.op)
			}
			if req != nil {
				req.Decode(d)
			}
			if d.Err() != nil || d.Remaining() != 0 {
				t.Fatalf("decode: %v, %d bytes left", d.Err(), d.Remaining())
			}
			if again := AppendFrameRecords(nil, &h, req); !bytes.Equal(again, frame) {
				t.Fatalf("re-encoded frame differs:\n got  %x\n want %x", again, frame)
			}
		})
	}
}
