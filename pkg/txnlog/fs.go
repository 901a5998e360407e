package txnlog

import (
	"io"
	"os"
)

// FS is the narrow file layer the file log uses, so tests can inject ENOSPC/EIO at any step
// and a simulator can model a disk. Paths are full paths.
type FS interface {
	MkdirAll(dir string) error
	// ReadDir lists the names (not paths) in dir.
	ReadDir(dir string) ([]string, error)
	// Create creates or truncates name for reading and writing.
	Create(name string) (File, error)
	// OpenRW opens an existing file for reading and writing.
	OpenRW(name string) (File, error)
	// OpenRead opens an existing file for reading.
	OpenRead(name string) (File, error)
	Rename(from, to string) error
	Remove(name string) error
	// SyncDir fsyncs a directory so creations, renames and removals in it are durable.
	SyncDir(dir string) error
}

// File is an open file of an FS. Writes are positional, so a retried write lands exactly where
// the failed one should have.
type File interface {
	io.ReaderAt
	io.WriterAt
	Sync() error
	Truncate(size int64) error
	// Allocate extends the file with zeros to at least size bytes, reserving the blocks
	// (fallocate) where the platform allows.
	Allocate(size int64) error
	Size() (int64, error)
	Close() error
}

// OSFS is the operating system's file layer.
type OSFS struct{}

func (OSFS) MkdirAll(dir string) error { return os.MkdirAll(dir, 0o755) }

func (OSFS) ReadDir(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names, nil
}

func (OSFS) Create(name string) (File, error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	return osFile{f}, nil
}

func (OSFS) OpenRW(name string) (File, error) {
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	return osFile{f}, nil
}

func (OSFS) OpenRead(name string) (File, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	return osFile{f}, nil
}

func (OSFS) Rename(from, to string) error { return os.Rename(from, to) }
func (OSFS) Remove(name string) error     { return os.Remove(name) }

func (OSFS) SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

type osFile struct{ *os.File }

func (f osFile) Size() (int64, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

func (f osFile) Allocate(size int64) error {
	cur, err := f.Size()
	if err != nil {
		return err
	}
	if cur >= size {
		return nil
	}
	return allocate(f.File, cur, size)
}
