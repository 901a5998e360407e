//go:build !linux

package txnlog

import "os"

// allocate extends the file sparsely where fallocate(2) is not available.
func allocate(f *os.File, cur, size int64) error {
	return f.Truncate(size)
}
