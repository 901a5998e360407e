package harness

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// LockClientPort2181 serialises the suites that need ZooKeeper's default client port 2181 on
// this machine: the quick-start test binds 0.0.0.0:2181, and the local-cluster suites run pods
// that bind <pod IP>:2181; on Linux the wildcard and a specific address cannot both listen on one
// port. `go test ./...` runs packages in parallel, so each of those tests holds this lock (an
// flock on a file in the temp dir, released when the test ends or the process dies).
func LockClientPort2181(t testing.TB) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "zkensemble-test-port-2181.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatalf("harness: port 2181 lock: %v", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		t.Fatalf("harness: port 2181 lock: %v", err)
	}
	t.Cleanup(func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	})
}
