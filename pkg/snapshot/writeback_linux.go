package snapshot

import (
	"os"
	"syscall"
)

// sync_file_range(2) flags (linux/fs.h); package syscall has the call but not the names.
const (
	syncFileRangeWaitBefore = 1
	syncFileRangeWrite      = 2
)

// startWriteback asks the kernel to start writing [off, off+n) of f to disk now and first waits
// until the range before it, [off-n, off), is on its way. See writebackFile for why.
func startWriteback(f *os.File, off, n int64) {
	// Errors are ignored on purpose: this only paces the writer; the final fsync in Write
	// is what makes the file durable and reports any failure.
	if off >= n {
		_ = syscall.SyncFileRange(int(f.Fd()), off-n, n, syncFileRangeWaitBefore|syncFileRangeWrite)
	}
	_ = syscall.SyncFileRange(int(f.Fd()), off, n, syncFileRangeWrite)
}
