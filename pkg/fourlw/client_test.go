package fourlw

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// fakeServer answers each connection with reply(word) and closes it, like a ZooKeeper server
// answering a four-letter word. It stops when the test ends.
func fakeServer(t *testing.T, reply func(word string) string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				var b [4]byte
				if _, err := io.ReadFull(c, b[:]); err != nil {
					return
				}
				_, _ = io.WriteString(c, reply(string(b[:])))
			}(c)
		}
	}()
	return ln.Addr().String()
}

func TestQuery(t *testing.T) {
	stats := standaloneStats()
	addr := fakeServer(t, func(w string) string {
		switch w {
		case "srvr":
			return stats.Srvr()
		case "ruok":
			return Ruok()
		case "mntr":
			return NotWhitelistedReply("mntr")
		case "stat":
			return NotServing + "\n"
		}
		return ""
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	text, err := Query(ctx, addr, "srvr")
	if err != nil || text != stats.Srvr() {
		t.Fatalf("srvr: %q, %v", text, err)
	}
	if text, err := Query(ctx, addr, "ruok"); err != nil || text != "imok" {
		t.Fatalf("ruok: %q, %v", text, err)
	}
	if text, err := Query(ctx, addr, "mntr"); !errors.Is(err, ErrNotWhitelisted) || text == "" {
		t.Fatalf("mntr: %q, %v", text, err)
	}
	if _, err := Query(ctx, addr, "stat"); !errors.Is(err, ErrNotServing) {
		t.Fatalf("stat: %v", err)
	}
	for _, bad := range []string{"sr", "srvrx", "stmk"} {
		if _, err := Query(ctx, addr, bad); !errors.Is(err, ErrQuery) {
			t.Errorf("Query(%q) = %v", bad, err)
		}
	}
}

func TestQueryDialFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := Query(ctx, addr, "ruok"); !errors.Is(err, ErrQuery) {
		t.Fatalf("Query to a closed port = %v", err)
	}
}

// silentServer accepts and never answers nor closes, until the test ends.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { <-done; c.Close() }()
		}
	}()
	return ln.Addr().String()
}

