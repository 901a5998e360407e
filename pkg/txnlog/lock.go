package txnlog

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
)

// LockFileName is the file in a log directory whose exclusive lock says a process is using the
// directory. Open takes it and Close releases it, so `zkensemble purge`, `import --to` and
// `server --repair` refuse to touch the files of a running server (ZooKeeper has no such
// guard: its PurgeTxnLog happily deletes under a live server).
const LockFileName = "LOCK"

// ErrLocked: another process (or another open Log in this one) holds the directory's lock.
var ErrLocked = errors.New("txnlog: directory in use by a running server")

// Locker is implemented by an FS that can take an exclusive, process-lifetime lock on a file:
// released by Close or, if the process dies, by the kernel (flock on Unix). An FS without it
// (an in-memory simulator) runs unlocked.
type Locker interface {
	// Lock takes the exclusive lock on name, creating the file if needed, without waiting:
	// it fails with an error wrapping ErrLocked when someone else holds it.
	Lock(name string) (io.Closer, error)
}

// LockDir takes the lock of the log directory dir (creating dir if needed) for a tool that
// must not run beside a server: the caller holds it until done and then closes it.
func LockDir(dir string) (io.Closer, error) {
	return lockDir(OSFS{}, dir)
}

func lockDir(fs FS, dir string) (io.Closer, error) {
	l, ok := fs.(Locker)
	if !ok {
		return nopCloser{}, nil
	}
	if err := fs.MkdirAll(dir); err != nil {
		return nil, fmt.Errorf("txnlog: create %s: %w", dir, err)
	}
	c, err := l.Lock(filepath.Join(dir, LockFileName))
	if err != nil {
		return nil, fmt.Errorf("txnlog: lock %s: %w", dir, err)
	}
	return c, nil
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }
