package txnlog

import (
	"errors"
	"os"
	"syscall"
)

// allocate reserves [cur, size) with fallocate(2) mode 0, which also extends the file size, so
// the tail reads as zeros and later writes cannot fail for lack of blocks. Filesystems without
// fallocate get a sparse extension instead.
func allocate(f *os.File, cur, size int64) error {
	for {
		err := syscall.Fallocate(int(f.Fd()), 0, cur, size-cur)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if errors.Is(err, syscall.EOPNOTSUPP) || errors.Is(err, syscall.ENOSYS) {
			return f.Truncate(size)
		}
		return err
	}
}
