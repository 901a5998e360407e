package bench

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// fakeServer accepts one connection, answers the handshake, then answers each request with
// the frames script returns for it (given the request's xid and op).
func fakeServer(t *testing.T, script func(xid int32, op protocol.OpCode) [][]byte) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := jute.ReadFrame(nc, 1<<20); err != nil {
			return
		}
		resp := jute.ConnectResponse{TimeOut: 30000, SessionID: 0x1234, Passwd: make([]byte, 16)}
		if _, err := nc.Write(jute.AppendFrame(nil, &resp)); err != nil {
			return
		}
		for {
			frame, err := jute.ReadFrame(nc, 1<<20)
			if err != nil {
				return
			}
			var h jute.RequestHeader
			if err := jute.Unmarshal(frame[:8], &h); err != nil {
				return
			}
			for _, f := range script(h.Xid, protocol.OpCode(h.Type)) {
				if _, err := nc.Write(f); err != nil {
					return
				}
			}
		}
	}()
	return ln.Addr().String()
}

func reply(xid int32, code protocol.ErrCode, body jute.Record) []byte {
	return jute.AppendFrameRecords(nil, &jute.ReplyHeader{Xid: xid, Zxid: 7, Err: int32(code)}, body)
}

func TestRawClientCalls(t *testing.T) {
	stat := jute.Stat{DataLength: 3}
	cases := []struct {
		name   string
		script func(xid int32, op protocol.OpCode) [][]byte
		want   error // nil, a protocol.ErrCode, or ErrRawProtocol
	}{
		{"ok", func(xid int32, _ protocol.OpCode) [][]byte {
			return [][]byte{reply(xid, protocol.ErrOk, &jute.GetDataResponse{Data: []byte("abc"), Stat: stat})}
		}, nil},
		{"notification and ping before the reply are skipped", func(xid int32, _ protocol.OpCode) [][]byte {
			ev := jute.AppendFrameRecords(nil, &jute.ReplyHeader{Xid: protocol.XidNotification, Zxid: -1},
				&jute.WatcherEvent{Type: 3, State: 3, Path: "/x"})
			return [][]byte{ev, reply(protocol.XidPing, protocol.ErrOk, nil),
				reply(xid, protocol.ErrOk, &jute.GetDataResponse{Data: []byte("abc"), Stat: stat})}
		}, nil},
		{"server error code", func(xid int32, _ protocol.OpCode) [][]byte {
			return [][]byte{reply(xid, protocol.ErrNoNode, nil)}
		}, protocol.ErrNoNode},
		{"wrong xid", func(xid int32, _ protocol.OpCode) [][]byte {
			return [][]byte{reply(xid+5, protocol.ErrOk, &jute.GetDataResponse{Stat: stat})}
		}, ErrRawProtocol},
		{"getData reply without a stat", func(xid int32, _ protocol.OpCode) [][]byte {
			return [][]byte{reply(xid, protocol.ErrOk, nil)}
		}, ErrRawProtocol},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr := fakeServer(t, tc.script)
			c, err := dialRaw([]string{addr}, 30*time.Second, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = c.nc.Close() }()
			c.Bound(time.Now().Add(5 * time.Second))
			err = c.Get("/x")
			switch {
			case tc.want == nil && err != nil:
				t.Fatalf("Get: %v", err)
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Fatalf("Get: %v, want %v", err, tc.want)
			}
		})
	}
}

// TestRawClientXidsIncrease checks that consecutive requests carry increasing positive xids,
// which the reply matching relies on.
func TestRawClientXidsIncrease(t *testing.T) {
	seen := make(chan int32, 8)
	addr := fakeServer(t, func(xid int32, _ protocol.OpCode) [][]byte {
		seen <- xid
		return [][]byte{reply(xid, protocol.ErrOk, &jute.SetDataResponse{})}
	})
	c, err := dialRaw([]string{addr}, 30*time.Second, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.nc.Close() }()
	c.Bound(time.Now().Add(5 * time.Second))
	last := int32(0)
	for i := 0; i < 3; i++ {
		if err := c.Set("/x", []byte("v")); err != nil {
			t.Fatal(err)
		}
		if xid := <-seen; xid <= last {
			t.Fatalf("xid %d after %d", xid, last)
		} else {
			last = xid
		}
	}
}

