package zkimport

import "errors"

// Sentinel errors. Every error a reader returns wraps one of them and names the byte offset
// (and Import adds the file) where the problem was found.
var (
	// ErrBadMagic: the file does not start with ZooKeeper's magic for its kind ("ZKSN" for a
	// snapshot, "ZKLG" for a log).
	ErrBadMagic = errors.New("zkimport: bad magic")
	// ErrBadVersion: the file header names a format version other than 2.
	ErrBadVersion = errors.New("zkimport: unsupported format version")
	// ErrChecksum: an Adler32 checksum does not match the bytes it covers.
	ErrChecksum = errors.New("zkimport: checksum mismatch")
	// ErrTruncated: the file ends in the middle of a record that must be complete.
	ErrTruncated = errors.New("zkimport: truncated")
	// ErrCorrupt: a value cannot be what the format allows (negative or huge length, unknown
	// txn type, a node before its parent, a record with bytes missing).
	ErrCorrupt = errors.New("zkimport: corrupt")
	// ErrCompression: the compressed stream cannot be decoded.
	ErrCompression = errors.New("zkimport: bad compressed stream")
	// ErrNoSnapshot: the directory holds no snapshot that reads cleanly.
	ErrNoSnapshot = errors.New("zkimport: no valid snapshot")
	// ErrNoDataDir: neither the directory nor its version-2 subdirectory holds ZooKeeper files.
	ErrNoDataDir = errors.New("zkimport: not a ZooKeeper data directory")
)
