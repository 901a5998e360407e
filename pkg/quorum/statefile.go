package quorum

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Small state files: ZooKeeper's acceptedEpoch and currentEpoch (QuorumPeer.writeLongToFile:
// the number in decimal text, replaced atomically), and our own files written the same way.

// writeFileAtomic replaces path with data durably: tmp → fsync → rename → fsync(dir), so a
// crash leaves either the old or the new content, never a torn one.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("%w: create %s: %w", ErrStorage, tmp, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("%w: write %s: %w", ErrStorage, tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("%w: rename %s: %w", ErrStorage, tmp, err)
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("%w: open dir %s: %w", ErrStorage, dir, err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%w: fsync dir %s: %w", ErrStorage, dir, err)
	}
	return nil
}

// writeEpochFile writes an epoch as ZooKeeper does: decimal text, no newline.
func writeEpochFile(path string, v uint32) error {
	return writeFileAtomic(path, []byte(strconv.FormatUint(uint64(v), 10)))
}

// readEpochFile reads an epoch file; a missing file is epoch 0 (a server that never took part
// in an election; ZooKeeper derives it from the last zxid then, which is 0 on a fresh
// server). Anything but a number in range is ErrCorrupt: guessing an epoch could break ZAB.
func readEpochFile(path string) (uint32, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("%w: read %s: %w", ErrStorage, path, err)
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%w: %s holds %q", ErrCorrupt, path, b)
	}
	return uint32(v), nil
}

// WriteFileAtomic is writeFileAtomic for the caller's own config files (the dynamic config
// file and zoo.cfg a reconfig rewrites).
func WriteFileAtomic(path string, data []byte) error { return writeFileAtomic(path, data) }
