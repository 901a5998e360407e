package snapshot

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// DirName is the directory under dataDir that holds our snapshots, apart from ZooKeeper's
// version-2 (as the txn log lives in dataLogDir/txnlog).
const DirName = "snapshot"

const (
	filePrefix = "snapshot."
	hexDigits  = 16
	// TmpSuffix marks a snapshot being written; one left by a crash is never read.
	TmpSuffix = ".tmp"
	// BrokenSuffix marks a snapshot that failed to read back; it is kept for the operator.
	BrokenSuffix = ".broken"
)

// FileName is the name of the snapshot that starts at zxid: snapshot.<16 hex digits>, padded
// so that names sort like zxids (ZooKeeper writes the hex unpadded).
func FileName(zxid int64) string {
	return fmt.Sprintf("%s%0*x", filePrefix, hexDigits, uint64(zxid))
}

// ParseFileName returns the zxid in a snapshot file name; ok is false for any other name,
// temporary and broken files included.
func ParseFileName(name string) (zxid int64, ok bool) {
	if len(name) != len(filePrefix)+hexDigits || !strings.HasPrefix(name, filePrefix) {
		return 0, false
	}
	v, err := strconv.ParseUint(name[len(filePrefix):], 16, 64)
	if err != nil {
		return 0, false
	}
	return int64(v), true
}

// File is one snapshot file found in a directory.
type File struct {
	Zxid int64
	Path string
}

// List returns the snapshot files in dir, newest (highest zxid) first. A missing directory
// holds none.
func List(dir string) ([]File, error) {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("snapshot: list %s: %w", dir, err)
	}
	var out []File
	for _, e := range entries {
		if z, ok := ParseFileName(e.Name()); ok && e.Type().IsRegular() {
			out = append(out, File{Zxid: z, Path: filepath.Join(dir, e.Name())})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Zxid > out[j].Zxid })
	return out, nil
}

// syncDir makes a rename or removal in dir durable.
func syncDir(dir string) error {
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

// ReadHeader reads and checks only the header of a snapshot file.
func ReadHeader(path string) (Header, error) {
	f, err := os.Open(path)
	if err != nil {
		return Header{}, fmt.Errorf("snapshot: open %s: %w", path, err)
	}
	defer f.Close()
	b := make([]byte, headerBytes)
	if _, err := io.ReadFull(f, b); err != nil {
		return Header{}, fmt.Errorf("%w: %s: offset 0: truncated in header", ErrCorrupt, path)
	}
	return decodeHeader(b, path)
}
