package cmd

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// writeAtomic replaces path with what write produces: a hidden temporary file in the same
// directory → fsync → rename → fsync(dir), so a reader (a restarting server, ZooKeeper looking
// for snapshot.<zxid>) never finds a half-written file under path's name.
func writeAtomic(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(f.Name())
		}
	}()
	if err = write(f); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// writeFileAtomic is writeAtomic of data.
func writeFileAtomic(path string, data []byte) error {
	return writeAtomic(path, func(w io.Writer) error { _, err := w.Write(data); return err })
}

// zkSnapshotDir is <out>/version-2, where export and backup write a ZooKeeper snapshot so that
// out can be ZooKeeper's dataDir; it is created, and refused when it already holds files.
func zkSnapshotDir(out string) (string, error) {
	dir := filepath.Join(out, "version-2")
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return "", fmt.Errorf("%s is not empty; write into a new directory", dir)
	}
	return dir, os.MkdirAll(dir, 0o755)
}
