//go:build unix

package txnlog

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// Lock implements Locker with flock(2): the lock belongs to the open file, so it also keeps a
// second Open in the same process out, and the kernel drops it when the process dies (a
// SIGKILLed server leaves no stale lock behind, unlike a pid file).
func (OSFS) Lock(name string) (io.Closer, error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (%s is locked)", ErrLocked, name)
		}
		return nil, fmt.Errorf("flock %s: %w", name, err)
	}
	return f, nil // closing the file releases the lock
}
