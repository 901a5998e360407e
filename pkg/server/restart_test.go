package server

import (
	"context"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zkensemble/zkensemble/pkg/jute"
	"github.com/zkensemble/zkensemble/pkg/txnlog"
)

// TestRestartReplaysTheTxnLog stops a server and starts another on the same file log: the tree,
// the zxid and the sessions come back.
func TestRestartReplaysTheTxnLog(t *testing.T) {
	dir := t.TempDir()
	run := func(fn func(s *Server)) {
		log, err := txnlog.Open(dir, txnlog.Options{ForceSync: true, PreallocBytes: -1})
		if err != nil {
			t.Fatal(err)
		}
		s, err := New(Config{ClientAddr: "127.0.0.1:0", TickTime: 100 * time.Millisecond}, Deps{Log: log, Logger: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- s.Serve(context.Background()) }()
		fn(s)
		s.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("server did not stop")
		}
	}
	var sessionID int64
	var passwd []byte
	var lastZxid int64
	run(func(s *Server) {
		c := connectZK(t, s.Addr())
		if _, err := c.Create("/keep", []byte("v"), 0, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Set("/keep", []byte("v2"), 0); err != nil {
			t.Fatal(err)
		}
		raw := dialRaw(t, s.Addr())
		resp := raw.newSession(2000)
		sessionID, passwd = resp.SessionID, resp.Passwd
		s.treeMu.RLock()
		lastZxid = s.tree.LastProcessedZxid()
		s.treeMu.RUnlock()
	})
	run(func(s *Server) {
		s.treeMu.RLock()
		got := s.tree.LastProcessedZxid()
		s.treeMu.RUnlock()
		if got != lastZxid {
			t.Errorf("zxid after restart 0x%x, want 0x%x", got, lastZxid)
		}
		c := connectZK(t, s.Addr())
		data, st, err := c.Get("/keep")
		if err != nil || string(data) != "v2" || st.Version != 1 {
			t.Errorf("after restart: %q %+v %v", data, st, err)
		}
		raw := dialRaw(t, s.Addr())
		resp, _ := raw.connect(jute.ConnectRequest{LastZxidSeen: lastZxid, TimeOut: 2000, SessionID: sessionID, Passwd: passwd})
		if resp.SessionID != sessionID {
			t.Errorf("session did not survive the restart: %+v", resp)
		}
	})
}
