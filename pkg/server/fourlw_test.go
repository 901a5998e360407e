package server

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zkensemble/zkensemble/pkg/fourlw"
)

func query(t *testing.T, addr, cmd string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	text, err := fourlw.Query(ctx, addr, cmd)
	if err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	return text
}

func TestFourLetterWordsWithLiveNumbers(t *testing.T) {
	s := startServer(t, nil)
	c := connectZK(t, s.Addr())
	for _, p := range []string{"/a", "/b"} {
		if _, err := c.Create(p, []byte("data"), 0, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Create("/eph", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := c.GetW("/a"); err != nil {
		t.Fatal(err)
	}

	srvr, err := fourlw.ParseSrvr(query(t, s.Addr(), "srvr"))
	if err != nil {
		t.Fatal(err)
	}
	// ZooKeeper counts the root twice ("" and "/"): a fresh tree has 5 nodes; plus /a, /b, /eph.
	if srvr.Mode != fourlw.ModeStandalone || srvr.NodeCount != 8 || srvr.Zxid != 4 || srvr.Connections < 1 || srvr.Received < 4 {
		t.Errorf("srvr: %+v", srvr)
	}

	stats, ok := zk.FLWSrvr([]string{s.Addr()}, 5*time.Second)
	if !ok || len(stats) != 1 || stats[0].Error != nil || stats[0].Mode != zk.ModeStandalone || stats[0].NodeCount != 8 {
		t.Errorf("go-zookeeper FLWSrvr: ok=%v %+v", ok, stats)
	}
	clients, ok := zk.FLWCons([]string{s.Addr()}, 5*time.Second)
	if !ok || len(clients) != 1 || clients[0].Error != nil || len(clients[0].Clients) < 1 {
		t.Fatalf("go-zookeeper FLWCons: ok=%v %+v", ok, clients)
	}
	found := false
	for _, cl := range clients[0].Clients {
		if cl.SessionID == c.SessionID() {
			found = cl.Queued == 0 && cl.Received >= 5 && cl.LastOperation != ""
		}
	}
	if !found {
		t.Errorf("cons does not show our session 0x%x with its counters: %+v", c.SessionID(), clients[0].Clients)
	}
	if got := zk.FLWRuok([]string{s.Addr()}, 5*time.Second); len(got) != 1 || !got[0] {
		t.Errorf("ruok: %v", got)
	}

	mntr, err := fourlw.ParseMntr(query(t, s.Addr(), "mntr"))
	if err != nil {
		t.Fatal(err)
	}
	if mntr.Stats.Mode != fourlw.ModeStandalone || mntr.Stats.NodeCount != 8 || mntr.Stats.EphemeralsCount != 1 || mntr.Stats.WatchCount != 1 || mntr.Stats.ApproximateDataSizeBytes == 0 {
		t.Errorf("mntr: %+v", mntr.Stats)
	}
	if got := query(t, s.Addr(), "wchs"); !strings.Contains(got, "1 connections watching 1 paths") {
		t.Errorf("wchs: %q", got)
	}
	if got := query(t, s.Addr(), "wchp"); !strings.HasPrefix(got, "/a\n\t0x") {
		t.Errorf("wchp: %q", got)
	}
	if got := query(t, s.Addr(), "dump"); !strings.Contains(got, "/eph") {
		t.Errorf("dump does not list the ephemeral: %q", got)
	}
	if got := query(t, s.Addr(), "envi"); !strings.Contains(got, "zookeeper.version=3.") {
		t.Errorf("envi: %q", got)
	}
	if got := query(t, s.Addr(), "isro"); got != "rw" {
		t.Errorf("isro: %q", got)
	}
	if got := query(t, s.Addr(), "conf"); !strings.Contains(got, "tickTime=100\n") {
		t.Errorf("conf: %q", got)
	}
	if got := query(t, s.Addr(), "srst"); got != fourlw.Srst() {
		t.Errorf("srst: %q", got)
	}
	if after, _ := fourlw.ParseSrvr(query(t, s.Addr(), "srvr")); after.Received > 2 {
		t.Errorf("srst did not reset the packet count: %+v", after)
	}
}

func TestFourLetterWordWhitelist(t *testing.T) {
	s := startServer(t, func(c *Config) { c.FourLetterWhitelist = "ruok" })
	if got := query(t, s.Addr(), "ruok"); got != "imok" {
		t.Errorf("ruok: %q", got)
	}
	if got := query(t, s.Addr(), "srvr"); !strings.HasPrefix(got, "Zookeeper version:") {
		t.Errorf("srvr is always allowed: %q", got)
	}
	c := dialRaw(t, s.Addr())
	_, _ = c.nc.Write([]byte("mntr"))
	_ = c.nc.SetReadDeadline(time.Now().Add(rawTimeout))
	got, _ := io.ReadAll(c.nc)
	if string(got) != "mntr is not executed because it is not in the whitelist.\n" {
		t.Errorf("mntr: %q", got)
	}
}
