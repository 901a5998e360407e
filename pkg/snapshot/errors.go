package snapshot

import "errors"

// Sentinel errors; the wrapping text names the file and, for damage, the byte offset.
var (
	// ErrCorrupt: a checksum, a length, a count or a reference in the file does not hold, or
	// the file ends early. LoadNewest renames such a file <name>.broken and tries an older one.
	ErrCorrupt = errors.New("snapshot: corrupt")
	// ErrVersion: the header is intact but names a format version this binary cannot read
	// (written by a newer zkensemble). Refused, never set aside.
	ErrVersion = errors.New("snapshot: unsupported format version")
	// ErrZooKeeperFormat: the file is an Apache ZooKeeper snapshot ("ZKSN"), which is imported,
	// not restored. Refused, never set aside.
	ErrZooKeeperFormat = errors.New("snapshot: Apache ZooKeeper snapshot, not ours")
	// ErrRetainCount: Purge was asked to keep fewer than MinRetainCount snapshots.
	ErrRetainCount = errors.New("snapshot: retain count below minimum")
)
