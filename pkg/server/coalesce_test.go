package server

import (
	"bufio"
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// TestFrameBuffered checks the look-ahead the reader uses to hold replies of pipelined
// requests back: true only when a whole frame after the current one is already buffered.
func TestFrameBuffered(t *testing.T) {
	two := append(rawFrame([]byte("abc")), rawFrame([]byte("de"))...)
	cases := []struct {
		name   string
		stream []byte
		want   bool // after reading the first frame
	}{
		{"second frame whole", two, true},
		{"second frame cut", two[:len(two)-1], false},
		{"second header cut", two[:9], false},
		{"nothing after", rawFrame([]byte("abc")), false},
		{"empty second frame", append(rawFrame([]byte("abc")), rawFrame(nil)...), true},
		{"negative length after", append(rawFrame([]byte("abc")), 0xff, 0xff, 0xff, 0xff, 1, 2, 3), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fr := frameReader{br: bufio.NewReaderSize(bytes.NewReader(tc.stream), 64), maxBytes: 100}
			if _, err := fr.next(); err != nil {
				t.Fatal(err)
			}
			if got := fr.frameBuffered(); got != tc.want {
				t.Errorf("frameBuffered = %v, want %v", got, tc.want)
			}
			if tc.want {
				// The second frame's length is the last byte of its header, at offset 7+3.
				if f, err := fr.next(); err != nil || len(f) != int(tc.stream[10]) {
					t.Errorf("next after frameBuffered: %q, %v", f, err)
				}
			}
		})
	}
}

// TestPipelinedRequestsKeepOrder sends many reads and writes of one session in a single
// segment, so the reader handles them back to back and coalesces their replies; every reply
// must come, in request order, and each read must see exactly the writes sent before it.
func TestPipelinedRequestsKeepOrder(t *testing.T) {
	srv := startServer(t, nil)
	c := dialRaw(t, srv.Addr())
	c.newSession(30000)
	if code := c.call(1, protocol.OpCreate, &jute.CreateRequest{Path: "/p", Data: []byte("v0"), ACL: openACL}, nil); code != protocol.ErrOk {
		t.Fatalf("create: %v", code)
	}
	const rounds = 100 // 300 requests: more than maxCoalescedReplies in a row
	var batch []byte
	xid := int32(10)
	for i := 1; i <= rounds; i++ {
		batch = jute.AppendRequest(batch, xid, int32(protocol.OpGetData), &jute.GetDataRequest{Path: "/p"})
		batch = jute.AppendRequest(batch, xid+1, int32(protocol.OpSetData), &jute.SetDataRequest{Path: "/p", Data: []byte(fmt.Sprintf("v%d", i)), Version: -1})
		batch = jute.AppendRequest(batch, xid+2, int32(protocol.OpExists), &jute.ExistsRequest{Path: "/p"})
		xid += 3
	}
	_ = c.nc.SetWriteDeadline(time.Now().Add(rawTimeout))
	if _, err := c.nc.Write(batch); err != nil {
		t.Fatal(err)
	}
	xid = 10
	for i := 1; i <= rounds; i++ {
		var get jute.GetDataResponse
		r := c.mustRead()
		if r.hdr.Xid != xid || r.hdr.Err != 0 || jute.Unmarshal(r.body, &get) != nil {
			t.Fatalf("round %d: getData reply %+v", i, r.hdr)
		}
		if want := fmt.Sprintf("v%d", i-1); string(get.Data) != want || get.Stat.Version != int32(i-1) {
			t.Fatalf("round %d: read %q version %d, want %q version %d", i, get.Data, get.Stat.Version, want, i-1)
		}
		if r := c.mustRead(); r.hdr.Xid != xid+1 || r.hdr.Err != 0 {
			t.Fatalf("round %d: setData reply %+v", i, r.hdr)
		}
		var ex jute.ExistsResponse
		if r := c.mustRead(); r.hdr.Xid != xid+2 || r.hdr.Err != 0 || jute.Unmarshal(r.body, &ex) != nil || ex.Stat.Version != int32(i) {
			t.Fatalf("round %d: exists reply %+v version %d, want %d", i, r.hdr, ex.Stat.Version, i)
		}
		xid += 3
	}
}

// TestReplyFrameAllocations guards the read path's reply encoding: a getData reply costs one
// allocation, its frame.
func TestReplyFrameAllocations(t *testing.T) {
	body := &jute.GetDataResponse{Data: make([]byte, 128), Stat: jute.Stat{Version: 3}}
	allocs := testing.AllocsPerRun(200, func() {
		_ = replyFrameSized(7, 42, protocol.ErrOk, body, replyBodyBytes(body))
	})
	if allocs > 1 {
		t.Errorf("%v allocations per getData reply, want 1", allocs)
	}
}