func TestParseClient(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Client
		ok   bool
	}{{"gozk", ClientGoZK, true}, {"raw", ClientRaw, true}, {"", 0, false}, {"zk", 0, false}} {
		got, err := ParseClient(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseClient(%q) = %v, %v", tc.in, got, err)
		}
		if tc.ok && got.String() != tc.in {
			t.Errorf("String() = %q, want %q", got.String(), tc.in)
		}
	}
}

func TestRotate(t *testing.T) {
	s := []string{"a", "b", "c"}
	for i, want := range []string{"a b c", "b c a", "c a b", "a b c"} {
		if got := strings.Join(rotate(s, i), " "); got != want {
			t.Errorf("rotate(%d) = %q, want %q", i, got, want)
		}
	}
	if got := rotate([]string{"x"}, 5); len(got) != 1 || got[0] != "x" {
		t.Errorf("rotate of one = %v", got)
	}
	if s[0] != "a" {
		t.Errorf("rotate changed its input: %v", s)
	}
}

// TestRawClientReplyBuffered checks the look-ahead a pipelined session flushes by: true only
// when a whole reply frame is already buffered.
func TestRawClientReplyBuffered(t *testing.T) {
	r1 := reply(1, protocol.ErrOk, &jute.SetDataResponse{})
	r2 := reply(2, protocol.ErrOk, &jute.SetDataResponse{})
	stream := append(append([]byte{}, r1...), r2[:len(r2)-1]...)
	c := &rawConn{br: bufio.NewReaderSize(bytes.NewReader(stream), 1024)}
	if c.replyBuffered() {
		t.Fatal("nothing read yet, nothing buffered: want false before the first fill")
	}
	xid, code, _, err := c.nextReply()
	if err != nil || xid != 1 || code != protocol.ErrOk {
		t.Fatalf("first reply: xid %d code %v err %v", xid, code, err)
	}
	if c.replyBuffered() {
		t.Error("second reply lacks its last byte: want false")
	}
	c = &rawConn{br: bufio.NewReaderSize(bytes.NewReader(append(append([]byte{}, r1...), r2...)), 1024)}
	if _, _, _, err := c.nextReply(); err != nil {
		t.Fatal(err)
	}
	if !c.replyBuffered() {
		t.Error("second reply whole in the buffer: want true")
	}
}

// TestRawClientPipelines queues three requests, sends them with one flush and matches the
// replies in order.
func TestRawClientPipelines(t *testing.T) {
	seen := make(chan int32, 8)
	addr := fakeServer(t, func(xid int32, _ protocol.OpCode) [][]byte {
		seen <- xid
		return [][]byte{reply(xid, protocol.ErrOk, &jute.GetDataResponse{Stat: jute.Stat{Version: xid}})}
	})
	c, err := dialRaw([]string{addr}, 30*time.Second, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.nc.Close() }()
	c.Bound(time.Now().Add(5 * time.Second))
	var xids []int32
	for i := 0; i < 3; i++ {
		c.get = jute.GetDataRequest{Path: "/x"}
		xids = append(xids, c.queue(protocol.OpGetData, &c.get))
	}
	if err := c.flush(); err != nil {
		t.Fatal(err)
	}
	if len(c.wbuf) != 0 {
		t.Errorf("write buffer not emptied by flush: %d bytes", len(c.wbuf))
	}
	for _, want := range xids {
		xid, code, body, err := c.nextReply()
		if err != nil || xid != want || code != protocol.ErrOk || checkGetReply(body) != nil {
			t.Fatalf("reply xid %d code %v err %v, want xid %d", xid, code, err, want)
		}
		if got := <-seen; got != want {
			t.Errorf("server saw xid %d, want %d", got, want)
		}
	}
}

// TestRawClientEncodesWithoutAllocating guards the bench client's own cost per op.
func TestRawClientEncodesWithoutAllocating(t *testing.T) {
	c := &rawConn{wbuf: make([]byte, 0, 512)}
	value := make([]byte, 128)
	allocs := testing.AllocsPerRun(200, func() {
		c.set = jute.SetDataRequest{Path: "/zkbench-1/s1/k1", Data: value, Version: -1}
		c.queue(protocol.OpSetData, &c.set)
		c.wbuf = c.wbuf[:0]
	})
	if allocs != 0 {
		t.Errorf("%v allocations per queued request, want 0", allocs)
	}
}
