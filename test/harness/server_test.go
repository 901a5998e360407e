package harness

import (
	"os"
	"strings"
	"testing"
)

func TestMain(m *testing.M) {
	code := m.Run()
	Teardown()
	os.Exit(code)
}

// The lifecycle every suite relies on, proven on Apache ZooKeeper: start, 4lw, restart on the
// same port with the same data, kill, and cleanup.
func testLifecycle(t *testing.T, target Target) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	s := Start(t, target, Options{Extra: map[string]string{"maxSessionTimeout": "30000"}})
	if out := s.FourLW("ruok"); out != "imok" {
		t.Fatalf("ruok = %q", out)
	}
	if out := s.FourLW("srvr"); !strings.Contains(out, "Mode: standalone") {
		t.Fatalf("srvr = %q", out)
	}
	if out := s.FourLW("conf"); !strings.Contains(out, "maxSessionTimeout=30000") {
		t.Errorf("conf does not show the Extra key:\n%s", out)
	}
	addr := s.Addr()
	if err := s.Restart(); err != nil {
		t.Fatalf("restart: %v", err)
	}
	if s.Addr() != addr {
		t.Errorf("restart moved the server from %s to %s", addr, s.Addr())
	}
	if out := s.FourLW("ruok"); out != "imok" {
		t.Fatalf("after restart ruok = %q", out)
	}
	s.Kill()
	if out := s.FourLW("ruok"); out != "" {
		t.Fatalf("after kill ruok = %q, want no answer", out)
	}
	dir := s.Dir()
	s.Stop()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("server dir %s survived Stop: %v", dir, err)
	}
}

func TestLifecycleApache(t *testing.T) { testLifecycle(t, Apache) }
func TestLifecycleZKE(t *testing.T)    { testLifecycle(t, ZKE) }

func TestSharedIsShared(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	a := Shared(t, Apache, "harness-test", Options{})
	b := Shared(t, Apache, "harness-test", Options{})
	if a != b {
		t.Fatalf("Shared returned two servers")
	}
	if out := a.FourLW("ruok"); out != "imok" {
		t.Fatalf("ruok = %q", out)
	}
}
