package jute

import (
	"bufio"
	"encoding/hex"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// TestCaptureGolden records reply frames from a running Apache ZooKeeper into testdata/golden.
// It is skipped unless JUTE_CAPTURE_ZK names the server (host:port); see testdata/golden/README.md.
func TestCaptureGolden(t *testing.T) {
	addr := os.Getenv("JUTE_CAPTURE_ZK")
	if addr == "" {
		t.Skip("set JUTE_CAPTURE_ZK=127.0.0.1:<port> of a fresh Apache ZooKeeper to recapture golden frames")
	}
	dir := filepath.Join("testdata", "golden")
	save := func(name string, frame []byte) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name+".hex"), []byte(hex.EncodeToString(frame)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// A go-zookeeper style connect (no readOnly byte) shows the reply form for old clients.
	{
		c, r := dialZK(t, addr)
		send(t, c, AppendFrame(nil, &ConnectRequest{TimeOut: 30000, Passwd: make([]byte, 16)}))
		save("connect_response_no_readonly", recvFrame(t, r))
		c.Close()
	}

	c, r := dialZK(t, addr)
	defer c.Close()
	connect := &ConnectRequest{TimeOut: 30000, Passwd: make([]byte, 16), HasReadOnly: true}
	send(t, c, AppendFrame(nil, connect))
	save("connect_response", recvFrame(t, r))

	world := []ACL{{Perms: int32(protocol.PermAll), ID: Id{Scheme: "world", ID: "anyone"}}}
	xid := int32(0)
	call := func(op protocol.OpCode, req Record) []byte {
		t.Helper()
		xid++
		send(t, c, AppendFrameRecords(nil, &RequestHeader{Xid: xid, Type: int32(op)}, req))
		return recvFrame(t, r)
	}

	save("create2_response", call(protocol.OpCreate2, &CreateRequest{Path: "/golden", Data: []byte("hello"), ACL: world}))
	save("create2_nodeexists_response", call(protocol.OpCreate2, &CreateRequest{Path: "/golden", Data: nil, ACL: world}))
	save("getdata_response", call(protocol.OpGetData, &GetDataRequest{Path: "/golden", Watch: true}))
	save("getchildren2_response", call(protocol.OpGetChildren2, &GetChildren2Request{Path: "/", Watch: false}))
	save("getacl_response", call(protocol.OpGetACL, &GetACLRequest{Path: "/golden"}))

	// setData fires the data watch: the notification (xid -1) comes before the reply.
	xid++
	send(t, c, AppendFrameRecords(nil, &RequestHeader{Xid: xid, Type: int32(protocol.OpSetData)},
		&SetDataRequest{Path: "/golden", Data: []byte("world"), Version: -1}))
	save("watcher_event", recvFrame(t, r))
	save("setdata_response", recvFrame(t, r))

	save("multi_ok_response", call(protocol.OpMulti, &MultiRequest{Ops: []MultiOp{
		{Type: protocol.OpCreate, Req: &CreateRequest{Path: "/golden/a", Data: []byte{}, ACL: world}},
		{Type: protocol.OpCreate2, Req: &CreateRequest{Path: "/golden/b", Data: []byte("b"), ACL: world, Flags: int32(protocol.ModeEphemeralSequential)}},
		{Type: protocol.OpSetData, Req: &SetDataRequest{Path: "/golden/a", Data: []byte("x"), Version: 0}},
		{Type: protocol.OpCheck, Req: &CheckVersionRequest{Path: "/golden", Version: 1}},
		{Type: protocol.OpDelete, Req: &DeleteRequest{Path: "/golden/a", Version: -1}},
	}}))
	save("multi_error_response", call(protocol.OpMulti, &MultiRequest{Ops: []MultiOp{
		{Type: protocol.OpCreate2, Req: &CreateRequest{Path: "/golden/c", Data: []byte("c"), ACL: world}},
		{Type: protocol.OpDelete, Req: &DeleteRequest{Path: "/golden/missing", Version: -1}},
		{Type: protocol.OpSetData, Req: &SetDataRequest{Path: "/golden", Data: nil, Version: -1}},
	}}))
	save("multiread_response", call(protocol.OpMultiRead, &MultiRequest{Ops: []MultiOp{
		{Type: protocol.OpGetData, Req: &GetDataRequest{Path: "/golden"}},
		{Type: protocol.OpGetChildren, Req: &GetChildrenRequest{Path: "/missing"}},
		{Type: protocol.OpGetChildren, Req: &GetChildrenRequest{Path: "/golden"}},
	}}))
	save("whoami_response", call(protocol.OpWhoAmI, nil))
	save("ping_response", func() []byte {
		send(t, c, AppendFrame(nil, &RequestHeader{Xid: protocol.XidPing, Type: int32(protocol.OpPing)}))
		return recvFrame(t, r)
	}())
	save("close_response", call(protocol.OpCloseSession, nil))
}

func dialZK(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	return c, bufio.NewReader(c)
}

func send(t *testing.T, c net.Conn, b []byte) {
	t.Helper()
	if _, err := c.Write(b); err != nil {
		t.Fatal(err)
	}
}

// recvFrame returns a whole frame, length prefix included, as it came off the wire.
func recvFrame(t *testing.T, r *bufio.Reader) []byte {
	t.Helper()
	body, err := ReadFrame(r, protocol.DefaultMaxBufferBytes)
	if err != nil {
		t.Fatal(err)
	}
	return AppendFrameRecords(nil, rawRecord(body))
}

// rawRecord encodes as its bytes verbatim.
type rawRecord []byte

func (r rawRecord) Encode(e *Encoder) { e.Buf = append(e.Buf, r...) }
func (r rawRecord) Decode(d *Decoder) {}