func TestQueryHonoursDeadline(t *testing.T) {
	addr := silentServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Query(ctx, addr, "srvr")
	if !errors.Is(err, ErrQuery) {
		t.Fatalf("Query = %v", err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("Query took %v with a 200ms deadline", el)
	}
}

func TestQueryHonoursCancel(t *testing.T) {
	addr := silentServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := Query(ctx, addr, "srvr")
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrQuery) {
		t.Fatalf("Query = %v, want ErrQuery wrapping context.Canceled", err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("Query took %v after cancel", el)
	}
}

// TestGoZookeeperParsesOurs serves our rendering to go-zookeeper's FLW helpers, which parse srvr
// and cons with regexes, so a format slip shows up as a parse failure there.
func TestGoZookeeperParsesOurs(t *testing.T) {
	stats := leaderStats()
	stats.Mode = ModeFollower
	stats.LastZxid = 0x300000007
	conns := sampleConns()
	conns = []Connection{conns[0], conns[2]} // go-zookeeper's regex wants session fields on every line
	addr := fakeServer(t, func(w string) string {
		switch w {
		case "srvr":
			return stats.Srvr()
		case "cons":
			return Cons(conns)
		case "ruok":
			return Ruok()
		}
		return ""
	})
	ss, ok := zk.FLWSrvr([]string{addr}, 5*time.Second)
	if !ok || len(ss) != 1 || ss[0].Error != nil {
		t.Fatalf("FLWSrvr: %v %+v", ok, ss[0])
	}
	s := ss[0]
	if s.Mode != zk.ModeFollower || s.Epoch != 3 || s.Counter != 7 || s.NodeCount != 9 || s.AvgLatency != 6.3 ||
		s.MinLatency != 1 || s.MaxLatency != 11 || s.Received != 23 || s.Sent != 22 || s.Connections != 3 ||
		s.Version != "3.9.2-zkensemble-0.1.0-dev" {
		t.Errorf("FLWSrvr parsed %+v", s)
	}
	cs, ok := zk.FLWCons([]string{addr}, 5*time.Second)
	if !ok || len(cs) != 1 || cs[0].Error != nil || len(cs[0].Clients) != 2 {
		t.Fatalf("FLWCons: %v %+v", ok, cs[0])
	}
	c := cs[0].Clients[0]
	if c.Addr != "127.0.0.1:35414" || c.SessionID != 0x100000744e80000 || c.LastOperation != "EXIS" ||
		c.Lcxid != 6 || c.Timeout != 10000 || c.AvgLatency != 4 || c.Received != 7 {
		t.Errorf("FLWCons parsed %+v", c)
	}
	if oks := zk.FLWRuok([]string{addr}, 5*time.Second); !oks[0] {
		t.Error("FLWRuok false")
	}
}

// startZooKeeper runs the installed Apache ZooKeeper 3.8 standalone on a free 127.0.0.1 port
// with every four-letter word allowed, and stops it when the test ends.
func startZooKeeper(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a JVM")
	}
	jars := []string{"/usr/share/java/zookeeper.jar", "/usr/share/java/netty-codec.jar"}
	java, err := exec.LookPath("java")
	if err != nil {
		t.Skip("no java")
	}
	for _, j := range jars {
		if _, err := os.Stat(j); err != nil {
			t.Skipf("no %s", j)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir := t.TempDir()
	cfg := fmt.Sprintf("tickTime=2000\ndataDir=%s\nclientPort=%d\nclientPortAddress=127.0.0.1\n"+
		"4lw.commands.whitelist=*\nadmin.enableServer=false\n", filepath.Join(dir, "data"), port)
	cfgPath := filepath.Join(dir, "zoo.cfg")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(dir, "zk.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(java, "-Xmx128m", "-cp", strings.Join(append([]string{dir}, jars...), ":"),
		"org.apache.zookeeper.server.quorum.QuorumPeerMain", cfgPath)
	cmd.Stdout, cmd.Stderr, cmd.Dir = logf, logf, dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logf.Close()
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		text, err := Query(ctx, addr, "srvr")
		cancel()
		if err == nil && strings.Contains(text, "Mode:") {
			return addr
		}
		time.Sleep(200 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "zk.log"))
	t.Fatalf("ZooKeeper did not answer srvr on %s within 60s; log:\n%s", addr, log)
	return ""
}

// TestAgainstRealZooKeeper queries a live Apache ZooKeeper 3.8 and parses its replies.
func TestAgainstRealZooKeeper(t *testing.T) {
	addr := startZooKeeper(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	text, err := Query(ctx, addr, "srvr")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseSrvr(text)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("srvr from %s:\n%s", addr, text)
	if s.Mode != ModeStandalone || s.NodeCount < 4 || !strings.HasPrefix(s.Version, "3.") {
		t.Errorf("srvr parsed %+v", s)
	}

	text, err = Query(ctx, addr, "mntr")
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseMntr(text)
	if err != nil {
		t.Fatal(err)
	}
	if m.Stats.Mode != ModeStandalone || m.Stats.NodeCount != s.NodeCount || m.Stats.MaxFileDescriptorCount <= 0 {
		t.Errorf("mntr parsed %+v", m.Stats)
	}

	if text, err := Query(ctx, addr, "ruok"); err != nil || text != Ruok() {
		t.Errorf("ruok = %q, %v", text, err)
	}
	if text, err := Query(ctx, addr, "isro"); err != nil || text != Isro(false) {
		t.Errorf("isro = %q, %v", text, err)
	}
	text, err = Query(ctx, addr, "envi")
	if err != nil {
		t.Fatal(err)
	}
	ours := Environment(EnvInfo{})
	for i, kv := range ParseKeyValues(text) {
		if i >= len(ours) || kv.Key != ours[i].Key {
			t.Errorf("envi key %d = %q, ours %v", i, kv.Key, ours)
			break
		}
	}
}
