package harness

import (
	"os"
	"sync"
	"testing"
)

// One server per (target, name) per test binary: a JVM start costs seconds, so suites whose
// scenarios do not interfere (each under its own root znode) share one.
var shared struct {
	mu      sync.Mutex
	servers map[string]*Server
	errs    map[string]error
}

// Shared returns the server named name for target, starting it on first use with opts (later
// callers' opts are ignored). It lives until Teardown. If t fails, the server's log tail is
// printed and its directory kept. A start failure fails every test that asks for it.
func Shared(t testing.TB, target Target, name string, opts Options) *Server {
	t.Helper()
	key := target.String() + "/" + name
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.servers == nil {
		shared.servers, shared.errs = map[string]*Server{}, map[string]error{}
	}
	if err := shared.errs[key]; err != nil {
		t.Fatalf("shared %s server failed to start earlier: %v", key, err)
	}
	s := shared.servers[key]
	if s == nil {
		var err error
		if s, err = Launch(target, opts); err != nil {
			shared.errs[key] = err
			t.Fatalf("start shared %s server: %v", key, err)
		}
		shared.servers[key] = s
	}
	s.ReportOnFailure(t)
	return s
}

// Teardown stops every shared server and removes the ZKE build directory. Call it from TestMain
// after m.Run.
func Teardown() {
	shared.mu.Lock()
	for k, s := range shared.servers {
		s.Stop()
		delete(shared.servers, k)
	}
	shared.mu.Unlock()
	if zkeBuild.dir != "" {
		os.RemoveAll(zkeBuild.dir)
	}
}
