package txnlog

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestTmpfsENOSPC runs the file log on a real, tiny filesystem (a 4 MiB tmpfs) until it is
// full: the write fails with ENOSPC wrapped in ErrWrite, nothing acknowledged is lost, and once
// space returns the same Sync succeeds and everything is readable after reopening.
func TestTmpfsENOSPC(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=4m"); err != nil {
		t.Skipf("cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN): %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	// Space we give back later.
	reserve := filepath.Join(dir, "reserve")
	if err := os.WriteFile(reserve, make([]byte, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := &logRecorder{}
	// Default preallocation (64 MiB) cannot fit: the log must carry on without it.
	o := Options{ForceSync: true, Logger: rec.logger()}
	logDir := filepath.Join(dir, "log")
	l := openT(t, logDir, o)
	payload := strings.Repeat("z", 4000)
	var acked []Entry
	next := int64(1)
	var syncErr error
	for i := 0; i < 4000 && syncErr == nil; i++ {
		batch := []Entry{{Zxid: next, Data: []byte(payload)}, {Zxid: next + 1, Data: []byte(payload)}}
		next += 2
		if err := l.Append(batch...); err != nil {
			t.Fatal(err)
		}
		if syncErr = l.Sync(); syncErr == nil {
			acked = append(acked, batch...)
		}
	}
	if !errors.Is(syncErr, ErrWrite) || !errors.Is(syncErr, syscall.ENOSPC) {
		t.Fatalf("filling the disk: Sync error %v, want ErrWrite wrapping ENOSPC", syncErr)
	}
	if len(acked) < 100 {
		t.Fatalf("only %d entries fit", len(acked))
	}
	if err := l.Sync(); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("retry while still full: %v", err)
	}
	if err := os.Remove(reserve); err != nil {
		t.Fatal(err)
	}
	if err := l.Sync(); err != nil {
		t.Fatalf("Sync once space returned: %v", err)
	}
	all := append(acked, Entry{Zxid: next - 2, Data: []byte(payload)}, Entry{Zxid: next - 1, Data: []byte(payload)})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = openT(t, logDir, o)
	wantEntries(t, readAll(t, l, 0), all)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rec.String(), "preallocation failed") {
		t.Errorf("expected a preallocation warning, log: %q", rec.String())
	}
}
