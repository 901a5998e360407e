package txnlog

import (
	"errors"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// faultFS is the OS file layer with one armed fault: operation op fails with err after
// `after` successful calls, until cleared. A failing write first writes half its bytes, the
// way a short write on a full disk does.
type faultFS struct {
	OSFS
	mu    sync.Mutex
	op    string
	after int
	err   error
	calls map[string]int
}

func newFaultFS() *faultFS { return &faultFS{calls: map[string]int{}} }

func (f *faultFS) arm(op string, after int, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.op, f.after, f.err = op, after, err
	f.calls = map[string]int{}
}

func (f *faultFS) clear() { f.arm("", 0, nil) }

func (f *faultFS) count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

func (f *faultFS) check(op string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[op]++
	if op == f.op && f.calls[op] > f.after {
		return f.err
	}
	return nil
}

func (f *faultFS) Create(name string) (File, error) {
	if err := f.check("create"); err != nil {
		return nil, err
	}
	file, err := f.OSFS.Create(name)
	return faultFile{file, f}, err
}

func (f *faultFS) OpenRW(name string) (File, error) {
	file, err := f.OSFS.OpenRW(name)
	return faultFile{file, f}, err
}

func (f *faultFS) Rename(from, to string) error {
	if err := f.check("rename"); err != nil {
		return err
	}
	return f.OSFS.Rename(from, to)
}

func (f *faultFS) SyncDir(dir string) error {
	if err := f.check("syncdir"); err != nil {
		return err
	}
	return f.OSFS.SyncDir(dir)
}

type faultFile struct {
	File
	fs *faultFS
}

func (f faultFile) WriteAt(b []byte, off int64) (int, error) {
	if err := f.fs.check("write"); err != nil {
		n, _ := f.File.WriteAt(b[:len(b)/2], off)
		return n, err
	}
	return f.File.WriteAt(b, off)
}

func (f faultFile) Sync() error {
	if err := f.fs.check("sync"); err != nil {
		return err
	}
	return f.File.Sync()
}

func (f faultFile) Allocate(size int64) error {
	if err := f.fs.check("allocate"); err != nil {
		return err
	}
	return f.File.Allocate(size)
}

func (f faultFile) Truncate(size int64) error {
	if err := f.fs.check("truncate"); err != nil {
		return err
	}
	return f.File.Truncate(size)
}

// abandon drops a file log without Close, as a crash would (the OS keeps what was written
// and the kernel releases the directory's lock).
func abandon(l Log) {
	fl := l.(*fileLog)
	if fl.active != nil {
		fl.active.f.Close()
	}
	fl.lock.Close()
}

func faultOpts(fs *faultFS) Options {
	o := smallOpts()
	o.FS = fs
	return o
}

func TestFaultSyncFailsThenRetries(t *testing.T) {
	for _, op := range []string{"sync", "write"} {
		t.Run(op, func(t *testing.T) {
			fs := newFaultFS()
			dir := t.TempDir()
			l := openT(t, dir, faultOpts(fs))
			mustAppendSync(t, l, entries(1, 10))
			fs.arm(op, 0, syscall.EIO)
			if err := l.Append(entries(11, 10)...); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 3; i++ {
				if err := l.Sync(); !errors.Is(err, ErrWrite) || !errors.Is(err, syscall.EIO) {
					t.Fatalf("Sync with %s fault: %v", op, err)
				}
			}
			// Readers still see everything appended.
			wantEntries(t, readAll(t, l, 0), entries(1, 20))
			fs.clear()
			if err := l.Sync(); err != nil {
				t.Fatalf("Sync after clearing: %v", err)
			}
			if op == "sync" && fs.count("write") == 0 {
				t.Fatal("after a failed fsync the batch must be written again, not trusted to the page cache")
			}
			mustAppendSync(t, l, entries(21, 5))
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			l = openT(t, dir, smallOpts())
			defer l.Close()
			wantEntries(t, readAll(t, l, 0), entries(1, 25))
		})
	}
}

func TestFaultCrashAfterFailedWrite(t *testing.T) {
	fs := newFaultFS()
	dir := t.TempDir()
	l := openT(t, dir, faultOpts(fs))
	acked := entries(1, 12)
	mustAppendSync(t, l, acked)
	fs.arm("write", 0, syscall.ENOSPC)
	if err := l.Append(entries(13, 30)...); err != nil {
		t.Fatal(err)
	}
	if err := l.Sync(); !errors.Is(err, ErrWrite) {
		t.Fatalf("Sync: %v", err)
	}
	abandon(l) // crash with half a batch on disk
	l2 := openT(t, dir, smallOpts())
	defer l2.Close()
	got := readAll(t, l2, 0)
	if len(got) < len(acked) {
		t.Fatalf("acknowledged entries lost: have %v", zxids(got))
	}
	// Whatever survived of the unacknowledged batch is a whole-record prefix of it.
	wantEntries(t, got, entries(1, len(got)))
}

func TestFaultTruncateAfterFailedSyncDoesNotResurrect(t *testing.T) {
	fs := newFaultFS()
	dir := t.TempDir()
	o := faultOpts(fs)
	o.SegmentBytes = 1 << 20
	l := openT(t, dir, o)
	mustAppendSync(t, l, entries(1, 5))
	fs.arm("sync", 0, syscall.EIO)
	if err := l.Append(entries(6, 5)...); err != nil {
		t.Fatal(err)
	}
	if err := l.Sync(); !errors.Is(err, ErrWrite) {
		t.Fatalf("Sync: %v", err)
	}
	fs.clear()
	// Written to the file but never durable: ZAB tells us to drop them.
	if err := l.TruncateAfter(5); err != nil {
		t.Fatal(err)
	}
	abandon(l)
	l2 := openT(t, dir, smallOpts())
	defer l2.Close()
	wantEntries(t, readAll(t, l2, 0), entries(1, 5))
}

func TestFaultSegmentCreation(t *testing.T) {
	for _, op := range []string{"create", "rename"} {
		t.Run(op, func(t *testing.T) {
			fs := newFaultFS()
			dir := t.TempDir()
			l := openT(t, dir, faultOpts(fs))
			mustAppendSync(t, l, entries(1, 5))
			if err := l.Rotate(); err != nil {
				t.Fatal(err)
			}
			fs.arm(op, 0, syscall.ENOSPC)
			if err := l.Append(entries(6, 5)...); err != nil {
				t.Fatal(err)
			}
			if err := l.Sync(); !errors.Is(err, ErrWrite) {
				t.Fatalf("Sync: %v", err)
			}
			fs.clear()
			if err := l.Sync(); err != nil {
				t.Fatal(err)
			}
			l.Close()
			ents, _ := os.ReadDir(dir)
			for _, e := range ents {
				if strings.HasSuffix(e.Name(), tmpSuffix) {
					t.Fatalf("temporary file left: %s", e.Name())
				}
			}
			l = openT(t, dir, smallOpts())
			defer l.Close()
			wantEntries(t, readAll(t, l, 0), entries(1, 10))
		})
	}
}

func TestFaultSealFails(t *testing.T) {
	fs := newFaultFS()
	dir := t.TempDir()
	l := openT(t, dir, faultOpts(fs))
	mustAppendSync(t, l, entries(1, 5))
	fs.arm("truncate", 0, syscall.EIO)
	if err := l.Rotate(); !errors.Is(err, ErrWrite) {
		t.Fatalf("Rotate: %v", err)
	}
	fs.clear()
	if err := l.Rotate(); err != nil {
		t.Fatal(err)
	}
	mustAppendSync(t, l, entries(6, 5))
	l.Close()
	if n := len(segFiles(t, dir)); n != 2 {
		t.Fatalf("%d segments, want 2", n)
	}
	l = openT(t, dir, smallOpts())
	defer l.Close()
	wantEntries(t, readAll(t, l, 0), entries(1, 10))
}

func TestFaultPreallocationFailsIsNotFatal(t *testing.T) {
	fs := newFaultFS()
	rec := &logRecorder{}
	o := faultOpts(fs)
	o.Logger = rec.logger()
	fs.arm("allocate", 0, syscall.ENOSPC)
	dir := t.TempDir()
	l := openT(t, dir, o)
	mustAppendSync(t, l, entries(1, 100))
	l.Close()
	if !strings.Contains(rec.String(), "preallocation failed") {
		t.Fatalf("no warning logged: %q", rec.String())
	}
	l = openT(t, dir, smallOpts())
	defer l.Close()
	wantEntries(t, readAll(t, l, 0), entries(1, 100))
}
