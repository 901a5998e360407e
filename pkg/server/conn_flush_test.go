package server

import (
	"bytes"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/protocol"
)

// TestStalledReaderDoesNotStallOthers: the reader goroutine writes read replies itself
// (conn.endRequest), so a client that pipelines big reads and never reads the replies blocks
// its own reader in write. That must hold no lock others need: another session is still
// served, and a write (which takes the tree's write lock) still goes through.
func TestStalledReaderDoesNotStallOthers(t *testing.T) {
	s := startServer(t, nil)
	other := connectZK(t, s.Addr())
	big := bytes.Repeat([]byte{'v'}, 512<<10)
	if _, err := other.Create("/big", big, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	stalled := dialRaw(t, s.Addr())
	stalled.newSession(10000)
	var frames []byte
	for xid := int32(1); xid <= 64; xid++ { // 32 MiB of replies: far beyond the socket buffers
		frames = jute.AppendFrameRecords(frames, &jute.RequestHeader{Xid: xid, Type: int32(protocol.OpGetData)}, &jute.GetDataRequest{Path: "/big"})
	}
	_ = stalled.nc.SetWriteDeadline(time.Now().Add(rawTimeout))
	go func() { _, _ = stalled.nc.Write(frames) }()
	time.Sleep(200 * time.Millisecond) // let its reader block in write

	done := make(chan error, 1)
	go func() {
		if _, err := other.Set("/big", []byte("small"), -1); err != nil {
			done <- err
			return
		}
		_, _, err := other.Get("/big")
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("another session was not served while one client stopped reading")
	}
	// The stalled client still gets every reply, in order, once it reads.
	_ = stalled.nc.SetReadDeadline(time.Now().Add(20 * time.Second))
	for want := int32(1); want <= 64; want++ {
		r, err := stalled.read()
		if err != nil {
			t.Fatalf("reply %d: %v", want, err)
		}
		if r.hdr.Xid != want || r.hdr.Err != 0 {
			t.Fatalf("reply %+v, want xid %d", r.hdr, want)
		}
	}
}
