package txnlog

import (
	"errors"
	"testing"
)

func TestOpenLocksTheDirectoryUntilClose(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(dir, smallOpts())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, smallOpts()); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open while the first is open: %v, want ErrLocked", err)
	}
	if _, err := LockDir(dir); !errors.Is(err, ErrLocked) {
		t.Fatalf("LockDir while the log is open: %v, want ErrLocked", err)
	}
	if _, err := Repair(dir); !errors.Is(err, ErrLocked) {
		t.Fatalf("Repair while the log is open: %v, want ErrLocked", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	lk, err := LockDir(dir)
	if err != nil {
		t.Fatalf("LockDir after Close: %v", err)
	}
	if _, err := Open(dir, smallOpts()); !errors.Is(err, ErrLocked) {
		t.Fatalf("Open while a tool holds the lock: %v, want ErrLocked", err)
	}
	if err := lk.Close(); err != nil {
		t.Fatal(err)
	}
	l2, err := Open(dir, smallOpts())
	if err != nil {
		t.Fatalf("Open after the tool released the lock: %v", err)
	}
	if err := l2.Close(); err != nil {
		t.Fatal(err)
	}
}
