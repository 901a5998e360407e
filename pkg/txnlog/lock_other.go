//go:build !unix

package txnlog

import (
	"io"
	"os"
)

// Lock implements Locker without an advisory lock where flock is missing: it only creates the
// file, so tools cannot tell a running server from a stopped one on such platforms.
func (OSFS) Lock(name string) (io.Closer, error) {
	return os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
}
