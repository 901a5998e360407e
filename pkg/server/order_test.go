package server

import (
	"fmt"
	"sync"
	"testing"

	"github.com/go-zookeeper/zk"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// TestSessionFIFOUnderPipelining sends writes and reads back to back without waiting, from
// several sessions at once, and checks that each session's replies come in request order and
// that every read sees the writes sent before it.
func TestSessionFIFOUnderPipelining(t *testing.T) {
	s := startServer(t, nil)
	setup := connectZK(t, s.Addr())
	if _, err := setup.Create("/f", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	const sessions, rounds = 4, 100
	var wg sync.WaitGroup
	errs := make(chan error, sessions)
	for n := 0; n < sessions; n++ {
		c := dialRaw(t, s.Addr())
		c.newSession(2000)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- pipeline(c, n, rounds)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// pipeline writes create, getData, setData, getData, exists for each round without reading,
// then checks every reply.
func pipeline(c *rawClient, n, rounds int) error {
	var frames []byte
	xid := int32(0)
	for i := 0; i < rounds; i++ {
		path := fmt.Sprintf("/f/s%d-%d", n, i)
		for _, req := range []struct {
			op   protocol.OpCode
			body jute.Record
		}{
			{protocol.OpCreate, &jute.CreateRequest{Path: path, Data: []byte("a"), ACL: openACL}},
			{protocol.OpGetData, &jute.GetDataRequest{Path: path}},
			{protocol.OpSetData, &jute.SetDataRequest{Path: path, Data: []byte("bb"), Version: -1}},
			{protocol.OpGetData, &jute.GetDataRequest{Path: path}},
			{protocol.OpExists, &jute.ExistsRequest{Path: path}},
		} {
			xid++
			frames = jute.AppendFrameRecords(frames, &jute.RequestHeader{Xid: xid, Type: int32(req.op)}, req.body)
		}
	}
	go func() { _, _ = c.nc.Write(frames) }()
	var lastZxid int64
	for want := int32(1); want <= xid; want++ {
		r, err := c.read()
		if err != nil {
			return fmt.Errorf("session %d: reading reply %d: %w", n, want, err)
		}
		if r.hdr.Xid != want {
			return fmt.Errorf("session %d: reply xid %d, want %d", n, r.hdr.Xid, want)
		}
		if r.hdr.Err != 0 {
			return fmt.Errorf("session %d: xid %d failed with %v", n, want, protocol.ErrCode(r.hdr.Err))
		}
		if r.hdr.Zxid < lastZxid {
			return fmt.Errorf("session %d: reply zxid went back from 0x%x to 0x%x", n, lastZxid, r.hdr.Zxid)
		}
		lastZxid = r.hdr.Zxid
		switch (want - 1) % 5 {
		case 1, 3:
			var resp jute.GetDataResponse
			if err := jute.Unmarshal(r.body, &resp); err != nil {
				return err
			}
			wantData := map[int32]string{1: "a", 3: "bb"}[(want-1)%5]
			if string(resp.Data) != wantData {
				return fmt.Errorf("session %d: xid %d read %q, want %q (a read overtook a write)", n, want, resp.Data, wantData)
			}
		}
	}
	return nil
}

// TestNotificationFramePrecedesReadReply checks on the wire that a watch event reaches its
// connection before the reply to a read sent after the change.
func TestNotificationFramePrecedesReadReply(t *testing.T) {
	s := startServer(t, nil)
	writer := connectZK(t, s.Addr())
	if _, err := writer.Create("/n", []byte("0"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	c := dialRaw(t, s.Addr())
	c.newSession(2000)
	for i := int32(1); i <= 20; i++ {
		var resp jute.GetDataResponse
		if code := c.call(2*i, protocol.OpGetData, &jute.GetDataRequest{Path: "/n", Watch: true}, &resp); code != 0 {
			t.Fatal(code)
		}
		if _, err := writer.Set("/n", []byte(fmt.Sprint(i)), -1); err != nil {
			t.Fatal(err)
		}
		c.send(2*i+1, protocol.OpGetData, &jute.GetDataRequest{Path: "/n"})
		first := c.mustRead()
		if first.hdr.Xid != protocol.XidNotification || first.hdr.Zxid != -1 {
			t.Fatalf("round %d: got %+v before the notification", i, first.hdr)
		}
		var ev jute.WatcherEvent
		if err := jute.Unmarshal(first.body, &ev); err != nil || ev.Type != int32(protocol.EventNodeDataChanged) || ev.Path != "/n" || ev.State != int32(protocol.StateSyncConnected) {
			t.Fatalf("event %+v %v", ev, err)
		}
		if second := c.mustRead(); second.hdr.Xid != 2*i+1 {
			t.Fatalf("reply %+v", second.hdr)
		}
	}
}
